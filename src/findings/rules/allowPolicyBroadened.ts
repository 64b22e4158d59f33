import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'allow-policy-broadened',
  causes: ['allow-broadened'],
  category: 'access-broadened',
  severity: 'high',
  severityFor: (c) => (c.scope === 'mesh' ? 'critical' : 'high'),
  rationale:
    'An ALLOW rule now matches requests that no ALLOW rule matched before: a wider principal, namespace, path, method, host or port, a dropped condition, or a new allow-all rule.',
  title: (c) => `ALLOW rule admits new requests to ${where(c)}`,
  fix: 'Narrow the rule to the callers and operations that need access (exact principals, path prefixes, methods).',
});
