import { defineRule } from '../rule.js';

export default defineRule({
  id: 'egress-broadened',
  causes: ['egress-broadened'],
  category: 'egress-broadened',
  severity: 'medium',
  severityFor: (c) => (c.facts.anyHost ? 'medium' : 'low'),
  rationale:
    'Workloads may now reach external hosts they could not reach before (outboundTrafficPolicy ALLOW_ANY, a new or wider ServiceEntry, a wider Sidecar egress list). These are client-side controls, but they are the ones the mesh has.',
  title: (c) => (c.facts.anyHost ? 'Egress opened to any external host' : 'Egress opened to new external hosts'),
  fix: 'Keep `REGISTRY_ONLY` and register only the external hosts that are needed, with exact hostnames.',
});
