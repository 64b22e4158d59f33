import { identityIndex, identityKey, type Inventory, type Workload } from '../../inventory/inventory.js';
import type { FieldPath, Resource } from '../../manifests/resource.js';
import type { Origin } from '../../policy/access.js';
import { makeChange, type ChangeFields, type ChangeOf, type ConnectionFacts, type FactsOf, type PolicyChange } from '../../policy/change.js';
import { refineAnchor, valueAt } from '../../policy/refineAnchor.js';
import { PortSet, type L4Protocol } from '../../policy/portSet.js';
import { arr, get, str } from '../../inventory/read.js';
import { OTHER_VALUE } from '../../policy/labelSelector.js';
import type { AnalysisLimits, InvalidResource } from '../../policy/meshSide.js';
import { adminWords, readAdminPolicies, type AdminPolicy } from './admin.js';
import { adminAmbiguities, unmodelledRuleChanges } from './adminChecks.js';
import {
  connection,
  decide,
  decisionKey,
  isolating,
  peerSignature,
  pieceFor,
  selects,
  subjectSelects,
  type Endpoint,
  type Layer,
  type Piece,
  type PodAttrs,
} from './evaluate.js';
import { isStandInNamespace, MAX_PODS, representativePeers, type ExternalPeer, type PodPeer } from './peers.js';
import type { UpperLayer } from '../../policy/layers.js';
import { internalAddresses } from './addresses.js';
import { readNetworkPolicies, type Direction, type NetworkPolicy } from './policy.js';
import { ADMIN_NOTE, ENFORCED_NOTE } from './notes.js';

export const MESH_ID = 'networkpolicy';
/** Most (source, destination) pairs one review examines by default (`limits.maxConnectionPairs`): each costs a decision on both sides. */
export const MAX_PAIRS = 1_000_000;

type Peer = { kind: 'pod'; peer: PodPeer } | { kind: 'external'; peer: ExternalPeer };

interface SideData {
  inv: Inventory;
  layer: Layer;
  find: ReadonlyMap<string, Resource>;
}

/**
 * The NetworkPolicy layer's review: for every pair of peers (the repository's
 * pods, representative pods of every selector, address ranges) the
 * connections allowed before and after, judged as the cluster decides them:
 * source egress AND destination ingress. What grew is reported at the side
 * that grew it (destination ingress, or source egress), anchored on the line
 * that caused it; what shrank is access-narrowed.
 */
