import { defineRule } from '../rule.js';

export default defineRule({
  id: 'ambiguous-precedence',
  causes: ['ambiguous'],
  category: 'policy-ambiguous',
  severity: 'medium',
  rationale:
    'Several policies compete where the mesh applies only one (for PeerAuthentication: the oldest; for AdminNetworkPolicy and ClusterNetworkPolicy: any of those at one priority that match a connection). Which wins depends on cluster state or the implementation, which the repository cannot show; the review assumed the weaker.',
  explain: (c) => c.facts.conflict,
  title: () => 'Competing policies: the outcome depends on cluster state',
  fix: 'Keep one policy per scope: merge or delete the duplicates. For admin network policies, give each a priority of its own.',
});
