import type { ContainerPort } from '../../inventory/inventory.js';
import type { Origin } from '../../policy/access.js';
import type { IpSet } from '../../policy/ipSet.js';
import { matchesSelector, type Labels } from '../../policy/labelSelector.js';
import { PortSet, PROTOCOLS, type L4Protocol } from '../../policy/portSet.js';
import type { FieldPath } from '../../manifests/resource.js';
import type { AdminAction, AdminPeer, AdminPolicy, AdminPort, AdminRule, AdminTier } from './admin.js';
import type { Direction, NetworkPolicy, Peer, PortSpec, Rule } from './policy.js';

/**
 * A pod as NetworkPolicy sees it (Kubernetes docs, "Network Policies"): its
 * namespace, that namespace's labels, its own labels and, to resolve named
 * ports, its container ports (null when the repository does not show the pod:
 * a named port then stays a name).
 */
export interface PodAttrs {
  namespace: string;
  namespaceLabels: Labels;
  labels: Labels;
  containerPorts: readonly ContainerPort[] | null;
}

/** An address outside the pods: ipBlock peers match it, selectors never do. */
export interface ExternalAttrs {
  ips: IpSet;
}

export type Endpoint = { kind: 'pod'; pod: PodAttrs } | { kind: 'external'; ext: ExternalAttrs };

export const selects = (p: NetworkPolicy, pod: PodAttrs): boolean => p.namespace === pod.namespace && matchesSelector(p.podSelector, pod.labels);

/** The policies isolating `pod` in `dir` (docs: a pod is isolated once any policy selects it with that type). */
export const isolating = (policies: readonly NetworkPolicy[], pod: PodAttrs, dir: Direction): NetworkPolicy[] =>
  (byNamespace(policies).get(pod.namespace) ?? []).filter((p) => p.rules[dir] !== undefined && selects(p, pod));

/** A side's policies by namespace (a policy only ever selects pods of its own namespace), made once per list. */
const namespaceIndex = new WeakMap<readonly NetworkPolicy[], Map<string, NetworkPolicy[]>>();
function byNamespace(policies: readonly NetworkPolicy[]): Map<string, NetworkPolicy[]> {
  let index = namespaceIndex.get(policies);
  if (!index) {
    index = new Map();
    for (const p of policies) index.set(p.namespace, [...(index.get(p.namespace) ?? []), p]);
    namespaceIndex.set(policies, index);
  }
  return index;
}

/**
 * Whether a rule's peer list admits `peer`. Pod peers: a namespaceSelector and a
 * podSelector in one entry are ANDed; a missing namespaceSelector means the
 * policy's own namespace. ipBlock peers never match pods (as netpol-analyzer;
 * mesh-semantics.md 5.1: matching pod IPs is implementation-defined), and an
 * external endpoint is matched only when it lies inside the block (external
 * endpoints are atoms of the partition of every ipBlock, so inside or outside).
 */
export function peerMatches(rule: Rule, policy: NetworkPolicy, peer: Endpoint): boolean {
  if (rule.peers === null) return true;
  return rule.peers.some((p) => entryMatches(p, policy, peer));
}

/** One entry of a rule's peer list. */
function entryMatches(p: Peer, policy: NetworkPolicy, peer: Endpoint): boolean {
  if (p.kind === 'ip') return peer.kind === 'external' && peer.ext.ips.isSubsetOf(p.ips);
  if (peer.kind !== 'pod') return false;
  const nsOk = p.namespaces === null ? peer.pod.namespace === policy.namespace : matchesSelector(p.namespaces, peer.pod.namespaceLabels);
  return nsOk && matchesSelector(p.pods, peer.pod.labels);
}

/**
 * The ports a rule opens on `target` (the pod that receives the connection):
 * no `ports` = everything; `port` + `endPort` = a range; a named port resolves
 * against the target's containers (same name and protocol) and never matches an
 * external target.
 */
export function rulePorts(rule: Rule, target: Endpoint): PortSet {
  if (rule.ports === null) return PortSet.all();
  let out = PortSet.empty();
  for (const spec of rule.ports) out = out.union(specPorts(spec, target));
  return out;
}

export function specPorts(spec: PortSpec, target: Endpoint): PortSet {
  if (spec.port === undefined) return PortSet.protocol(spec.protocol);
  if (typeof spec.port === 'number') return PortSet.range(spec.protocol, spec.port, spec.endPort ?? spec.port);
  if (target.kind === 'external') return PortSet.empty();
  const containers = target.pod.containerPorts;
  if (containers === null) return PortSet.named(spec.protocol, spec.port);
  let out = PortSet.empty();
  for (const c of containers) if (c.name === spec.port && normProto(c.protocol) === spec.protocol) out = out.union(PortSet.range(spec.protocol, c.port));
  return out;
}

