import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'client-tls-disabled',
  cause: 'client-plaintext',
  category: 'mtls-weakened',
  severity: 'high',
  rationale: 'A DestinationRule makes meshed clients send plaintext (or TLS without an Istio identity) to a server that accepts it: the traffic is readable and carries no identity for authorization.',
  title: (c) => `Clients now send plaintext to ${where(c)}`,
  fix: 'Use `tls.mode: ISTIO_MUTUAL` (or leave tls unset for auto-mTLS) for in-mesh hosts.',
});
