import { identityKey, type Inventory } from '../../inventory/inventory.js';
import type { Resource } from '../../manifests/resource.js';
import type { PolicyChange } from '../../policy/change.js';
import { PortSet, type L4Protocol } from '../../policy/portSet.js';
import { adminWords, type AdminPolicy, type AdminRule } from './admin.js';
import { firstMatch, subjectSelects, type Endpoint, type PodAttrs } from './evaluate.js';
import type { ExternalPeer, PodPeer } from './peers.js';
import type { Direction } from './policy.js';

type Peer = { kind: 'pod'; peer: PodPeer } | { kind: 'external'; peer: ExternalPeer };

const ACTION_WORDS = { allow: 'Allow', deny: 'Deny', pass: 'Pass' } as const;

interface Clash {
  a: AdminPolicy;
  b: AdminPolicy;
  pod: PodPeer;
  dir: Direction;
  other: Peer;
  port: PortSet;
  actions: [string, string];
}

/**
 * Policies of one tier at one priority that both match some connection with different actions
 * (network-policy-api: "the implementation can apply any of the matching policies … there is no way
 * for the user to reliably determine which one it will choose"). The evaluation takes the weaker
 * (evaluate.ts `tier`); each pair the change brings in, or makes clash, is reported once.
 */
export function adminAmbiguities(
  before: readonly AdminPolicy[],
  after: readonly AdminPolicy[],
  pods: readonly PodPeer[],
  peers: readonly Peer[],
  findBefore: ReadonlyMap<string, Resource>,
  head: Inventory,
): PolicyChange[] {
  const out: PolicyChange[] = [];
  const prev = (p: AdminPolicy) => before.find((x) => x.kind === p.kind && x.resource.name === p.resource.name);
  for (const [a, b] of samePriorityPairs(after)) {
    const [pa, pb] = [prev(a), prev(b)];
    // Unchanged pair, or one that clashed before at the same priority: not this change's doing.
    if (pa && pb && pa.resource.hash === a.resource.hash && pb.resource.hash === b.resource.hash) continue;
    const clash = firstClash(a, b, pods, peers, 'after');
    if (!clash) continue;
    if (pa && pb && pa.tier === pb.tier && pa.priority === pb.priority && firstClash(pa, pb, pods, peers, 'before')) continue;
    const brought = [a, b].find((p) => findBefore.get(identityKey(p.resource, head))?.hash !== p.resource.hash) ?? a;
    const rival = brought === a ? b : a;
    // A port the destination declares reads best.
    const dst = clash.dir === 'ingress' ? clash.pod : clash.other.kind === 'pod' ? clash.other.peer : undefined;
    const declared = (dst?.workload.ports ?? []).map((p) => [p.protocol.toUpperCase() as L4Protocol, p.port] as const);
    const port = clash.port.sample([...declared, ['TCP', 443], ['TCP', 80]]);
    const portWords = port ? ` on ${port.protocol} ${port.port}` : '';
    const witness =
      clash.dir === 'ingress'
        ? `${peerWords(clash.other)} connecting to ${podWords(clash.pod)}${portWords}`
        : `${podWords(clash.pod)} connecting to ${peerWords(clash.other)}${portWords}`;
    out.push({
      cause: 'ambiguous',
      mesh: 'networkpolicy',
      workload: clash.pod.workload,
      port: typeof port?.port === 'number' ? port.port : null,
      anchor: { resource: brought.resource, path: brought.kind === 'BaselineAdminNetworkPolicy' ? ['metadata', 'name'] : ['spec', 'priority'] },
      side: 'after',
      before: '',
      after: '',
      witness,
      scope: 'workload',
      facts: {
        conflict: `${adminWords(clash.a)} and ${adminWords(clash.b)} share a priority and both match this connection (${clash.dir}), one with ${clash.actions[0]}, the other with ${clash.actions[1]}; the API leaves their order to the implementation. The review assumed the weaker.`,
      },
      related: [rival.resource],
      notes: [
        'Assumes the cluster network plugin implements AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy (the repository declares them; it cannot show the plugin).',
      ],
    });
  }
  return out;
}

function samePriorityPairs(policies: readonly AdminPolicy[]): [AdminPolicy, AdminPolicy][] {
  const out: [AdminPolicy, AdminPolicy][] = [];
  for (let i = 0; i < policies.length; i++)
    for (let j = i + 1; j < policies.length; j++) {
      const [a, b] = [policies[i]!, policies[j]!];
      if (a.tier === b.tier && a.priority === b.priority) out.push([a, b]);
    }
  return out;
}

