import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'client-transport-refused',
  formerIds: ['client-tls-breaks-strict'],
  causes: ['client-tls-breaks'],
  category: 'access-narrowed',
  severity: 'low',
  rationale:
    'A DestinationRule makes clients send plaintext (or TLS without an Istio identity) to a server that requires mTLS: the calls will fail. Not a weakening, an outage.',
  title: (c) => `Calls to ${where(c)} will fail: clients send ${c.facts.sends === 'tls' ? 'non-Istio TLS' : 'plaintext'} to a STRICT server`,
  fix: 'Use `tls.mode: ISTIO_MUTUAL` (or leave tls unset) for in-mesh hosts.',
});