const normProto = (p: string): string => p.toUpperCase();

/** Everything that decides connections at L3/L4 on one side: namespaced NetworkPolicies and the cluster-scoped tiers. */
export interface Layer {
  netpols: readonly NetworkPolicy[];
  admin: readonly AdminPolicy[];
}

/** The tier that decided (mesh-semantics.md 5.2): admin, then NetworkPolicy, then baseline, then the default. */
export type Tier = 'admin' | 'networkpolicy' | 'baseline' | 'default';

/** A part of the port space one direction decided alike, and what decided it. */
export interface Piece {
  ports: PortSet;
  allow: boolean;
  tier: Tier;
  /**
   * The line that decided: an admin or baseline rule, or the NetworkPolicy rule (peer or port
   * entry) that admits; undefined for the default and for what NetworkPolicy isolation drops.
   */
  origin: Origin | undefined;
  /** The admin (or baseline) policy whose rule decided. */
  admin?: AdminPolicy;
  /** The NetworkPolicies isolating the pod, when that tier decided. */
  isolatedBy?: NetworkPolicy[];
  /** The admin `Pass` rule that handed these ports to the later tiers, if one did. */
  passedBy?: { origin: Origin; admin: AdminPolicy };
}

/** One direction of one pod toward one peer: what it allows, as pieces with provenance. */
export interface Decision {
  allowed: PortSet;
  pieces: Piece[];
}

/**
 * The one decision function (KEP-2091, network-policy-api "API overview"; netpol-analyzer
 * pkg/netpol/eval/check.go): for ingress `pod` is the destination and `peer` the source; for egress
 * `pod` is the source and `peer` the destination. Per direction, in order:
 *  1. admin tier (AdminNetworkPolicy, ClusterNetworkPolicy `tier: Admin`) by ascending priority,
 *     rules in written order, the first matching rule decides: Allow/Accept and Deny are final;
 *     Pass skips the remaining admin rules;
 *  2. NetworkPolicy: final for a pod it isolates in this direction (the union of its rules);
 *  3. baseline tier (BaselineAdminNetworkPolicy, ClusterNetworkPolicy `tier: Baseline`), first
 *     matching rule; a baseline Pass goes on to the default;
 *  4. the default: allowed.
 * No admin rule isolates implicitly: a pod is only affected by rules that match.
 */
export function decide(layer: Layer, pod: PodAttrs, dir: Direction, peer: Endpoint): Decision {
  const pieces: Piece[] = [];
  const admin = subjectOf(layer.admin, pod, dir);
  const streams: { ports: PortSet; passedBy?: Piece['passedBy'] }[] = [];
  const left = tier(admin.admin, pod, dir, peer, PortSet.all(), 'admin', pieces, (p) => streams.push(p));
  if (!left.isEmpty) streams.unshift({ ports: left });
  for (const s of streams) {
    const isolatedBy = isolating(layer.netpols, pod, dir);
    if (isolatedBy.length > 0) {
      networkPolicyTier(isolatedBy, pod, dir, peer, s.ports, s.passedBy, pieces);
      continue;
    }
    const rest = tier(
      admin.baseline,
      pod,
      dir,
      peer,
      s.ports,
      'baseline',
      pieces,
      (p) => pieces.push({ ports: p.ports, allow: true, tier: 'default', origin: undefined, ...passed(p.passedBy ?? s.passedBy) }),
      s.passedBy,
    );
    if (!rest.isEmpty) pieces.push({ ports: rest, allow: true, tier: 'default', origin: undefined, ...passed(s.passedBy) });
  }
  let allowed = PortSet.empty();
  for (const p of pieces) if (p.allow) allowed = allowed.union(p.ports);
  return { allowed, pieces };
}

const passed = (p: Piece['passedBy']): Pick<Piece, 'passedBy'> => (p ? { passedBy: p } : {});

/** A connection needs the source's egress and the destination's ingress (docs: both must allow it). */
export function connection(layer: Layer, src: Endpoint, dst: Endpoint): PortSet {
  const out = src.kind === 'pod' ? decide(layer, src.pod, 'egress', dst).allowed : PortSet.all();
  if (out.isEmpty) return out;
  return dst.kind === 'pod' ? out.intersect(decide(layer, dst.pod, 'ingress', src).allowed) : out;
}

/**
 * A decision's fingerprint: equal for two peers that a direction decides alike, piece by piece,
 * by the same lines (what findings about it say depends on nothing else of the peer).
 */
