import { connectionSentence } from '../networkLayer.js';
import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'access-narrowed',
  causes: ['access-narrowed'],
  category: 'access-narrowed',
  severity: 'info',
  rationale: 'Requests that were allowed are now refused. That is safer, but a caller that relied on it will break.',
  title: (c) => `Access narrowed on ${where(c)}`,
  // Under network policy, the connection that is refused now.
  explain: (c) => (c.facts.connection ? connectionSentence(c.facts.connection, 'no longer lets this through') : undefined),
  fix: 'Check that no legitimate caller sends the example request.',
});