export function diffNetworkPolicies(base: Inventory, head: Inventory, above?: UpperLayer, limits?: AnalysisLimits): PolicyChange[] {
  const maxPods = limits?.maxRepresentativePods ?? MAX_PODS;
  const maxPairs = limits?.maxConnectionPairs ?? MAX_PAIRS;
  const b = side(base);
  const a = side(head);
  const changes: PolicyChange[] = [];
  const invalidBefore = new Set(b.invalid.map((x) => `${x.resource.file}|${x.resource.hash}`));
  for (const inv of a.invalid) {
    if (invalidBefore.has(`${inv.resource.file}|${inv.resource.hash}`)) continue;
    changes.push(change('invalid', null, null, { resource: inv.resource, path: inv.path }, 'after', { facts: { problem: inv.message } }));
  }
  const before: SideData = {
    inv: base,
    layer: b.layer,
    get find() {
      return identityIndex(base);
    },
  };
  const after: SideData = {
    inv: head,
    layer: a.layer,
    get find() {
      return identityIndex(head);
    },
  };
  if (b.layer.netpols.length === 0 && a.layer.netpols.length === 0 && b.layer.admin.length === 0 && a.layer.admin.length === 0) return changes;
  const peers = representativePeers(base, head, b.layer.netpols, a.layer.netpols, [...b.layer.admin, ...a.layer.admin], maxPods);
  // A direction of a pod with no selecting NetworkPolicy and no admin policy whose subject selects it allows everything.
  const decided = (layer: Layer, pod: PodAttrs | undefined, dir: Direction) =>
    pod !== undefined && (isolating(layer.netpols, pod, dir).length > 0 || layer.admin.some((p) => p.rules[dir].length > 0 && subjectSelects(p, pod)));
  const podPeers = peers.pods.filter((p) => p.before && p.after);
  const involved = (p: PodPeer, dir: Direction) => decided(b.layer, p.before, dir) || decided(a.layer, p.after, dir);
  const egressers = new Set(podPeers.filter((p) => involved(p, 'egress')));
  const ingressers = new Set(podPeers.filter((p) => involved(p, 'ingress')));
  const all: Peer[] = [...podPeers.map((peer) => ({ kind: 'pod' as const, peer })), ...peers.externals.map((peer) => ({ kind: 'external' as const, peer }))];
  // A connection is a function of the policies and its two ends, so it can only change where an end
  // changed (its labels, its namespace's labels, its ports), or where a policy that is not the same on
  // both sides selects the source (egress) or the destination (ingress). Every other pair is skipped
  // unexamined: the work follows the change (a review that changes no NetworkPolicy and no pod costs
  // nothing here; one changed policy costs the pods it selects times the peers).
  const moved = new Set(podPeers.filter((p) => !samePod(p.before, p.after)));
  const changedPolicies = changedOnly(b.layer.netpols, a.layer.netpols);
  const changedAdmin = changedAdminOnly(b.layer.admin, a.layer.admin);
  const touched = (dir: Direction) =>
    new Set(
      podPeers.filter((p) =>
        [p.before, p.after].some(
          (x) =>
            x !== undefined &&
            (changedPolicies.some((pol) => pol.rules[dir] !== undefined && selects(pol, x)) ||
              changedAdmin.some((pol) => pol.rules[dir].length > 0 && subjectSelects(pol, x))),
        ),
      ),
    );
  const [egressTouched, ingressTouched] = [touched('egress'), touched('ingress')];
  // Cut short only matters where something may change: an unchanged layer's pairs are never examined.
  // What the layer could not examine within its bounds fails closed, on the object that asked for more, in the side that holds it.
  const incomplete = (r: Resource, reason: string): PolicyChange =>
    change('unanalysable', null, null, { resource: r, path: ['spec'] }, identityIndex(head).has(identityKey(r, head)) ? 'after' : 'before', {
      facts: { reason },
    });
  if (peers.truncated && (moved.size > 0 || changedPolicies.length > 0 || changedAdmin.length > 0))
    changes.push(
      incomplete(
        peers.truncated,
        `the NetworkPolicy selectors of this repository tell more than ${maxPods} kinds of pod apart (limits.maxRepresentativePods; each selector crossed with every label value the others name); the review stopped there, so connections of the pods left out are not known: raise the limit, review by hand, or split the label vocabulary`,
      ),
    );
  const mayChange = (src: Peer, dst: Peer) =>
    (src.kind === 'pod' && (moved.has(src.peer) || egressTouched.has(src.peer))) ||
    (dst.kind === 'pod' && (moved.has(dst.peer) || ingressTouched.has(dst.peer)));
  const groups = new Map<string, { change: PolicyChange; more: number }>();
  // Namespaces whose labels the head shows (a Namespace object): the stand-ins for other namespaces are none of them.
  const named = new Set([...head.namespaces.values()].filter((n) => n.resource !== undefined).map((n) => n.name));
  // The namespaces every pod of which reached `dst` on all of `ports` before: a pod of theirs that
  // now gets through by its address (an ipBlock the plugin matches against pod addresses) gains nothing.
  const reachedMemo = new Map<string, Set<string>>();
  const reachedBefore = (dst: PodPeer, ports: PortSet): Set<string> => {
    const key = `${dst.key}|${ports.key}`;
    let got = reachedMemo.get(key);
    if (!got) {
      const missed = new Set<string>();
      const seen = new Set<string>();
      for (const p of podPeers) {
        if (!p.before || !dst.before) continue;
        seen.add(p.before.namespace);
        if (!ports.isSubsetOf(connection(b.layer, { kind: 'pod', pod: p.before }, { kind: 'pod', pod: dst.before }))) missed.add(p.before.namespace);
      }
      got = new Set([...seen].filter((ns) => !missed.has(ns) && !isStandInNamespace(ns)));
      reachedMemo.set(key, got);
    }
    return got;
  };
  const classes = new Map<string, Class>();
  // Each peer's two ends (before, after), made once: the loop below pairs every peer many times.
  const ends = new Map<Peer, readonly [Endpoint, Endpoint]>();
  const endsOf = (p: Peer): readonly [Endpoint, Endpoint] => {
    let got = ends.get(p);
    if (!got) ends.set(p, (got = [endpoint(p, 'before'), endpoint(p, 'after')]));
    return got;
  };
  // Per destination, by the two signatures: nested maps, so no long key is built and hashed per pair.
  const bySignature = new Map<PodPeer, Map<string, Class>>();
  // Namespaces whose labels the change moved (what a finding would name as the cause for every pod in them).
  const relabelled = new Set(
    [...head.namespaces.values()].filter((n) => JSON.stringify(n.labels) !== JSON.stringify(base.namespaces.get(n.name)?.labels)).map((n) => n.name),
  );
  for (const n of base.namespaces.values()) if (!head.namespaces.has(n.name)) relabelled.add(n.name);
  // Iterated as the pairs that may change, not all pairs: a source that cannot change its side of a
  // connection is only paired with the destinations that can change theirs.
  const changingDsts = all.filter((d) => d.kind === 'pod' && (moved.has(d.peer) || ingressTouched.has(d.peer)));
  // Bounded: a change that touches every pod of a large repository pairs each with every peer.
  // Past the bound the layer is not examined at all (fails closed, saying why), never half examined.
  const srcChanges = (src: Peer) => src.kind === 'pod' && (moved.has(src.peer) || egressTouched.has(src.peer));
  const pairs = all.reduce((n, src) => n + (srcChanges(src) ? all.length : changingDsts.length), 0);
  if (pairs > maxPairs) {
    const at = [...changedPolicies, ...changedAdmin][0]?.resource ?? [...moved][0]?.workload.resource;
    if (at)
      changes.push(
        incomplete(
          at,
          `this change reaches ${pairs} pairs of pods (and address ranges) whose connections may differ, more than the ${maxPairs} one review examines (limits.maxConnectionPairs); NetworkPolicy was not analysed: raise the limit, review it by hand, or split the change`,
        ),
      );
    return changes;
  }
  for (const src of all) {
    for (const dst of srcChanges(src) ? all : changingDsts) {
      if (src.kind === 'external' && dst.kind === 'external') continue;
      if (src.peer === dst.peer) continue; // a pod always reaches itself
      const relevant = (src.kind === 'pod' && egressers.has(src.peer)) || (dst.kind === 'pod' && ingressers.has(dst.peer));
      if (!relevant) continue;
      if (!mayChange(src, dst)) continue;
      const [srcBefore, srcAfter] = endsOf(src);
      const [dstBefore, dstAfter] = endsOf(dst);
      // A pod that did not move and whose egress nothing decides reaches `dst` as far as dst's
      // ingress lets it: sources that ingress decides alike, by the same lines, are one class,
      // whose connections and findings (but for the example peer) are worked out once.
      let cls: Class | undefined;
      let cb: PortSet;
      let ca: PortSet;
      if (dst.kind === 'pod' && src.kind === 'pod' && !egressers.has(src.peer) && !moved.has(src.peer) && !relabelled.has(src.peer.workload.namespace)) {
        // Sources the rules that may decide match alike are decided alike (peerSignature): decided once.
        const sig = `${peerSignature(b.layer, dst.peer.before!, 'ingress', srcBefore)}#${peerSignature(a.layer, dst.peer.after!, 'ingress', srcAfter)}`;
        let ofDst = bySignature.get(dst.peer);
        if (!ofDst) bySignature.set(dst.peer, (ofDst = new Map<string, Class>()));
        cls = ofDst.get(sig);
        if (!cls) {
          const db = decide(b.layer, dst.peer.before!, 'ingress', srcBefore);
          const da = decide(a.layer, dst.peer.after!, 'ingress', srcAfter);
          const key = `${dst.peer.key}|${decisionKey(db)}|${decisionKey(da)}`;
          cls = classes.get(key);
          if (!cls) classes.set(key, (cls = newClass(db.allowed, da.allowed)));
          ofDst.set(sig, cls);
        }
        ({ cb, ca } = cls);
      } else {
        cb = connection(b.layer, srcBefore, dstBefore);
        ca = connection(a.layer, srcAfter, dstAfter);
      }
      for (const [grown, widening] of cls?.deltas ?? deltas(cb, ca)) {
        if (grown.isEmpty) continue;
        // Layers judged together: the ports on which the mesh above may let the new peer through;
        // where it refuses them all, the connection gets no further than the network layer.
        let through = grown;
        if (widening && above && dst.kind === 'pod') {
          const ask = () =>
            above.admitted(
              dst.peer.workload,
              grown,
              sourceOf(src, named, () => reachedBefore(dst.peer, grown)),
            );
          if (cls && src.kind === 'pod') {
            // A class's sources are pods: the mesh sees each as its namespace (one answer per namespace).
            const from = sourceKey(src.peer.workload.namespace);
            let got = cls.through.get(from);
            if (!got) cls.through.set(from, (got = ask()));
            through = got;
          } else through = ask();
        }
        // What was found, by verdict (widening or not, held or not) and then by the ports' key (cached on the set).
        const judgedMap = cls?.judged[(widening ? 2 : 0) + (through.isEmpty ? 1 : 0)];
        const judgedKey = through.isEmpty ? grown.key : through.key;
        let judged = judgedMap?.get(judgedKey);
        if (!judged) {
          let c: PolicyChange = judge(src, dst, through.isEmpty ? grown : through, widening, before, after);
          if (through.isEmpty && above) c = heldBy(c, above);
          judged = { change: c, key: groupKey(c) };
          // Said of the destination (its ingress), so the same for every source of the class.
          if (judgedMap && c.workload === (dst.peer as PodPeer).workload) judgedMap.set(judgedKey, judged);
        }
        const { change: c, key } = judged;
        const g = groups.get(key);
        if (g) g.more++;
        else groups.set(key, { change: c, more: 0 });
      }
    }
  }
  for (const { change: c, more } of groups.values()) {
    if (more > 0 && c.cause === 'layer-held') c.facts.morePeers = more;
    else if (more > 0 && 'connection' in c.facts && c.facts.connection) c.facts.connection.morePeers = more;
    changes.push(c);
  }
  changes.push(...adminAmbiguities(b.layer.admin, a.layer.admin, podPeers, all, before.find, head));
  changes.push(...unmodelledRuleChanges(b.layer.admin, a.layer.admin));
  return changes;
}

