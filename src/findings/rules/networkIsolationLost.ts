import { connectionSentence } from '../networkLayer.js';
import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'network-isolation-lost',
  causes: ['netpol-isolation-lost'],
  category: 'access-broadened',
  severity: 'high',
  rationale:
    'No NetworkPolicy selects the pod for ingress any more, so Kubernetes admits every connection to it: default-deny (or the allow-list) is gone. It happens when the last selecting policy is deleted, its podSelector stops matching the pod labels, or its policyTypes drop Ingress. Likewise when a baseline Deny (BaselineAdminNetworkPolicy, ClusterNetworkPolicy `tier: Baseline`) that was the default-deny of pods no NetworkPolicy selects no longer applies.',
  title: (c) => `Ingress isolation lost on ${where(c)}`,
  explain: (c) => connectionSentence(c.facts.connection, 'now lets this through'),
  fix: 'Keep at least one NetworkPolicy with Ingress in its policyTypes selecting the pods (a default-deny policy with `podSelector: {}` and no ingress rules is enough), or the baseline Deny that stood for it.',
});
