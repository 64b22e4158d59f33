import { definitions, identityKey, type Inventory } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';
import { isRemovedIstioKind } from '../meshes/istio/istioResources.js';
import type { PolicyChange } from '../policy/change.js';
import { deploymentOf } from './variants.js';

/**
 * Objects defined more than once with different contents in one folder (two
 * files declaring `AuthorizationPolicy shop/payments-deny`, applied together).
 * The cluster holds one object per name: whichever is applied last replaces
 * the others, and the repository cannot tell which that is. Only duplicates
 * this change introduced are reported; identical copies are harmless, and
 * copies in other targets or folders are variants (pipeline/variants.ts), judged apart.
 * A group the base already had with the same contents is no new duplicate even if its
 * folder or target was renamed (a move adds no collision), and kinds no analysis reads
 * (ConfigMaps, CRDs, RBAC, ...) decide nothing this review reports on.
 */
export function newDuplicates(base: Inventory, head: Inventory): PolicyChange[] {
  const old = duplicateGroups(base);
  const before = new Set([...old.keys(), ...[...old.values()].map((g) => contentsKey(g, base))]);
  const out: PolicyChange[] = [];
  for (const [key, group] of duplicateGroups(head)) {
    if (before.has(key) || before.has(contentsKey(group, head)) || group.every(isRemovedIstioKind)) continue;
    const first = group[0]!;
    const where = group.map((r) => `${r.file}:${r.line}`).join(', ');
    // Anchored on a copy this change touched, when one is new.
    const anchor = group.find((r) => !base.resources.some((b) => b.hash === r.hash && b.file === r.file)) ?? group[group.length - 1]!;
    out.push({
      cause: 'ambiguous',
      mesh: 'kubernetes',
      workload: null,
      port: null,
      anchor: { resource: anchor, path: ['metadata', 'name'] },
      side: 'after',
      before: '',
      after: '',
      witness: null,
      scope: undefined,
      facts: {
        conflict: `${first.kind} ${head.namespaceOf(first)}/${first.name} is defined ${group.length} times with different contents (${where}); the cluster keeps only the copy applied last, which the repository cannot show`,
      },
      related: group,
    });
  }
  return out;
}

function duplicateGroups(inv: Inventory): Map<string, Resource[]> {
  const byIdentity = new Map<string, Resource[]>();
  // Only an identity defined more than once can be defined twice in one deployment.
  for (const [identity, defs] of definitions(inv).repeated)
    for (const r of defs) {
      if (!r.name || !decidesSecurity(r)) continue;
      // Copies in different folders are usually different deployments (overlays, environments,
      // release bundles), applied to different clusters; within one folder they are applied together.
      // A rendered object's deployment is its target (one `kubectl apply -k` / `helm install`).
      const key = `${deploymentOf(r)}|${identity}`;
      const list = byIdentity.get(key);
      if (list) list.push(r);
      else byIdentity.set(key, [r]);
    }
  const out = new Map<string, Resource[]>();
  for (const [key, list] of byIdentity) if (list.length > 1 && new Set(list.map((r) => r.hash)).size > 1) out.set(key, list);
  return out;
}

/** A duplicate group by identity and contents, whatever its folder: the same pair moved elsewhere. */
const contentsKey = (group: Resource[], inv: Inventory): string =>
  `${identityKey(group[0]!, inv)}|${group
    .map((r) => r.hash)
    .sort()
    .join(',')}`;

const WORKLOAD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

/**
 * Kinds some analysis reads: Istio and Gateway API objects, NetworkPolicies, Services,
 * Namespaces (injection labels) and workloads (their labels and sidecar annotations).
 */
function decidesSecurity(r: Resource): boolean {
  const [group, version] = r.apiVersion.includes('/') ? r.apiVersion.split('/') : ['', r.apiVersion];
  if (/(^|\.)istio\.io$/.test(group!) || group === 'gateway.networking.k8s.io') return true;
  if (group === 'networking.k8s.io') return r.kind === 'NetworkPolicy';
  if (group === '' && version === 'v1') return r.kind === 'Service' || r.kind === 'Namespace' || r.kind === 'Pod' || r.kind === 'ReplicationController';
  return (group === 'apps' || group === 'batch') && WORKLOAD_KINDS.has(r.kind);
}