/** Changes that say the same of the same line are one finding (its other peers counted). */
const groupKey = (c: PolicyChange): string =>
  `${c.cause}|${c.workload ? `${c.workload.namespace}/${c.workload.kind}/${c.workload.name}` : ''}|${c.side}|${c.anchor.resource.file}|${c.anchor.resource.locate(c.anchor.path)}`;

/** Sources a destination's ingress decides alike: their connections, and what was found for them. */
interface Class {
  cb: PortSet;
  ca: PortSet;
  /** What the connection gained (true) and lost (false). */
  deltas: readonly (readonly [PortSet, boolean])[];
  /** What of the gain the mesh above admits, by the source's namespace (sourceKey). */
  through: Map<string, PortSet>;
  /** What was found for them: narrowed, narrowed-held, widened, widened-held (held: the mesh refuses it all), each by the ports' key. */
  judged: readonly Map<string, { change: PolicyChange; key: string }>[];
}

const deltas = (cb: PortSet, ca: PortSet): readonly (readonly [PortSet, boolean])[] => [
  [ca.subtract(cb), true],
  [cb.subtract(ca), false],
];
const newClass = (cb: PortSet, ca: PortSet): Class => ({
  cb,
  ca,
  deltas: deltas(cb, ca),
  through: new Map(),
  judged: [new Map(), new Map(), new Map(), new Map()],
});