export function decisionKey(d: Decision): string {
  const at = (o: Origin | undefined) => (o ? `${o.resource.file}#${o.resource.docIndex}#${o.resource.hash}#${o.path.join('.')}` : '');
  return d.pieces.map((p) => `${p.tier}${p.allow ? '+' : '-'}${p.ports.key}@${at(p.origin)}<${at(p.passedBy?.origin)}`).join(';');
}

/**
 * What of `peer` a decision of `pod` in `dir` reads: whether each peer entry of the rules that may
 * decide (the pod's isolating NetworkPolicies and the admin policies whose subject selects it, in
 * this direction) matches it. `decide` asks nothing else of the peer (ports resolve against the
 * receiving pod, which for ingress is `pod`), so for ingress two peers of equal signature get
 * equal decisions, piece for piece, by the same lines: a caller may decide once per signature.
 */
export function peerSignature(layer: Layer, pod: PodAttrs, dir: Direction, peer: Endpoint): string {
  let sig = '';
  for (const p of sortedAdmin(layer.admin))
    if (p.rules[dir].length > 0 && subjectSelects(p, pod))
      for (const rule of p.rules[dir]) for (const entry of rule.peers) sig += adminPeerMatches(entry, peer) ? '1' : '0';
  sig += '|';
  for (const p of isolating(layer.netpols, pod, dir))
    for (const rule of p.rules[dir]!) {
      if (rule.peers === null) continue;
      for (const entry of rule.peers) sig += entryMatches(entry, p, peer) ? '1' : '0';
    }
  return sig;
}

/**
 * The piece of a decision that holds `probe` (a single port, or a named one) with that verdict. A
 * named probe lies outside every numeric range, so a piece of all ports does not hold it: then the
 * first piece with the verdict.
 */
export const pieceFor = (d: Decision, probe: PortSet, allow: boolean): Piece | undefined =>
  d.pieces.find((p) => p.allow === allow && !p.ports.intersect(probe).isEmpty) ?? d.pieces.find((p) => p.allow === allow);

/** NetworkPolicy isolation: what a matching rule admits (first rule that admits, for provenance), the rest dropped. */
function networkPolicyTier(
  isolatedBy: NetworkPolicy[],
  pod: PodAttrs,
  dir: Direction,
  peer: Endpoint,
  ports: PortSet,
  passedBy: Piece['passedBy'],
  out: Piece[],
): void {
  const target: Endpoint = dir === 'ingress' ? { kind: 'pod', pod } : peer;
  let left = ports;
  const admit = (p: NetworkPolicy, got: PortSet, path: FieldPath) => {
    const hit = got.intersect(left);
    if (hit.isEmpty) return;
    out.push({ ports: hit, allow: true, tier: 'networkpolicy', origin: { resource: p.resource, path }, isolatedBy, ...passed(passedBy) });
    left = left.subtract(hit);
  };
  for (const p of isolatedBy)
    for (const rule of p.rules[dir]!) {
      if (left.isEmpty) break;
      if (!peerMatches(rule, p, peer)) continue;
      if (rule.ports === null) admit(p, PortSet.all(), rule.peers === null ? rule.path : peerPath(rule, p, peer));
      else for (const spec of rule.ports) admit(p, specPorts(spec, target), rule.peers === null ? spec.path : peerPath(rule, p, peer));
    }
  if (!left.isEmpty) out.push({ ports: left, allow: false, tier: 'networkpolicy', origin: undefined, isolatedBy, ...passed(passedBy) });
}

/** The peer entry of a rule that matches: where a widened selector or ipBlock lives. */
function peerPath(rule: Rule, policy: NetworkPolicy, peer: Endpoint): readonly (string | number)[] {
  const hit = rule.peers?.find((p) => entryMatches(p, policy, peer));
  return hit?.path ?? rule.path;
}

// --- Admin and baseline tiers ---

/** The admin policies whose subject selects the pod and that have rules in this direction, by tier, in precedence order. */
function subjectOf(policies: readonly AdminPolicy[], pod: PodAttrs, dir: Direction): Record<AdminTier, AdminPolicy[]> {
  const out: Record<AdminTier, AdminPolicy[]> = { admin: [], baseline: [] };
  for (const p of sortedAdmin(policies)) if (p.rules[dir].length > 0 && subjectSelects(p, pod)) out[p.tier].push(p);
  return out;
}

export const subjectSelects = (p: AdminPolicy, pod: PodAttrs): boolean =>
  matchesSelector(p.subject.namespaces, pod.namespaceLabels) && matchesSelector(p.subject.pods, pod.labels);

/** By priority, then by name (the order among equal priorities is undefined: see `tier`), sorted once per list. */
const sortedIndex = new WeakMap<readonly AdminPolicy[], AdminPolicy[]>();
function sortedAdmin(policies: readonly AdminPolicy[]): AdminPolicy[] {
  let s = sortedIndex.get(policies);
  if (!s) {
    s = [...policies].sort((a, b) => a.priority - b.priority || (a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0));
    sortedIndex.set(policies, s);
  }
  return s;
}

