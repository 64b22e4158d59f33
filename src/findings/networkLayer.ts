import type { PolicyChange } from '../policy/change.js';

const ADMIN_KINDS = new Set(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy']);

/**
 * The L3/L4 policy kind a network-* finding is about, for its title: the admin tier whose rule
 * caused it (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy), else NetworkPolicy.
 */
export const networkLayer = (c: PolicyChange): string => (ADMIN_KINDS.has(c.anchor.resource.kind) ? c.anchor.resource.kind : 'NetworkPolicy');