/** Whether a pod reads the same to the policies on both sides: namespace, its labels, the pod's labels and container ports. */
function samePod(x: PodAttrs | undefined, y: PodAttrs | undefined): boolean {
  if (x === y) return true;
  if (!x || !y || x.namespace !== y.namespace) return false;
  const sameMap = (m: Readonly<Record<string, string>>, n: Readonly<Record<string, string>>) => {
    const keys = Object.keys(m);
    return keys.length === Object.keys(n).length && keys.every((k) => Object.hasOwn(n, k) && m[k] === n[k]);
  };
  const samePorts = (p: PodAttrs['containerPorts'], q: PodAttrs['containerPorts']) =>
    p === q || (p !== null && q !== null && p.length === q.length && p.every((c, i) => JSON.stringify(c) === JSON.stringify(q[i])));
  return sameMap(x.labels, y.labels) && sameMap(x.namespaceLabels, y.namespaceLabels) && samePorts(x.containerPorts, y.containerPorts);
}

/** A pod's namespace as the mesh above tells sources apart (sourceOf): a named one, or any other. */
const sourceKey = (ns: string): string => (isStandInNamespace(ns) ? '*' : `ns:${ns}`);

/**
 * A source as the mesh above knows it: its namespace; a namespace the repository does not name
 * (the representatives of any other namespace, or of one labelled so), which is none of `named`;
 * or a public address outside the pods (null).
 */
