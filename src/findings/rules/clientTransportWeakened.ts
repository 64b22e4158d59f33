import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'client-transport-weakened',
  formerIds: ['client-tls-disabled'],
  causes: ['client-plaintext'],
  category: 'mtls-weakened',
  severity: 'high',
  rationale:
    'A DestinationRule makes meshed clients send plaintext (or TLS without an Istio identity) to a server that accepts it: the traffic is readable or carries no identity for authorization.',
  title: (c) => `Clients now send ${c.facts.sends === 'tls' ? 'non-Istio TLS' : 'plaintext'} to ${where(c)}`,
  fix: 'Use `tls.mode: ISTIO_MUTUAL` (or leave tls unset for auto-mTLS) for in-mesh hosts.',
});
