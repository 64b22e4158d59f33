import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'plaintext-access-allowed',
  causes: ['plaintext-allowed'],
  category: 'access-broadened',
  severity: 'high',
  rationale:
    'Requests without a mesh identity are now admitted and allowed. Rules written with `notPrincipals`/`notNamespaces` match such requests, and DENY rules on principals do not stop them (ISTIO-SECURITY-2021-004).',
  title: (c) => `Unauthenticated callers can now reach ${where(c)}`,
  fix: 'Require mTLS (PeerAuthentication STRICT) for this port, or add an ALLOW rule that requires `principals: ["*"]`.',
});