function sourceOf(p: Peer, named: ReadonlySet<string>, reachedBefore: () => ReadonlySet<string>): string | { except: ReadonlySet<string> } | null {
  // An address in a private range may be a pod's (ipBlocks may match pod addresses): any identity
  // but those of namespaces whose pods all got through already.
  if (p.kind === 'external') return p.peer.ips.intersect(internalAddresses()).isEmpty ? null : { except: reachedBefore() };
  const ns = p.peer.workload.namespace;
  return isStandInNamespace(ns) ? { except: named } : ns;
}

/** A widening the mesh above still refuses whole: said as info where it would have been, naming the layer that holds. */
function heldBy(c: ConnectionChange, above: UpperLayer): PolicyChange {
  if (c.cause === 'access-narrowed') return c;
  const { facts: _facts, cause, ...fields } = c;
  return makeChange('layer-held', { held: cause, layer: above.name, holders: [], morePeers: 0 }, fields);
}

/** The policies of either side that the other side does not hold as they are (namespace and content). */
function changedOnly(before: readonly NetworkPolicy[], after: readonly NetworkPolicy[]): NetworkPolicy[] {
  const key = (p: NetworkPolicy) => `${p.namespace}|${p.resource.hash}`;
  const [kb, ka] = [new Set(before.map(key)), new Set(after.map(key))];
  return [...before.filter((p) => !ka.has(key(p))), ...after.filter((p) => !kb.has(key(p)))];
}

/** The same for the cluster-scoped tiers. */
function changedAdminOnly(before: readonly AdminPolicy[], after: readonly AdminPolicy[]): AdminPolicy[] {
  const key = (p: AdminPolicy) => `${p.kind}|${p.resource.hash}`;
  const [kb, ka] = [new Set(before.map(key)), new Set(after.map(key))];
  return [...before.filter((p) => !ka.has(key(p))), ...after.filter((p) => !kb.has(key(p)))];
}

function side(inv: Inventory): { layer: Layer; invalid: InvalidResource[] } {
  const np = readNetworkPolicies(inv);
  const admin = readAdminPolicies(inv);
  return { layer: { netpols: np.policies, admin: admin.policies }, invalid: [...np.invalid, ...admin.invalid] };
}

function endpoint(p: Peer, s: 'before' | 'after'): Endpoint {
  return p.kind === 'pod' ? { kind: 'pod', pod: p.peer[s]! } : { kind: 'external', ext: { ips: p.peer.ips } };
}

