import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'proxy-removed',
  formerIds: ['sidecar-removed'],
  causes: ['sidecar-removed'],
  category: 'mtls-weakened',
  severity: 'high',
  severityFor: (c) => (c.facts.governed ? 'critical' : 'high'),
  rationale:
    "The workload no longer gets a proxy (its sidecar, or ambient mode's ztunnel). It accepts plaintext from anyone, meshed callers fall back to plaintext (auto-mTLS), and every PeerAuthentication and AuthorizationPolicy on it silently stops applying.",
  title: (c) => (c.facts.ambient ? `${where(c)} left the ambient data plane` : `Sidecar removed from ${where(c)}`),
  fix: 'Undo what took the workload off its data plane (the field named in the message: an injection or `istio.io/dataplane-mode` label or annotation, `hostNetwork: true`), or move it out of the mesh on purpose and protect it with a NetworkPolicy.',
});
