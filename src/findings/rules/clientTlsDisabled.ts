import { defineRule, detailTags, where } from '../rule.js';

/** Tag (set in policy/diffSides.ts): what the clients now send, `plaintext` or `tls` (TLS without an Istio identity). */
export default defineRule({
  id: 'client-tls-disabled',
  cause: 'client-plaintext',
  category: 'mtls-weakened',
  severity: 'high',
  detailIsTag: true,
  rationale:
    'A DestinationRule makes meshed clients send plaintext (or TLS without an Istio identity) to a server that accepts it: the traffic is readable or carries no identity for authorization.',
  title: (c) => `Clients now send ${detailTags(c).includes('tls') ? 'non-Istio TLS' : 'plaintext'} to ${where(c)}`,
  fix: 'Use `tls.mode: ISTIO_MUTUAL` (or leave tls unset for auto-mTLS) for in-mesh hosts.',
});
