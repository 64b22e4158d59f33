import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'access-narrowed',
  cause: 'access-narrowed',
  category: 'access-narrowed',
  severity: 'info',
  rationale: 'Requests that were allowed are now refused. That is safer, but a caller that relied on it will break.',
  title: (c) => `Access narrowed on ${where(c)}`,
  fix: 'Check that no legitimate caller sends the example request.',
});
