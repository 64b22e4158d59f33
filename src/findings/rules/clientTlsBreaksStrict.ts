import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'client-tls-breaks-strict',
  cause: 'client-tls-breaks',
  category: 'access-narrowed',
  severity: 'low',
  rationale: 'A DestinationRule makes clients send plaintext to a server that requires mTLS: the calls will fail. Not a weakening, an outage.',
  title: (c) => `Calls to ${where(c)} will fail: clients send plaintext to a STRICT server`,
  fix: 'Use `tls.mode: ISTIO_MUTUAL` (or leave tls unset) for in-mesh hosts.',
});
