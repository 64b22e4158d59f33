/** The assumption every NetworkPolicy finding rests on (mesh-semantics.md 5.1 item 6). */
export const ENFORCED_NOTE = 'Assumes the cluster network plugin enforces NetworkPolicy (the repository cannot show it).';
/** mesh-semantics.md 5.2: a repository that declares the admin tiers presumably runs a plugin that implements them. */
export const ADMIN_NOTE =
  'Assumes the cluster network plugin implements AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy (the repository declares them; it cannot show the plugin).';
