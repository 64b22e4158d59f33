import type { Inventory, Workload } from '../../inventory/inventory.js';
import type { LowerLayer, Reach } from '../../policy/layers.js';
import { internalAddresses } from './addresses.js';
import { PortSet } from '../../policy/portSet.js';
import { readAdminPolicies } from './admin.js';
import { decide, isolating, peerSignature, subjectSelects, type Endpoint, type Layer, type PodAttrs } from './evaluate.js';
import { isStandInNamespace, NAME_LABEL, representativePeers } from './peers.js';
import { readNetworkPolicies } from './policy.js';
import { ENFORCED_NOTE } from './notes.js';

/** The layer's name in findings that say it still holds. */
export const LAYER_NAME = 'Kubernetes NetworkPolicy';

/**
 * The network layer of the head side as the mesh's diff asks it (policy/layers.ts): which
 * source namespaces get through to a pod port. The sources are the representative peers
 * (peers.ts), so every class of pod the policies tell apart is asked once: a named namespace
 * is held back only when none of its representatives gets through. Only the destination's
 * ingress is asked; a source's own egress policy could hold back more, so leaving it out
 * holds back less, never more.
 */
export function networkReach(base: Inventory, head: Inventory, maxPods?: number): LowerLayer {
  const layer: Layer = { netpols: readNetworkPolicies(head).policies, admin: readAdminPolicies(head).policies };
  // Undefined when the representatives were cut short: a class of pods that gets through may be missing.
  let sources: { namespace: string; end: Endpoint }[] | undefined | null = null;
  const sourcesOf = () => {
    if (sources === null) {
      const peers = representativePeers(
        base,
        head,
        readNetworkPolicies(base).policies,
        layer.netpols,
        [...readAdminPolicies(base).policies, ...layer.admin],
        maxPods,
      );
      sources = peers.truncated
        ? undefined
        : [
            ...peers.pods.flatMap((p) => (p.after ? [{ namespace: p.after.namespace, end: { kind: 'pod' as const, pod: p.after } }] : [])),
            ...peers.externals.map((e) => ({ namespace: '', end: { kind: 'external' as const, ext: { ips: e.ips } } })),
          ];
    }
    return sources;
  };
  const cache = new Map<string, Reach>();
  // A namespace pods use but no Namespace object declares may carry any labels.
  const labelsUnknown = (ns: string): boolean => head.namespaces.get(ns)?.resource === undefined;
  return {
    name: LAYER_NAME,
    assumption: ENFORCED_NOTE,
    reach(workload: Workload, port: number, wire: number): Reach {
      const key = `${workload.namespace}/${workload.kind}/${workload.name}|${port}|${wire}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const got = reachOf(layer, podOf(head, workload), wire, sourcesOf, labelsUnknown);
      cache.set(key, got);
      return got;
    },
  };
}

function podOf(inv: Inventory, w: Workload): PodAttrs {
  return {
    namespace: w.namespace,
    namespaceLabels: { ...(inv.namespaces.get(w.namespace)?.labels ?? {}), [NAME_LABEL]: w.namespace },
    labels: w.labels,
    containerPorts: w.potential ? null : w.ports,
  };
}

function reachOf(
  layer: Layer,
  pod: PodAttrs,
  wire: number,
  sourcesOf: () => { namespace: string; end: Endpoint }[] | undefined,
  labelsUnknown: (ns: string) => boolean,
): Reach {
  const isolatedBy = isolating(layer.netpols, pod, 'ingress');
  const adminDecides = layer.admin.some((p) => p.rules.ingress.length > 0 && subjectSelects(p, pod));
  if (isolatedBy.length === 0 && !adminDecides) return { kind: 'open' };
  const sources = sourcesOf();
  if (!sources) return { kind: 'open' };
  const probe = PortSet.range('TCP', wire);
  const namespaces = new Set<string>();
  const seen = new Set<string>();
  let otherNamespaces = false;
  let podsByAddress = false;
  let any = false;
  let all = true;
  // Sources the deciding rules match alike are decided alike (peerSignature): once per signature.
  const bySignature = new Map<string, boolean>();
  for (const s of sources) {
    const sig = peerSignature(layer, pod, 'ingress', s.end);
    let through = bySignature.get(sig);
    if (through === undefined) {
      const allowed = decide(layer, pod, 'ingress', s.end).allowed;
      // A named port the pod cannot resolve here may be this one: counted as getting through.
      through = !allowed.intersect(probe).isEmpty || allowed.names.size > 0;
      bySignature.set(sig, through);
    }
    const named = s.end.kind === 'pod' && !isStandInNamespace(s.namespace);
    if (named) seen.add(s.namespace);
    if (!through) {
      all = false;
      continue;
    }
    any = true;
    if (named) namespaces.add(s.namespace);
    else if (s.end.kind === 'pod') otherNamespaces = true;
    // An ipBlock may cover pod addresses (the docs leave it to the plugin): a block that admits
    // private or cluster-internal addresses may admit pods of any namespace.
    else if (!s.end.ext.ips.intersect(internalAddresses()).isEmpty) podsByAddress = true;
  }
  if (podsByAddress) return { kind: 'open' };
  if (all) return { kind: 'open' };
  // When a pod of a namespace known only by its labels (or by none) gets through, so may one of a
  // namespace whose labels the repository does not show.
  if (otherNamespaces) for (const ns of seen) if (labelsUnknown(ns)) namespaces.add(ns);
  const held = new Set([...seen].filter((ns) => !namespaces.has(ns)));
  const holders = [...isolatedBy.map((p) => p.resource), ...layer.admin.filter((p) => subjectSelects(p, pod)).map((p) => p.resource)];
  return { kind: 'filtered', namespaces, held, otherNamespaces, any, holders };
}
