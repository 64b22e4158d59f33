import { defineRule } from '../rule.js';

export default defineRule({
  id: 'invalid-policy',
  cause: 'invalid',
  category: 'invalid-manifest',
  severity: 'medium',
  rationale: 'The mesh rejects (or ignores) this object, so it does not exist in the cluster. The review treats it as absent, which may also show as broadened access.',
  title: (c) => `Invalid ${c.anchor.resource.kind} ${c.anchor.resource.name}`,
  fix: 'Fix the field named in the message.',
});
