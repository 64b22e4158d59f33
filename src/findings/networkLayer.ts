import type { ConnectionFacts, PolicyChange } from '../policy/change.js';

const ADMIN_KINDS = new Set(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy']);

/**
 * The L3/L4 policy kind a network-* finding is about, for its title: the admin tier whose rule
 * caused it (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy), else NetworkPolicy.
 */
export const networkLayer = (c: PolicyChange): string => (ADMIN_KINDS.has(c.anchor.resource.kind) ? c.anchor.resource.kind : 'NetworkPolicy');

/**
 * A connection's change under network policy, as the sentence its message opens with: whose
 * rules (`verb`: `now lets this through`, `no longer lets this through`), what decides it now
 * and before when an admin tier took part, and how many more peers it holds for.
 */
export function connectionSentence(c: ConnectionFacts, verb: string): string {
  const said = c.tiers
    ? `The ${c.direction} of ${c.subject} ${verb}: now ${c.tiers.now}; before ${c.tiers.before}.`
    : `NetworkPolicy ${c.direction} of ${c.subject} ${verb}.`;
  return c.morePeers > 0 ? `${said} The same holds for ${c.morePeers} more peer${c.morePeers === 1 ? '' : 's'}.` : said;
}
