import { identityKey, type Inventory, type Workload } from '../../inventory/inventory.js';
import { POTENTIAL_KIND } from '../../inventory/potentialWorkloads.js';
import type { Resource } from '../../manifests/resource.js';
import { IpSet } from '../../policy/ipSet.js';
import { matchesSelector, OTHER_VALUE, representativeLabels, selectorVocabulary, selectsAll, type LabelSelector } from '../../policy/labelSelector.js';
import type { AdminPolicy } from './admin.js';
import type { PodAttrs } from './evaluate.js';
import { internalAddresses } from './addresses.js';
import type { NetworkPolicy } from './policy.js';

/** Kubernetes sets it on every namespace, to its name (immutable): namespaceSelectors may select by name. */
export const NAME_LABEL = 'kubernetes.io/metadata.name';
/** Stands for every namespace the repository does not name (inventory/potentialWorkloads.ts words it). */
export const ANY_NAMESPACE = 'any-namespace';

/** A representative namespace standing for namespaces the repository does not name: any other (no labels), or one known only by labels (`{k=v}`). */
export const isStandInNamespace = (ns: string): boolean => ns === ANY_NAMESPACE || ns.startsWith('{');
/** Bounds the representative pods of one review (selectors, each crossed with every value others name, can ask for millions). */
export const MAX_PODS = 3000;

/** A pod on both sides of the review (attributes per side; undefined where it does not exist). */
export interface PodPeer {
  key: string;
  workload: Workload;
  /** A pod the repository shows (not a representative of a selector). */
  real: boolean;
  before: PodAttrs | undefined;
  after: PodAttrs | undefined;
}

export interface ExternalPeer {
  key: string;
  ips: IpSet;
  /** An address in it, for the witness. */
  sample: string;
}

export interface Peers {
  pods: PodPeer[];
  externals: ExternalPeer[];
  /**
   * The object whose selectors needed more representatives than the bound (MAX_PODS, or
   * `limits.maxRepresentativePods`), if one did: classes of
   * pods the policies tell apart are then missing, so what the layer lets through is not known
   * (its diff fails closed, its reach holds nothing back).
   */
  truncated: Resource | undefined;
}

const labelsName = (labels: Record<string, string>): string => {
  const e = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return e.length === 0 ? '*' : `{${e.map(([k, v]) => `${k}=${v}`).join(',')}}`;
};

/**
 * Every pod that can tell two sides apart, after np-guard netpol-analyzer's
 * "representative peers" (pkg/netpol/eval/internal/k8s/representative_peers.go):
 * the repository's pods, then for each selector any policy uses (either side)
 * one pod it matches, in the namespaces its peer allows, plus variants with
 * one label changed to each value some selector names (or a fresh one, or
 * removed) so that `NotIn`/`DoesNotExist` and narrower selectors are crossed;
 * and in every namespace a pod with no labels. The admin tiers' subjects and
 * peers (`admin`, both sides) add theirs the same way, in the namespaces their
 * namespace selectors allow. Addresses outside the pods are the atoms of the
 * partition of every ipBlock and admin `networks` set.
 */
export function representativePeers(
  base: Inventory,
  head: Inventory,
  before: readonly NetworkPolicy[],
  after: readonly NetworkPolicy[],
  admin: readonly AdminPolicy[] = [],
  maxPods: number = MAX_PODS,
): Peers {
  // The layer's diff and its reach (reach.ts) ask for the same review's peers: made once per pair of sides and policy lists.
  const key = `${maxPods}#${[before, after, admin]
    .map((list) => list.map((p) => `${'namespace' in p ? p.namespace : ''}|${p.resource.kind}|${p.resource.hash}`).join(','))
    .join('#')}`;
  const byHead = peersMemo.get(base) ?? new WeakMap<Inventory, { key: string; peers: Peers }>();
  peersMemo.set(base, byHead);
  const hit = byHead.get(head);
  if (hit?.key === key) return hit.peers;
  const peers = computePeers(base, head, before, after, admin, maxPods);
  byHead.set(head, { key, peers });
  return peers;
}

const peersMemo = new WeakMap<Inventory, WeakMap<Inventory, { key: string; peers: Peers }>>();

