import { connectionSentence, networkLayer } from '../networkLayer.js';
import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'network-egress-broadened',
  causes: ['netpol-egress-broadened'],
  category: 'egress-broadened',
  severity: 'medium',
  rationale:
    'A Kubernetes NetworkPolicy now lets a pod open connections it could not open before: a new or wider egress rule (peer, ipBlock, port), or egress isolation lost; or an admin tier (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) now accepts egress it dropped (a Deny removed, an Allow/Accept or Pass above it, wider `networks`). A compromised pod can reach more of the cluster or the internet.',
  title: (c) => `${networkLayer(c)} egress widened for ${where(c)}`,
  explain: (c) => connectionSentence(c.facts.connection, 'now lets this through'),
  fix: 'Keep egress to the destinations and ports the workload needs (DNS, its backends), with the smallest ipBlock.',
});
