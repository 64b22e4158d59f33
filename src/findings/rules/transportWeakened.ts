import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'transport-weakened',
  formerIds: ['peer-authentication-weakened'],
  causes: ['transport-weakened'],
  category: 'mtls-weakened',
  severity: 'high',
  severityFor: (c) => (c.scope === 'mesh' ? 'critical' : 'high'),
  rationale:
    'A workload port that required mutual TLS now accepts plaintext. Plaintext callers carry no identity, so every identity-based rule stops protecting that port, and traffic can be read on the wire. On a gateway the same holds for a Gateway server that stops requiring client certificates (`tls.mode` MUTUAL or ISTIO_MUTUAL).',
  title: (c) => (c.facts.gateway ? `Client certificates no longer required on gateway ${where(c)}` : `mTLS no longer required on ${where(c)}`),
  fix: 'Keep `mtls.mode: STRICT` at the scope that covers this workload, or scope the exception to the one port that needs plaintext with `portLevelMtls`.',
});
