import { defineRule } from '../rule.js';

export default defineRule({
  id: 'invalid-file',
  cause: 'invalid-file',
  category: 'invalid-manifest',
  severity: 'medium',
  rationale: 'A manifest file (or one document in it) that this pull request touched can no longer be read. Whatever it held cannot be checked, and `kubectl apply` would reject it.',
  title: (c) => `Unreadable manifest ${c.anchor.resource.file}`,
  fix: 'Fix the syntax error named in the message (or exclude the file in `.github/mesh-review.yml` if it is not a manifest).',
});
