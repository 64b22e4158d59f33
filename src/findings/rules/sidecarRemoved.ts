import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'sidecar-removed',
  cause: 'sidecar-removed',
  category: 'mtls-weakened',
  severity: 'high',
  severityFor: (c) => (c.detail === 'governed' ? 'critical' : 'high'),
  rationale:
    'The workload no longer gets a proxy. It accepts plaintext from anyone, meshed callers fall back to plaintext (auto-mTLS), and every PeerAuthentication and AuthorizationPolicy on it silently stops applying.',
  title: (c) => `Sidecar removed from ${where(c)}`,
  fix: 'Restore injection (namespace label `istio-injection=enabled` or pod label `sidecar.istio.io/inject: "true"`), or move the workload out of the mesh on purpose and protect it with a NetworkPolicy.',
});