/** A connection both policies match with different actions (each policy's own first matching rule), if any. */
function firstClash(a: AdminPolicy, b: AdminPolicy, pods: readonly PodPeer[], peers: readonly Peer[], s: 'before' | 'after'): Clash | undefined {
  for (const dir of ['ingress', 'egress'] as const) {
    // Only rules of different actions can clash: without such a pair, no connection needs looking at.
    if (!a.rules[dir].some((x) => b.rules[dir].some((y) => x.action !== y.action))) continue;
    for (const pod of pods) {
      const attrs = pod[s];
      if (!attrs || !subjectSelects(a, attrs) || !subjectSelects(b, attrs)) continue;
      for (const other of peers) {
        if (other.kind === 'pod' && other.peer === pod) continue;
        const end = endpoint(other, s);
        if (!end) continue;
        const ma = firstMatch(a, attrs, dir, end, PortSet.all());
        const mb = firstMatch(b, attrs, dir, end, PortSet.all());
        for (const x of ma)
          for (const y of mb) {
            if (x.action === y.action) continue;
            const port = x.ports.intersect(y.ports);
            if (!port.isEmpty) return { a, b, pod, dir, other, port, actions: [ACTION_WORDS[x.action], ACTION_WORDS[y.action]] };
          }
      }
    }
  }
  return undefined;
}

function endpoint(p: Peer, s: 'before' | 'after'): Endpoint | undefined {
  if (p.kind === 'external') return { kind: 'external', ext: { ips: p.peer.ips } };
  const attrs: PodAttrs | undefined = p.peer[s];
  return attrs && { kind: 'pod', pod: attrs };
}

const podWords = (p: PodPeer): string =>
  p.workload.potential ? `pods labelled ${p.workload.name} in ${p.workload.namespace}` : `${p.workload.namespace}/${p.workload.name}`;
const peerWords = (p: Peer): string => (p.kind === 'pod' ? podWords(p.peer) : `address ${p.peer.sample}`);

/**
 * Rules with `nodes` or `domainNames` peers are not modelled (node IPs and DNS answers are not in
 * the repository): one the change adds, edits or removes (or whose policy's priority, tier or
 * subject changes) is a change the review cannot judge, so it fails closed on its peer's line.
 */
export function unmodelledRuleChanges(before: readonly AdminPolicy[], after: readonly AdminPolicy[]): PolicyChange[] {
  const out: PolicyChange[] = [];
  const frame = (p: AdminPolicy) => JSON.stringify([p.tier, p.priority, p.subject]);
  const ruleKeys = (p: AdminPolicy | undefined, dir: Direction) => new Set((p?.rules[dir] ?? []).map(ruleKey));
  const scan = (mine: readonly AdminPolicy[], theirs: readonly AdminPolicy[], side: 'before' | 'after') => {
    for (const p of mine) {
      const q = theirs.find((x) => x.kind === p.kind && x.resource.name === p.resource.name);
      if (q && q.resource.hash === p.resource.hash) continue;
      for (const dir of ['ingress', 'egress'] as const) {
        const kept = q && frame(q) === frame(p) ? ruleKeys(q, dir) : new Set<string>();
        for (const r of p.rules[dir]) {
          const peer = r.peers.find((x) => x.kind === 'unmodelled');
          if (!peer || peer.kind !== 'unmodelled' || kept.has(ruleKey(r))) continue;
          out.push({
            cause: 'unanalysable',
            mesh: 'networkpolicy',
            workload: null,
            port: null,
            anchor: { resource: p.resource, path: [...peer.path, peer.field] },
            side,
            before: '',
            after: '',
            witness: null,
            scope: undefined,
            facts: {
              reason: `${adminWords(p)}: a rule with a \`${peer.field}\` peer was ${side === 'before' ? 'removed or changed' : 'added or changed'}; mesh-review does not model ${peer.field === 'nodes' ? 'node addresses' : 'domain names (resolved by the network plugin)'}, so what it changes is unknown: review it by hand.`,
            },
          });
        }
      }
    }
  };
  scan(after, before, 'after');
  scan(before, after, 'before');
  return out;
}

const stripPath = <T extends { path: unknown }>(x: T): Omit<T, 'path'> => {
  const { path: _drop, ...rest } = x;
  return rest;
};
/** A rule by content, paths left out (an address set's ranges are bigints: written as text). */
const ruleKey = (r: AdminRule): string =>
  JSON.stringify([r.action, r.peers.map(stripPath), r.ports?.map(stripPath) ?? null], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