function computePeers(
  base: Inventory,
  head: Inventory,
  before: readonly NetworkPolicy[],
  after: readonly NetworkPolicy[],
  admin: readonly AdminPolicy[],
  maxPods: number,
): Peers {
  const all = [...before, ...after];
  // The admin tiers' selectors (subject and peers), cluster-scoped: a namespace selector and a pod selector each.
  const adminSelectors = admin.flatMap((p) => [
    { namespaces: p.subject.namespaces, pods: p.subject.pods, resource: p.resource },
    ...Object.values(p.rules).flatMap((rules) =>
      rules.flatMap((r) => r.peers.flatMap((peer) => (peer.kind === 'pods' ? [{ namespaces: peer.namespaces, pods: peer.pods, resource: p.resource }] : []))),
    ),
  ]);
  // Every pod selector with where it looks: a namespace selector, or null for the policy's own
  // namespace (as nsFor reads it). A pod's labels matter only to selectors that look where it is.
  const scoped: { namespaces: LabelSelector | null; policyNs: string; pods: LabelSelector; resource: Resource }[] = [];
  const nsVocab = new Map<string, Set<string>>();
  for (const p of all) scoped.push({ namespaces: null, policyNs: p.namespace, pods: p.podSelector, resource: p.resource });
  for (const p of all) {
    for (const rules of Object.values(p.rules))
      for (const r of rules)
        for (const peer of r.peers ?? []) {
          if (peer.kind !== 'pods') continue;
          scoped.push({ namespaces: peer.namespaces, policyNs: p.namespace, pods: peer.pods, resource: p.resource });
          if (peer.namespaces) selectorVocabulary(peer.namespaces, nsVocab);
        }
  }
  for (const sel of adminSelectors) {
    scoped.push({ namespaces: sel.namespaces, policyNs: '', pods: sel.pods, resource: sel.resource });
    selectorVocabulary(sel.namespaces, nsVocab);
  }
  // Namespaces: every named one, one per namespace selector (and variants), and "any other".
  const synthetic = new Map<string, Record<string, string>>();
  const realNs = new Set([...base.namespaces.keys(), ...head.namespaces.keys()]);
  const addSyntheticNs = (labels: Record<string, string>) => {
    const name = labels[NAME_LABEL] ?? (Object.keys(labels).length === 0 ? ANY_NAMESPACE : labelsName(labels));
    if (!realNs.has(name) && !synthetic.has(name)) synthetic.set(name, labels);
    return name;
  };
  addSyntheticNs({});
  // The same namespace selector recurs in many policies (one per namespace, often): computed once each.
  const nsSeen = new Map<string, string[]>();
  const nsFor = (sel: LabelSelector | null, policyNs: string): string[] => {
    if (sel === null) return [policyNs];
    const key = JSON.stringify(sel);
    const hit = nsSeen.get(key);
    if (hit) return hit;
    const found = nsForSelector(sel);
    nsSeen.set(key, found);
    return found;
  };
  const nsForSelector = (sel: LabelSelector): string[] => {
    const rep = representativeLabels(sel);
    if (!rep) return [];
    const out = new Set<string>([addSyntheticNs(rep)]);
    // A variant naming a real namespace is that namespace, with its own labels: the selector's pods are
    // placed there below only if the selector matches it (a pod of a namespace no selector of its own
    // picks is told apart by nothing). Skipping them keeps this linear: one selector per namespace,
    // each by name, is the usual shape.
    for (const v of variants(rep, nsVocab, (k, value) => k === NAME_LABEL && realNs.has(value))) out.add(addSyntheticNs(v));
    // Named namespaces the selector matches on either side (so a namespace relabelled in the review is crossed).
    // A selector that names the namespace (`kubernetes.io/metadata.name`, the usual way) can only match that one.
    const named = sel.matchLabels?.[NAME_LABEL];
    for (const ns of named !== undefined ? (realNs.has(named) ? [named] : []) : realNs)
      if ([base, head].some((inv) => matchesSelector(sel, { ...(inv.namespaces.get(ns)?.labels ?? {}), [NAME_LABEL]: ns }))) out.add(ns);
    return [...out];
  };
  const nsLabels = (inv: Inventory, ns: string): Record<string, string> | undefined => {
    const syn = synthetic.get(ns);
    if (syn) return { ...syn, [NAME_LABEL]: ns };
    const info = inv.namespaces.get(ns);
    // A namespace the repository does not define on this side still exists in the cluster (labels unknown: only its name).
    return { ...(info?.labels ?? {}), [NAME_LABEL]: ns };
  };
  const pods = new Map<string, { ns: string; labels: Record<string, string>; resource: Resource }>();
  let truncated: Resource | undefined;
  const addPod = (ns: string, labels: Record<string, string>, resource: Resource) => {
    const key = `${ns}/${labelsName(labels)}`;
    if (pods.has(key)) return;
    if (pods.size < maxPods) pods.set(key, { ns, labels, resource });
    else truncated = resource;
  };
  // Where each selector picks pods from (fills the synthetic namespaces first: their labels are needed below).
  const placed = scoped.map((x) => ({ ...x, where: nsFor(x.namespaces, x.policyNs) }));
  // The label space of a namespace's pods: every key and value some selector that looks there names.
  // Values only other namespaces' selectors name tell none of this namespace's pods apart.
  // Only selectors that name a label add to a vocabulary (most name none: `podSelector: {}`), each once.
  const naming = [
    ...new Map(
      scoped.filter((x) => !selectsAll(x.pods)).map((x) => [JSON.stringify([x.namespaces, x.namespaces === null ? x.policyNs : '', x.pods]), x]),
    ).values(),
  ];
  const vocabs = new Map<string, Map<string, Set<string>>>();
  const vocabOf = (ns: string): Map<string, Set<string>> => {
    let v = vocabs.get(ns);
    if (!v) {
      v = new Map();
      const labels = [base, head].map((inv) => nsLabels(inv, ns)!);
      for (const x of naming) {
        const sel = x.namespaces;
        if (sel === null ? x.policyNs === ns : labels.some((l) => matchesSelector(sel, l))) selectorVocabulary(x.pods, v);
      }
      vocabs.set(ns, v);
    }
    return v;
  };
  // A selector's representative and its variants, in each namespace it may pick pods from; given up on once the bound is hit.
  for (const x of placed) {
    const rep = representativeLabels(x.pods);
    if (!rep) continue;
    for (const ns of x.where) for (const l of [rep, ...variants(rep, vocabOf(ns))]) if (!truncated) addPod(ns, l, x.resource);
    if (truncated) break;
  }
  const anyResource = all[0]?.resource ?? admin[0]?.resource;
  if (anyResource) for (const ns of [...realNs, ...synthetic.keys()]) if (!truncated) addPod(ns, {}, anyResource);

  const out: PodPeer[] = [];
  // The repository's pods, matched across sides by identity (a workload that moved is two pods).
  const byKey = new Map<string, { b?: Workload; a?: Workload }>();
  for (const [side, inv] of [
    ['b', base],
    ['a', head],
  ] as const) {
    for (const w of inv.workloads) {
      if (w.hostNetwork) continue; // docs: NetworkPolicy behaviour for host-network pods is undefined
      const k = w.potential ? `${w.namespace}/${w.kind}/${w.name}` : `${identityKey(w.resource, inv)}`;
      const e = byKey.get(k) ?? {};
      e[side] = w;
      byKey.set(k, e);
    }
  }
  for (const [k, { b, a }] of byKey) {
    const w = (a ?? b)!;
    const attrs = (x: Workload | undefined, inv: Inventory): PodAttrs | undefined =>
      x && { namespace: x.namespace, namespaceLabels: nsLabels(inv, x.namespace)!, labels: x.labels, containerPorts: x.potential ? null : x.ports };
    out.push({ key: `w:${k}`, workload: w, real: !w.potential, before: attrs(b, base), after: attrs(a, head) });
  }
  // A representative a pod of the repository already stands for (same namespace, labels it carries) adds
  // nothing but a duplicate finding (inventory/potentialWorkloads.ts keeps the same rule).
  const covered = (ns: string, labels: Record<string, string>) =>
    [base, head].some((inv) =>
      inv.workloads.some((w) => !w.potential && !w.hostNetwork && w.namespace === ns && matchesSelector({ matchLabels: labels }, w.labels)),
    );
  for (const [key, { ns, labels, resource }] of pods) {
    if (Object.keys(labels).length > 0 && covered(ns, labels)) continue;
    const workload: Workload = {
      kind: POTENTIAL_KIND,
      name: labelsName(labels),
      namespace: ns,
      labels,
      annotations: {},
      serviceAccount: 'default',
      ports: [],
      hostNetwork: false,
      resource,
      templatePath: ['spec', 'podSelector'],
      potential: true,
    };
    const attrs = (inv: Inventory): PodAttrs => ({ namespace: ns, namespaceLabels: nsLabels(inv, ns)!, labels, containerPorts: null });
    out.push({ key: `r:${key}`, workload, real: false, before: attrs(base), after: attrs(head) });
  }
  const adminNetworks = admin.flatMap((p) => p.rules.egress.flatMap((r) => r.peers.flatMap((peer) => (peer.kind === 'networks' ? [peer.ips] : []))));
  return { pods: out, externals: externalAtoms(all, adminNetworks), truncated };
}

