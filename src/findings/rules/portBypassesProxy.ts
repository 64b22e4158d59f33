import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'port-bypasses-proxy',
  cause: 'port-bypassed',
  category: 'mtls-weakened',
  severity: 'high',
  rationale: 'Inbound traffic on this port no longer passes through the sidecar: no mTLS, and no AuthorizationPolicy is enforced on it.',
  title: (c) => `Port ${c.port ?? ''} bypasses the sidecar on ${where(c)}`,
  fix: 'Remove the port from `traffic.sidecar.istio.io/excludeInboundPorts` (or add it back to `includeInboundPorts`).',
});
