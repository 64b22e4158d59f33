import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'default-deny-lost',
  formerIds: ['allow-all-restored'],
  causes: ['allow-all-restored'],
  category: 'access-broadened',
  severity: 'high',
  severityFor: (c) => (c.scope === 'mesh' ? 'critical' : 'high'),
  rationale: 'The last ALLOW policy on the workload no longer applies, so Istio falls back to allowing every request: deny-by-default is gone.',
  title: (c) => `Deny-by-default lost on ${where(c)}`,
  fix: 'Keep at least one ALLOW policy selecting the workload (an empty `spec: {}` policy denies everything not allowed elsewhere).',
});