/** The base labels with one key set to each value selectors name (or a fresh one), or removed. */
function variants(base: Record<string, string>, vocab: Map<string, Set<string>>, skip?: (key: string, value: string) => boolean): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const [k, values] of vocab) {
    for (const v of [...values, OTHER_VALUE]) if (base[k] !== v && !skip?.(k, v)) out.push({ ...base, [k]: v });
    if (k in base) {
      const { [k]: _drop, ...rest } = base;
      out.push(rest);
    }
  }
  return out;
}

/** The coarsest partition of the address space in which every ipBlock is a union of parts. */
function externalAtoms(policies: readonly NetworkPolicy[], more: readonly IpSet[]): ExternalPeer[] {
  let parts: IpSet[] = [IpSet.all()];
  const seen = new Set<string>();
  const cut = (ips: IpSet) => {
    if (seen.has(ips.key)) return;
    seen.add(ips.key);
    parts = parts.flatMap((x) => [x.intersect(ips), x.subtract(ips)].filter((y) => !y.isEmpty));
  };
  for (const p of policies)
    for (const rules of Object.values(p.rules)) for (const r of rules) for (const peer of r.peers ?? []) if (peer.kind === 'ip') cut(peer.ips);
  for (const ips of more) cut(ips);
  // Private ranges apart from public ones: the mesh above may take a private address for a pod of
  // some namespace (reach.ts), never a public one, so the two are judged (and exemplified) apart.
  if (parts.length > 0) cut(internalAddresses());
  return parts.map((ips) => ({ key: `ip:${ips.key}`, ips, sample: ips.sample(['203.0.113.7', '8.8.8.8', '10.0.0.1']) ?? '0.0.0.0' }));
}