/** Which tier grew (or shrank) the connection, where, and the line that did it. */
function judge(src: Peer, dst: Peer, delta: PortSet, widening: boolean, before: SideData, after: SideData): ConnectionChange {
  const [gain, lose] = widening ? [after, before] : [before, after];
  const s = (x: SideData) => (x === before ? 'before' : 'after');
  const declared = dst.kind === 'pod' ? dst.peer.workload.ports.map((p) => [p.protocol.toUpperCase() as L4Protocol, p.port] as const) : [];
  // A port the destination declares reads best; then ports people recognise.
  const sample = delta.sample([...declared, ['TCP', 443], ['TCP', 80], ['TCP', 8080], ['UDP', 53]])!;
  const probe = typeof sample.port === 'number' ? PortSet.range(sample.protocol, sample.port) : PortSet.named(sample.protocol, sample.port);
  const portWords = `${sample.protocol} ${typeof sample.port === 'number' ? sample.port : `port named ${sample.port}`}`;
  // Ingress of the destination changed for this probe? Then it is the destination's; else the source's egress.
  let dir: Direction = 'egress';
  if (dst.kind === 'pod') {
    const at = (x: SideData) => decide(x.layer, dst.peer[s(x)]!, 'ingress', endpoint(src, s(x))).allowed.intersect(probe);
    if (!at(gain).isEmpty && at(lose).isEmpty) dir = 'ingress';
  }
  const subject = (dir === 'ingress' ? dst : src) as { kind: 'pod'; peer: PodPeer };
  const other = dir === 'ingress' ? src : dst;
  const pod = (x: SideData) => subject.peer[s(x)]!;
  const otherEnd = (x: SideData) => endpoint(other, s(x));
  // What decided the probe on each side: an allowing piece where it passes, a dropping one where it does not.
  const pg = pieceFor(decide(gain.layer, pod(gain), dir, otherEnd(gain)), probe, true);
  const pl = pieceFor(decide(lose.layer, pod(lose), dir, otherEnd(lose)), probe, false);
  const wasIsolated = isolating(lose.layer.netpols, pod(lose), dir);
  const isIsolated = isolating(gain.layer.netpols, pod(gain), dir);
  const witness =
    dir === 'ingress'
      ? `${peerWords(src)} connecting to ${workloadWords(subject.peer.workload)} on ${portWords}`
      : `${workloadWords(subject.peer.workload)} connecting to ${peerWords(dst)} on ${portWords}`;
  const words = (x: SideData) => connection(x.layer, endpoint(src, s(x)), endpoint(dst, s(x))).describe();
  // The admin tiers take part when one of them decided on either side, or a different Pass handed the probe on.
  const adminInvolved = isAdminTier(pg) || isAdminTier(pl) || passKey(pg) !== passKey(pl);
  const extra = { witness, before: words(before), after: words(after), notes: adminInvolved ? [ENFORCED_NOTE, ADMIN_NOTE] : [ENFORCED_NOTE] };
  const port = typeof sample.port === 'number' ? sample.port : null;
  const who = workloadWords(subject.peer.workload);
  const said: ConnectionFacts = {
    direction: dir,
    subject: who,
    ...(adminInvolved ? { tiers: widening ? { now: pieceWords(pg), before: pieceWords(pl) } : { now: pieceWords(pl), before: pieceWords(pg) } } : {}),
    morePeers: 0,
  };
  const fallback = (): { anchor: Origin; side: 'before' | 'after' } =>
    labelOrPortCause(subject.peer, other, before, after) ?? {
      anchor: { resource: subject.peer.workload.resource, path: subject.peer.workload.templatePath },
      side: 'after',
    };
  if (widening) {
    let cause: ConnectionCause = dir === 'ingress' ? 'netpol-ingress-broadened' : 'netpol-egress-broadened';
    let at: { anchor: Origin; side: 'before' | 'after' } | undefined;
    if (wasIsolated.length > 0 && isIsolated.length === 0 && pl?.tier === 'networkpolicy') {
      if (dir === 'ingress') cause = 'netpol-isolation-lost';
      at = isolationLost(wasIsolated[0]!, subject.peer, before, after);
    } else if (!adminInvolved) {
      at = pg?.origin ? causeInside(pg.origin, subject.peer, other, before, after) : undefined;
    } else {
      // A baseline deny that no longer applies where nothing else decides: the default-deny is gone.
      if (dir === 'ingress' && pl?.tier === 'baseline' && pg?.tier === 'default') cause = 'netpol-isolation-lost';
      at =
        (isAdminTier(pl) ? vanishedRule(pl!.origin!, before, after) : undefined) ??
        (pg?.passedBy && passKey(pg) !== passKey(pl) ? changedRule(pg.passedBy.origin, before) : undefined) ??
        (pg?.origin ? causeInside(pg.origin, subject.peer, other, before, after) : undefined);
    }
    const { anchor, side } = at ?? fallback();
    return change(cause, subject.peer.workload, port, anchor, side, { ...extra, facts: { connection: said } });
  }
  // Narrowed: a new deny, a new Pass to a tier that drops it, the rule that let it through before, or the policy that now isolates.
  let at: { anchor: Origin; side: 'before' | 'after' } | undefined;
  if (adminInvolved)
    at =
      (isAdminTier(pl) ? changedRule(pl!.origin!, before) : undefined) ??
      (pl?.passedBy && passKey(pl) !== passKey(pg) ? changedRule(pl.passedBy.origin, before) : undefined) ??
      (isAdminTier(pg) ? vanishedRule(pg!.origin!, before, after) : undefined);
  if (!at) {
    const old = pg?.tier === 'networkpolicy' ? pg.origin : undefined;
    if (wasIsolated.length > 0 && isIsolated.length === 0) {
      // Isolation began: the policy that now selects the pod, at the field that made it (a new policy, policyTypes, a selector).
      const p = wasIsolated[0]!.resource;
      at = { anchor: refineAnchor({ resource: p, path: ['spec'] }, before.find.get(identityKey(p, after.inv))), side: 'after' };
    } else if (old) {
      const now = after.find.get(identityKey(old.resource, before.inv));
      // The rule (or peer, or port) that let it through is gone: its line in the base version; else what changed in it.
      if (!now || valueAt(now.body, old.path) === undefined) at = { anchor: old, side: 'before' };
      else at = { anchor: refineAnchor({ resource: now, path: old.path }, old.resource, { elsewhere: true }), side: 'after' };
    }
  }
  const { anchor, side } = at ?? { anchor: { resource: subject.peer.workload.resource, path: subject.peer.workload.templatePath }, side: 'after' as const };
  return change('access-narrowed', subject.peer.workload, port, anchor, side, { ...extra, facts: { connection: said } });
}

