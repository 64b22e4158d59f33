import { identityKey, type Inventory } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';
import { isRemovedIstioKind } from '../meshes/istio/istioResources.js';
import type { PolicyChange } from '../policy/change.js';

/**
 * Objects defined more than once with different contents in one folder (two
 * files declaring `AuthorizationPolicy shop/payments-deny`, applied together).
 * The cluster holds one object per name: whichever is applied last replaces
 * the others, and the repository cannot tell which that is. Only duplicates
 * this change introduced are reported; identical copies are harmless, and
 * copies in other folders are taken for other deployments. A pair that was
 * already duplicated before, wherever it lived (a folder renamed or moved),
 * is not new; nor are copies of kinds Istio removed, which have no effect.
 */
export function newDuplicates(base: Inventory, head: Inventory): PolicyChange[] {
  const before = new Set([...duplicateGroups(base).values()].map((g) => identityKey(g[0]!, base)));
  const out: PolicyChange[] = [];
  for (const group of duplicateGroups(head).values()) {
    if (before.has(identityKey(group[0]!, head)) || group.every(isRemovedIstioKind)) continue;
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
      detail: `${first.kind} ${head.namespaceOf(first)}/${first.name} is defined ${group.length} times with different contents (${where}); the cluster keeps only the copy applied last, which the repository cannot show`,
      related: group,
    });
  }
  return out;
}

function duplicateGroups(inv: Inventory): Map<string, Resource[]> {
  const byIdentity = new Map<string, Resource[]>();
  for (const r of inv.resources) {
    if (!r.name) continue;
    // Copies in different folders are usually different deployments (overlays, environments,
    // release bundles), applied to different clusters; within one folder they are applied together.
    const folder = r.file.includes('/') ? r.file.slice(0, r.file.lastIndexOf('/')) : '';
    // A rendered object's deployment is its target (one `kubectl apply -k` / `helm install`).
    const key = `${r.target ?? folder}|${identityKey(r, inv)}`;
    const list = byIdentity.get(key);
    if (list) list.push(r);
    else byIdentity.set(key, [r]);
  }
  const out = new Map<string, Resource[]>();
  for (const [key, list] of byIdentity) if (list.length > 1 && new Set(list.map((r) => r.hash)).size > 1) out.set(key, list);
  return out;
}
