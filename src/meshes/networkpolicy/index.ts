import type { MeshAdapter, MeshSide } from '../../policy/meshSide.js';
import { diffNetworkPolicies, MESH_ID } from './diff.js';
import { isAdminPolicy, readAdminPolicies } from './admin.js';
import { isNetworkPolicy, readNetworkPolicies } from './policy.js';
import { LAYER_NAME, networkReach } from './reach.js';

/**
 * Kubernetes NetworkPolicy (`networking.k8s.io/v1`), with the cluster-scoped tiers around it
 * (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy), as a layer of its own: it
 * has no per-workload view in the mesh sense (a connection needs the source's
 * egress and the destination's ingress), so it reviews both sides itself.
 */
export const networkPolicy: MeshAdapter = {
  id: MESH_ID,
  name: LAYER_NAME,
  present: (inv) => (inv.byKind.get('NetworkPolicy') ?? []).some(isNetworkPolicy) || ADMIN_KINDS.some((k) => (inv.byKind.get(k) ?? []).some(isAdminPolicy)),
  evaluate(inv): MeshSide {
    return {
      mesh: MESH_ID,
      rootNamespace: undefined,
      workloads: new Map(),
      clientPaths: new Map(),
      egress: new Map(),
      ingress: new Map(),
      invalid: invalidOf(inv),
      ambiguities: [],
      assumptions: [],
    };
  },
  // Its selectors get representative pods of their own (peers.ts); the shared potential workloads are the meshes'.
  selectors: () => [],
  candidates: () => [],
  review(base, head, options) {
    return { changes: diffNetworkPolicies(base, head, options.above, options.limits), invalid: invalidOf(head) };
  },
  lower: (base, head, options) => networkReach(base, head, options.limits?.maxRepresentativePods),
};

const ADMIN_KINDS = ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'];
const invalidOf = (inv: Parameters<MeshAdapter['evaluate']>[0]) => [...readNetworkPolicies(inv).invalid, ...readAdminPolicies(inv).invalid];
