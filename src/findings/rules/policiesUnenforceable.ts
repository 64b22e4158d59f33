import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'policies-unenforceable',
  causes: ['policies-unenforceable'],
  category: 'access-broadened',
  severity: 'critical',
  // A whole workload losing its proxy is critical; one port bypassing it is high (mesh-semantics §6 rows 7 and 9).
  severityFor: (c) => (c.scope === 'port' ? 'high' : 'critical'),
  rationale:
    'Mesh authorization is enforced by the proxy. Without it (sidecar removed, port excluded from interception) every AuthorizationPolicy on the workload silently stops applying, and anyone who can reach the pod is allowed.',
  title: (c) => `Authorization no longer enforced on ${where(c)}`,
  fix: 'Keep the workload (and this port) behind its proxy, or replace the mesh policy with a NetworkPolicy that enforces the same boundary at L3/L4.',
});