const isAdminTier = (p: Piece | undefined): boolean => p !== undefined && (p.tier === 'admin' || p.tier === 'baseline');
const passKey = (p: Piece | undefined): string =>
  p?.passedBy
    ? `${p.passedBy.origin.resource.kind}/${p.passedBy.origin.resource.name}|${p.passedBy.origin.resource.hash}|${p.passedBy.origin.path.join('.')}`
    : '';

/** How one piece of a decision reads: which tier, which policy and rule. */
function pieceWords(p: Piece | undefined): string {
  if (!p) return 'undecided';
  const verb = p.allow ? 'accepted' : 'dropped';
  const pass = p.passedBy ? `, handed on by the Pass rule ${ruleWords(p.passedBy.admin, p.passedBy.origin)} of ${adminWords(p.passedBy.admin)}` : '';
  if (p.tier === 'admin' || p.tier === 'baseline') return `${verb} by ${adminWords(p.admin!)} rule ${ruleWords(p.admin!, p.origin!)}${pass}`;
  if (p.tier === 'networkpolicy') {
    const names = (p.isolatedBy ?? []).map((x) => `${x.namespace}/${x.resource.name}`).join(', ');
    return p.allow ? `accepted by NetworkPolicy ${p.origin!.resource.name}${pass}` : `dropped by NetworkPolicy isolation (${names})${pass}`;
  }
  return `accepted: no policy decides it${pass}`;
}

function ruleWords(p: AdminPolicy, origin: Origin): string {
  const [, dir, i] = origin.path as [string, Direction, number];
  const name = p.rules[dir][i]?.name;
  return name ? JSON.stringify(name) : `${dir}[${i}]`;
}

/**
 * A rule of `before` that decided and no longer does: the policy deleted (the rule's line in the base
 * version), the rule deleted (the same), the rule edited (the field that changed, found by its name),
 * or the rule kept while its policy changed around it (priority, subject, order: the first change in
 * the spec). Undefined when its policy is unchanged.
 */
function vanishedRule(origin: Origin, before: SideData, after: SideData): { anchor: Origin; side: 'before' | 'after' } | undefined {
  const now = after.find.get(identityKey(origin.resource, before.inv));
  if (!now) return { anchor: origin, side: 'before' };
  if (now.hash === origin.resource.hash) return undefined;
  const listPath = origin.path.slice(0, -1);
  const old = valueAt(origin.resource.body, origin.path);
  const list = arr(valueAt(now.body, listPath));
  if (list.some((r) => JSON.stringify(r) === JSON.stringify(old)))
    return { anchor: refineAnchor({ resource: now, path: ['spec'] }, origin.resource), side: 'after' };
  const name = str(get(old, 'name'));
  const k = name === undefined ? -1 : list.findIndex((r) => str(get(r, 'name')) === name);
  if (k < 0) return { anchor: origin, side: 'before' };
  const path = [...listPath, k];
  return { anchor: k === origin.path.at(-1) ? refineAnchor({ resource: now, path }, origin.resource) : { resource: now, path }, side: 'after' };
}

/** A rule of `after` in a policy this change added or edited (at the field that changed); undefined when its policy is unchanged. */
function changedRule(origin: Origin, before: SideData): { anchor: Origin; side: 'after' } | undefined {
  const prev = before.find.get(identityKey(origin.resource, before.inv));
  if (!prev) return { anchor: origin, side: 'after' };
  if (prev.hash === origin.resource.hash) return undefined;
  return { anchor: refineAnchor(origin, prev, { elsewhere: true }), side: 'after' };
}

/** The pod was isolated by `policy` before and by nothing now: the policy went, changed, or stopped selecting the pod. */
function isolationLost(policy: NetworkPolicy, pod: PodPeer, before: SideData, after: SideData): { anchor: Origin; side: 'before' | 'after' } {
  const now = after.find.get(identityKey(policy.resource, before.inv));
  if (!now) return { anchor: { resource: policy.resource, path: ['metadata', 'name'] }, side: 'before' };
  if (now.hash !== policy.resource.hash) return { anchor: refineAnchor({ resource: now, path: ['spec'] }, policy.resource), side: 'after' };
  return { anchor: labelsAnchor(pod), side: 'after' };
}

