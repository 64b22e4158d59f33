import type { Inventory } from '../../inventory/inventory.js';
import type { SelectorUse } from '../../inventory/potentialWorkloads.js';
import { get, isObj, strMap } from '../../inventory/read.js';
import type { MeshOptions } from '../../policy/meshSide.js';
import { readMeshSettings } from './meshConfig.js';

const SELECTOR_KINDS = ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'];

/** The pseudo-namespace that stands for every namespace the repository does not show; never printed as a name. */
export const ANY_NAMESPACE = 'any-namespace';

/** `namespace shop`, or words for the pseudo-namespace. */
export const namespaceWords = (ns: string): string => (ns === ANY_NAMESPACE ? 'any other namespace' : `namespace ${ns}`);

/**
 * The pods Istio policies speak of: each workload selector in its namespace
 * (root-namespace selectors in every namespace that has policy), and "any pod"
 * of each namespace with namespace-wide policy. Read tolerantly: invalid
 * policies still name the pods they were meant for.
 */
export function istioSelectors(inv: Inventory, options: MeshOptions): SelectorUse[] {
  const root = readMeshSettings(inv, options).rootNamespace;
  const uses: SelectorUse[] = [];
  const rootUses: SelectorUse[] = [];
  const namespaces = new Set<string>();
  for (const kind of SELECTOR_KINDS) {
    for (const r of inv.byKind.get(kind) ?? []) {
      if (!r.apiVersion.startsWith('security.istio.io/')) continue;
      const ns = inv.namespaceOf(r);
      const sel = get(r.body, 'spec', 'selector', 'matchLabels');
      const targeted = get(r.body, 'spec', 'targetRef') !== undefined || get(r.body, 'spec', 'targetRefs') !== undefined;
      if (targeted) continue;
      const labels = isObj(sel) ? strMap(sel) : {};
      if (ns === root) rootUses.push({ namespace: ns, labels, resource: r });
      else {
        namespaces.add(ns);
        uses.push({ namespace: ns, labels, resource: r });
        uses.push({ namespace: ns, labels: {}, resource: r });
      }
    }
  }
  if (rootUses.length > 0) namespaces.add(ANY_NAMESPACE);
  for (const ns of namespaces) for (const u of rootUses) uses.push({ ...u, namespace: ns });
  if (rootUses.length > 0) uses.push({ namespace: ANY_NAMESPACE, labels: {}, resource: rootUses[0]!.resource });
  // A namespace the repository labels for sidecar injection stands for the pods deployed into it
  // (often from another repository): losing the label, or the Namespace object, takes their sidecars.
  for (const n of inv.namespaces.values()) {
    if (n.resource && Object.keys(n.labels).some((k) => k === 'istio-injection' || k === 'istio.io/rev' || k === 'istio.io/dataplane-mode')) {
      uses.push({ namespace: n.name, labels: {}, resource: n.resource });
    }
  }
  // A DestinationRule for hosts of a namespace the repository deploys no workload into (a `*` rule,
  // `*.ns.svc.cluster.local`) stands for that namespace's unseen services: what their clients send
  // them is decided here even if the servers live elsewhere (review history pair 55).
  for (const r of inv.byKind.get('DestinationRule') ?? []) {
    if (!r.apiVersion.startsWith('networking.istio.io/')) continue;
    const ns = hostNamespace(get(r.body, 'spec', 'host'), inv.namespaceOf(r));
    if (ns !== undefined) uses.push({ namespace: ns, labels: {}, resource: r });
  }
  return uses;
}

/**
 * The namespace whose services a DestinationRule host names: `x.ns.svc.cluster.local`,
 * `*.ns.svc.cluster.local`, `x.ns`; a short name or `*` from the rule's own namespace (where
 * its clients resolve them). Undefined for hosts outside the cluster (`*.example.com`).
 */
function hostNamespace(host: unknown, own: string): string | undefined {
  if (typeof host !== 'string') return undefined;
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h === '*' || (h !== '' && !h.includes('.'))) return own;
  const m = /^(?:\*|[a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?$/.exec(h);
  return m ? m[1] : undefined;
}
