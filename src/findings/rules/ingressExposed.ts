import { defineRule } from '../rule.js';

export default defineRule({
  id: 'ingress-exposed',
  causes: ['ingress-exposed'],
  category: 'ingress-exposed',
  severity: 'high',
  rationale:
    'A backend became reachable from outside the cluster through a gateway, for new hosts. Its callers are now the gateway identity, so ALLOW rules for the gateway become internet-facing.',
  title: (c) => `${c.facts.backend || 'A backend'} newly exposed through an ingress gateway`,
  fix: 'Bind the route only to the hosts and gateway intended, and restrict it with an AuthorizationPolicy on the gateway.',
});
