import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'policy-audit-only',
  formerIds: ['policy-dry-run'],
  causes: ['policy-dry-run'],
  category: 'access-broadened',
  severity: 'high',
  rationale: 'An AuthorizationPolicy annotated `istio.io/dry-run: "true"` is only logged, never enforced.',
  title: (c) => `Policy switched to dry-run for ${where(c)}`,
  fix: 'Remove the `istio.io/dry-run` annotation once the policy has been verified.',
});
