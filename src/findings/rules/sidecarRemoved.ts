import { defineRule, detailTags, where } from '../rule.js';

/** Tags (set in policy/diffSides.ts): `governed` when policies applied before; `ambient` when the proxy lost was ambient's ztunnel. */
export default defineRule({
  id: 'sidecar-removed',
  cause: 'sidecar-removed',
  category: 'mtls-weakened',
  severity: 'high',
  severityFor: (c) => (detailTags(c).includes('governed') ? 'critical' : 'high'),
  detailIsTag: true,
  rationale:
    "The workload no longer gets a proxy (its sidecar, or ambient mode's ztunnel). It accepts plaintext from anyone, meshed callers fall back to plaintext (auto-mTLS), and every PeerAuthentication and AuthorizationPolicy on it silently stops applying.",
  title: (c) => (detailTags(c).includes('ambient') ? `${where(c)} left the ambient data plane` : `Sidecar removed from ${where(c)}`),
  fix: 'Undo what took the workload off its data plane (the field named in the message: an injection or `istio.io/dataplane-mode` label or annotation, `hostNetwork: true`), or move it out of the mesh on purpose and protect it with a NetworkPolicy.',
});