/**
 * One tier walked over `ports`: Allow and Deny pieces are final (pushed to `out`), Pass pieces go
 * to `onPass`; what no rule matched is returned. Policies of one priority (API: "the implementation
 * can apply any of the matching policies") are taken at their weakest for each port: Allow over
 * Pass over Deny, so the review never assumes a protection the cluster may not give.
 */
function tier(
  policies: AdminPolicy[],
  pod: PodAttrs,
  dir: Direction,
  peer: Endpoint,
  ports: PortSet,
  name: 'admin' | 'baseline',
  out: Piece[],
  onPass: (p: { ports: PortSet; passedBy: NonNullable<Piece['passedBy']> }) => void,
  passedBy?: Piece['passedBy'],
): PortSet {
  let left = ports;
  for (let i = 0; i < policies.length && !left.isEmpty;) {
    let j = i;
    while (j < policies.length && policies[j]!.priority === policies[i]!.priority) j++;
    const group = policies.slice(i, j);
    i = j;
    const matched = group.map((p) => firstMatch(p, pod, dir, peer, left));
    for (const action of ['allow', 'pass', 'deny'] as const)
      for (const m of matched)
        for (const piece of m) {
          if (piece.action !== action) continue;
          const hit = piece.ports.intersect(left);
          if (hit.isEmpty) continue;
          left = left.subtract(hit);
          const origin = { resource: piece.policy.resource, path: piece.rule.path };
          if (action === 'pass') onPass({ ports: hit, passedBy: { origin, admin: piece.policy } });
          else out.push({ ports: hit, allow: action === 'allow', tier: name, origin, admin: piece.policy, ...passed(passedBy) });
        }
  }
  return left;
}

export interface RuleMatch {
  policy: AdminPolicy;
  rule: AdminRule;
  action: AdminAction;
  ports: PortSet;
}

/** One policy's rules in written order over `ports`: each port goes to the first rule that matches it. */
export function firstMatch(policy: AdminPolicy, pod: PodAttrs, dir: Direction, peer: Endpoint, ports: PortSet): RuleMatch[] {
  const target: Endpoint = dir === 'ingress' ? { kind: 'pod', pod } : peer;
  const out: RuleMatch[] = [];
  let left = ports;
  for (const rule of policy.rules[dir]) {
    if (left.isEmpty) break;
    if (!rule.peers.some((p) => adminPeerMatches(p, peer))) continue;
    const hit = adminRulePorts(rule, target).intersect(left);
    if (hit.isEmpty) continue;
    out.push({ policy, rule, action: rule.action, ports: hit });
    left = left.subtract(hit);
  }
  return out;
}

/**
 * Admin peers: `namespaces`/`pods` select pods by their namespace's labels and their own (no
 * implicit own namespace: the policies are cluster-scoped); `networks` hold external addresses,
 * and every pod when they hold a whole address family; `nodes` and `domainNames` are not modelled.
 */
export function adminPeerMatches(p: AdminPeer, peer: Endpoint): boolean {
  if (p.kind === 'pods') return peer.kind === 'pod' && matchesSelector(p.namespaces, peer.pod.namespaceLabels) && matchesSelector(p.pods, peer.pod.labels);
  if (p.kind === 'networks') return peer.kind === 'pod' ? p.allPods : peer.ext.ips.isSubsetOf(p.ips);
  return false;
}

/** The ports a rule names on `target`: a named port resolves against its containers (any protocol), never on an address. */
export function adminRulePorts(rule: AdminRule, target: Endpoint): PortSet {
  if (rule.ports === null) return PortSet.all();
  let out = PortSet.empty();
  for (const spec of rule.ports) out = out.union(adminPortSet(spec, target));
  return out;
}

function adminPortSet(spec: AdminPort, target: Endpoint): PortSet {
  if (spec.kind === 'range') return PortSet.range(spec.protocol, spec.lo, spec.hi);
  if (target.kind === 'external') return PortSet.empty();
  const containers = target.pod.containerPorts;
  // A pod the repository does not show: the name stands for whichever protocol its container port has.
  if (containers === null) return PROTOCOLS.reduce((acc, p) => acc.union(PortSet.named(p, spec.name)), PortSet.empty());
  let out = PortSet.empty();
  for (const c of containers)
    if (c.name === spec.name && PROTOCOLS.includes(normProto(c.protocol) as L4Protocol))
      out = out.union(PortSet.range(normProto(c.protocol) as L4Protocol, c.port));
  return out;
}
