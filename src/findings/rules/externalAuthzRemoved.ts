import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'external-authz-removed',
  formerIds: ['custom-authz-removed'],
  causes: ['custom-removed'],
  category: 'access-broadened',
  severity: 'medium',
  rationale:
    'Requests that DENY and ALLOW policies let through were sent to an external authorizer (CUSTOM action) and no longer are. What that authorizer decided is outside the repository, so the effect is uncertain, but a check is gone. (Requests that DENY or ALLOW refused before are judged by those rules: CUSTOM only narrows.)',
  title: (c) => `External authorization no longer checks requests to ${where(c)}`,
  fix: 'Restore the CUSTOM policy (or its rule), or replace it with an equivalent ALLOW/DENY policy.',
});
