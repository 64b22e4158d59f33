import { defineRule, detailTags, where } from '../rule.js';

/** Tag (set in policy/diffSides.ts): what the clients now send, `plaintext` or `tls` (TLS without an Istio identity). */
export default defineRule({
  id: 'client-tls-breaks-strict',
  cause: 'client-tls-breaks',
  category: 'access-narrowed',
  severity: 'low',
  detailIsTag: true,
  rationale:
    'A DestinationRule makes clients send plaintext (or TLS without an Istio identity) to a server that requires mTLS: the calls will fail. Not a weakening, an outage.',
  title: (c) => `Calls to ${where(c)} will fail: clients send ${detailTags(c).includes('tls') ? 'non-Istio TLS' : 'plaintext'} to a STRICT server`,
  fix: 'Use `tls.mode: ISTIO_MUTUAL` (or leave tls unset) for in-mesh hosts.',
});
