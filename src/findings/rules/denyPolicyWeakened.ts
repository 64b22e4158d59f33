import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'deny-policy-weakened',
  causes: ['deny-weakened'],
  category: 'access-broadened',
  severity: 'high',
  rationale:
    'A DENY rule no longer matches requests it used to deny (it was removed, narrowed, or made unenforceable). DENY beats every ALLOW, so those requests may now pass.',
  title: (c) => `DENY rule no longer blocks requests to ${where(c)}`,
  fix: 'Restore the DENY rule, or confirm that the requests it blocked are meant to pass.',
});
