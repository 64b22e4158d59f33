import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'analysis-incomplete',
  cause: 'unanalysable',
  category: 'policy-ambiguous',
  severity: 'high',
  rationale:
    'mesh-review could not compute who can reach this workload port on one side of the change (a policy too large to analyse within the configured limits). Whatever the change did there is unknown, so the review fails closed rather than pass it unseen.',
  title: (c) => `${where(c)} could not be analysed`,
  fix: 'Split very long lists (principals, paths, hosts) into fewer, broader entries (namespaces, prefixes), or raise `limits.maxMatcherStates` in the configuration.',
});
