import type { FactsOf } from '../../policy/change.js';
import { defineRule, where } from '../rule.js';

/** What the held change did in its own layer, in words. */
const DID: Record<FactsOf<'layer-held'>['held'], string> = {
  'deny-weakened': 'A DENY rule no longer blocks requests',
  'custom-removed': 'An external authorization check no longer applies to requests',
  'allow-broadened': 'An ALLOW rule admits new requests',
  'allow-all-restored': 'The default deny is gone, which admits requests',
  'policy-dry-run': 'A policy became audit-only, which admits requests',
  'netpol-ingress-broadened': 'NetworkPolicy ingress admits new connections',
  'netpol-isolation-lost': 'The pod is no longer isolated, which admits connections',
  'netpol-egress-broadened': 'NetworkPolicy egress admits new connections',
};

export default defineRule({
  id: 'weakening-held',
  causes: ['layer-held'],
  category: 'access-broadened',
  severity: 'info',
  rationale:
    'A connection gets through only when every enforcing layer lets it: Kubernetes NetworkPolicy (and the admin tiers) under the mesh. This change widens one layer, but another layer still refuses every request it newly admits, so nothing more gets through today. It becomes a real broadening the day the other layer is relaxed.',
  title: (c) => `Weakening held by ${c.facts.layer} on ${where(c)}`,
  explain: (c) => {
    const holders = c.facts.holders.length > 0 ? ` (${c.facts.holders.join(', ')})` : '';
    const more = c.facts.morePeers > 0 ? ` The same holds for ${c.facts.morePeers} more ${c.facts.morePeers === 1 ? 'peer' : 'peers'}.` : '';
    return `${DID[c.facts.held]} in one layer, but ${c.facts.layer}${holders} still refuses every one of them: nothing more gets through.${more}`;
  },
  fix: 'Nothing gets through today. Keep each layer tight on its own: narrow this change too, so relaxing the other layer later does not open the path.',
});
