import { connectionSentence, networkLayer } from '../networkLayer.js';
import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'network-ingress-broadened',
  formerIds: ['network-policy-broadened'],
  causes: ['netpol-ingress-broadened'],
  category: 'access-broadened',
  severity: 'high',
  rationale:
    'A Kubernetes NetworkPolicy now lets new peers or ports reach an isolated pod: a wider podSelector, namespaceSelector or ipBlock, an AND peer split into OR peers, ports dropped, endPort raised, a named port resolving to more ports, or a label change that puts a peer inside a selector. Or a cluster-scoped tier now admits what it dropped: an AdminNetworkPolicy or ClusterNetworkPolicy Deny removed or narrowed, an Allow/Accept added above a Deny or above the NetworkPolicy, a Deny turned into Pass that hands the traffic to a tier that admits it, priorities reordered, or a baseline Deny removed.',
  title: (c) => `${networkLayer(c)} admits new connections to ${where(c)}`,
  explain: (c) => connectionSentence(c.facts.connection, 'now lets this through'),
  fix: 'Narrow the rule to the peers and ports that need access (podSelector and namespaceSelector in one entry, exact ports, the smallest ipBlock). For an admin tier: keep the Deny, or put the Allow/Accept below it (a higher priority number).',
});