/** The rule admitting the new connection; if that rule is unchanged, a label or port elsewhere changed. */
function causeInside(origin: Origin, subject: PodPeer, other: Peer, before: SideData, after: SideData): { anchor: Origin; side: 'after' } {
  const prev = before.find.get(identityKey(origin.resource, after.inv));
  if (!prev) return { anchor: origin, side: 'after' };
  if (prev.hash !== origin.resource.hash) return { anchor: refineAnchor(origin, prev, { elsewhere: true }), side: 'after' };
  return labelOrPortCause(subject, other, before, after) ?? { anchor: origin, side: 'after' };
}

/** A peer's or namespace's labels, or the subject's labels or container ports, that changed: what moved a pod into or out of a rule. */
function labelOrPortCause(subject: PodPeer, other: Peer, before: SideData, after: SideData): { anchor: Origin; side: 'after' } | undefined {
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  if (other.kind === 'pod') {
    if (other.peer.real && !same(other.peer.before?.labels, other.peer.after?.labels)) return { anchor: labelsAnchor(other.peer), side: 'after' };
    const ns = after.inv.namespaces.get(other.peer.workload.namespace);
    if (ns?.resource && !same(before.inv.namespaces.get(ns.name)?.labels, ns.labels))
      return { anchor: refineAnchor({ resource: ns.resource, path: ['metadata', 'labels'] }, before.inv.namespaces.get(ns.name)?.resource), side: 'after' };
  }
  if (subject.real) {
    if (!same(subject.before?.labels, subject.after?.labels)) return { anchor: labelsAnchor(subject), side: 'after' };
    // A named port that now resolves differently: the container port that was renamed or renumbered.
    if (!same(subject.before?.containerPorts, subject.after?.containerPorts)) {
      const w = subject.workload;
      const anchor = refineAnchor(
        { resource: w.resource, path: [...w.templatePath.slice(0, -1), 'spec'] },
        before.find.get(identityKey(w.resource, after.inv)),
      );
      return { anchor, side: 'after' };
    }
  }
  return undefined;
}

const labelsAnchor = (p: PodPeer): Origin => ({
  resource: p.workload.resource,
  path: p.workload.potential ? p.workload.templatePath : [...p.workload.templatePath, 'labels'],
});

/** The causes of a connection's change, and such a change. */
type ConnectionCause = 'netpol-ingress-broadened' | 'netpol-isolation-lost' | 'netpol-egress-broadened' | 'access-narrowed';
type ConnectionChange = ChangeOf<ConnectionCause>;

function change<C extends ConnectionCause | 'invalid' | 'unanalysable'>(
  cause: C,
  workload: Workload | null,
  port: number | null,
  anchor: Origin,
  side: 'before' | 'after',
  { facts, ...extra }: Partial<ChangeFields> & { facts: FactsOf<C> },
): ChangeOf<C> {
  return makeChange(cause, facts, {
    mesh: MESH_ID,
    workload,
    port,
    anchor,
    side,
    before: '',
    after: '',
    witness: null,
    scope: workload ? 'workload' : undefined,
    ...extra,
  }) as ChangeOf<C>;
}

/** A pod peer as a reviewer reads it: a workload, or the pods a selector picks. */
export function workloadWords(w: Workload): string {
  const where =
    w.namespace === 'any-namespace'
      ? 'any other namespace'
      : w.namespace === OTHER_VALUE
        ? 'a namespace no policy names'
        : w.namespace.startsWith('{')
          ? `a namespace labelled ${w.namespace.slice(1, -1)}`
          : `namespace ${w.namespace}`;
  if (!w.potential) return `${w.namespace}/${w.name}`;
  return w.name === '*' ? `any pod in ${where}` : `pods labelled ${w.name.slice(1, -1)} in ${where}`;
}

function peerWords(p: Peer): string {
  if (p.kind === 'pod') return workloadWords(p.peer.workload);
  // Private ranges are their own peers (peers.ts): such an address may also be a pod's, where the plugin matches ipBlocks against pods.
  return p.peer.ips.isSubsetOf(internalAddresses())
    ? `address ${p.peer.sample} (a private address: outside the cluster's pods, or a pod's where the network plugin matches ipBlocks against pods)`
    : `address ${p.peer.sample} (outside the cluster's pods)`;
}

export type { FieldPath };
