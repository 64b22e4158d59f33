import type { ContainerPort } from '../../inventory/inventory.js';
import type { Origin } from '../../policy/access.js';
import type { IpSet } from '../../policy/ipSet.js';
import { matchesSelector, type Labels } from '../../policy/labelSelector.js';
import { PortSet, type L4Protocol } from '../../policy/portSet.js';
import type { Direction, NetworkPolicy, PortSpec, Rule } from './policy.js';

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

/** What one direction of one pod allows toward one peer, and what decided it. */
export interface Allowed {
  ports: PortSet;
  /** The policies that isolate the pod in this direction (none: not isolated, all allowed). */
  isolatedBy: NetworkPolicy[];
}

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
  return rule.peers.some((p) => {
    if (p.kind === 'ip') return peer.kind === 'external' && peer.ext.ips.isSubsetOf(p.ips);
    if (peer.kind !== 'pod') return false;
    const nsOk = p.namespaces === null ? peer.pod.namespace === policy.namespace : matchesSelector(p.namespaces, peer.pod.namespaceLabels);
    return nsOk && matchesSelector(p.pods, peer.pod.labels);
  });
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

/**
 * One direction of one pod toward one peer: for ingress `pod` is the
 * destination and `peer` the source; for egress `pod` is the source and `peer`
 * the destination. Not isolated: everything; isolated: the union of every
 * rule of every isolating policy.
 */
export function allowed(policies: readonly NetworkPolicy[], pod: PodAttrs, dir: Direction, peer: Endpoint): Allowed {
  const isolatedBy = isolating(policies, pod, dir);
  if (isolatedBy.length === 0) return { ports: PortSet.all(), isolatedBy };
  const target: Endpoint = dir === 'ingress' ? { kind: 'pod', pod } : peer;
  let ports = PortSet.empty();
  for (const p of isolatedBy) for (const rule of p.rules[dir]!) if (peerMatches(rule, p, peer)) ports = ports.union(rulePorts(rule, target));
  return { ports, isolatedBy };
}

/** The rule that admits (protocol, port) for this pair, for anchoring; undefined when isolation is off or none does. */
export function admittingRule(policies: readonly NetworkPolicy[], pod: PodAttrs, dir: Direction, peer: Endpoint, probe: PortSet): Origin | undefined {
  const target: Endpoint = dir === 'ingress' ? { kind: 'pod', pod } : peer;
  for (const p of isolating(policies, pod, dir)) {
    for (const rule of p.rules[dir]!) {
      if (!peerMatches(rule, p, peer)) continue;
      if (rule.ports === null) return { resource: p.resource, path: rule.peers === null ? rule.path : peerPath(rule, p, peer) };
      for (const spec of rule.ports) if (!specPorts(spec, target).intersect(probe).isEmpty) return { resource: p.resource, path: rule.peers === null ? spec.path : peerPath(rule, p, peer) };
    }
  }
  return undefined;
}

/** The peer entry of a rule that matches: where a widened selector or ipBlock lives. */
function peerPath(rule: Rule, policy: NetworkPolicy, peer: Endpoint): readonly (string | number)[] {
  const hit = rule.peers?.find((p) => peerMatches({ ...rule, peers: [p] }, policy, peer));
  return hit?.path ?? rule.path;
}

/** A connection needs the source's egress and the destination's ingress (docs: both must allow it). */
export function connection(policies: readonly NetworkPolicy[], src: Endpoint, dst: Endpoint): PortSet {
  const out = src.kind === 'pod' ? allowed(policies, src.pod, 'egress', dst).ports : PortSet.all();
  if (out.isEmpty) return out;
  return dst.kind === 'pod' ? out.intersect(allowed(policies, dst.pod, 'ingress', src).ports) : out;
}

export type { L4Protocol };
