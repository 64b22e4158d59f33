/**
 * External cross-check (issue 14 item 7): np-guard/netpol-analyzer's connectivity
 * tests (fixtures/netpol-analyzer, Apache-2.0, see NOTICE.md). For every case
 * that uses NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy, every line of its expected `list` output (and
 * every pair it leaves out, which it finds blocked) is compared with ours: pods
 * to pods, and pods to and from the address ranges its output names.
 *
 * Each disagreement is listed in `DISAGREEMENTS` with who is right by the
 * Kubernetes documentation; a fix on either side changes the set and fails the test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { buildInventory, type Workload } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { readAdminPolicies } from '../../../src/meshes/networkpolicy/admin.js';
import { Connectivity } from '../../../src/meshes/networkpolicy/connlist.js';
import { IpSet } from '../../../src/policy/ipSet.js';
import { PortSet, type L4Protocol } from '../../../src/policy/portSet.js';
import ipaddr from 'ipaddr.js';
import { parseAllDocuments, stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../fixtures/netpol-analyzer/', import.meta.url));
const CASES = readdirSync(`${ROOT}expected`)
  .map((f) => f.replace(/_connlist_output\.txt$/, ''))
  .sort();

/** Lines where we and netpol-analyzer differ, `case: src => dst`, with the reason and who is right. */
const NAMED_PORT_WITH_NETWORKS =
  'The egress rule has a `networks` peer and a `namedPort`: the v1alpha1 CRD rule "networks/nodes/domainNames peer cannot be set with namedPorts" rejects the AdminNetworkPolicy, so it is not applied (ours); the analyzer applies it and drops the named port for the address. Ours is right by the CRD.';
const DISAGREEMENTS: Record<string, string> = {
  'anp_test_named_ports_multiple_peers: ns1/pod1[Deployment] => ns3/pod1[Deployment]': NAMED_PORT_WITH_NETWORKS,
  'anp_test_named_ports_multiple_peers: ns1/pod1[Deployment] => 104.154.164.170-104.154.164.170[External]': NAMED_PORT_WITH_NETWORKS,
};

/**
 * Cases whose admin policies the API server rejects while the analyzer reads them: a `pods`
 * subject or peer without `podSelector`, which the v1alpha1 CRD requires (NamespacedPod:
 * `required: [namespaceSelector, podSelector]`). Nothing to compare strictly (the inputs do not
 * exist in a cluster); `asAnalyzer` fills the selector in as the analyzer reads it (`{}`) and
 * compares every line.
 */
const REJECTED_STRICTLY = /pods\.(podSelector|namespaceSelector): Invalid input: expected object, received undefined/;

function load(dir: string, mode: 'strict' | 'asAnalyzer') {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ya?ml|json)$/.test(f));
  const resources = files.flatMap(
    (f) => parseFileContent(f, typedListItems(readFileSync(`${dir}/${f}`, 'utf8'), f.endsWith('.json'), mode), defaultConfig().limits).resources,
  );
  return buildInventory(resources, 'default');
}

/**
 * kubectl's typed lists (`PodList`, `NamespaceList`) leave `kind` out of their items; the
 * analyzer reads them, our manifest reader (rightly, for a repository) does not: fill them in here.
 */
function typedListItems(text: string, json: boolean, mode: 'strict' | 'asAnalyzer'): Buffer {
  const docs = parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .map((d) => (mode === 'asAnalyzer' ? selectorsDefaulted(d) : d));
  const fixed = docs.map((d) => {
    const o = d as { kind?: string; apiVersion?: string; items?: Record<string, unknown>[] } | null;
    if (!o || typeof o.kind !== 'string' || !/.List$/.test(o.kind) || o.kind === 'List' || !Array.isArray(o.items)) return d;
    const kind = o.kind.slice(0, -'List'.length);
    return { ...o, kind: 'List', items: o.items.map((i) => ({ apiVersion: o.apiVersion ?? 'v1', kind, ...i })) };
  });
  return Buffer.from(json ? JSON.stringify(fixed[0]) : fixed.map((d) => stringify(d)).join('---\n'), 'utf8');
}

/**
 * The CRD of v1alpha1 requires both selectors of a `pods` subject or peer (NamespacedPod:
 * `required: [namespaceSelector, podSelector]`), so the API server rejects a policy that leaves
 * one out; the analyzer reads the missing one as Go's zero value, `{}` (all). Many of its admin
 * cases leave `podSelector` out: `asAnalyzer` fills it in as the analyzer reads it, so that the
 * evaluation itself is compared; `strict` keeps the policy invalid (not applied).
 */
function selectorsDefaulted(doc: unknown): unknown {
  const o = doc as { kind?: string; spec?: Record<string, unknown> } | null;
  if (!o || (o.kind !== 'AdminNetworkPolicy' && o.kind !== 'BaselineAdminNetworkPolicy') || !o.spec) return doc;
  const fill = (x: unknown) => {
    const pods = (x as { pods?: Record<string, unknown> } | null)?.pods;
    if (pods && typeof pods === 'object') {
      pods.podSelector ??= {};
      pods.namespaceSelector ??= {};
    }
  };
  fill(o.spec.subject);
  for (const [dir, key] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const)
    for (const rule of (o.spec[dir] as Record<string, unknown>[] | undefined) ?? []) for (const peer of (rule[key] as unknown[] | undefined) ?? []) fill(peer);
  return doc;
}

/** netpol-analyzer names a pod by its owner (a ReplicaSet, DaemonSet, ...), else itself. */
function ownerName(w: Workload): string {
  const owner = (w.resource.body.metadata as { ownerReferences?: { kind?: string; name: string }[] } | undefined)?.ownerReferences?.[0];
  return owner ? `${w.namespace}/${owner.name}[${owner.kind ?? w.kind}]` : `${w.namespace}/${w.name}[${w.kind}]`;
}

/** `TCP 10053-10054,UDP 10053`, `SCTP 8956,9090`, `All Connections`. */
function parsePorts(text: string): PortSet {
  if (text === 'All Connections') return PortSet.all();
  let out = PortSet.empty();
  let proto: L4Protocol = 'TCP';
  for (const token of text.split(',')) {
    const m = /^(?:(TCP|UDP|SCTP)\s*)?(\d+)?(?:-(\d+))?$/.exec(token.trim());
    if (!m) throw new Error(`cannot read ports "${text}"`);
    if (m[1]) proto = m[1] as L4Protocol;
    out = out.union(m[2] ? PortSet.range(proto, Number(m[2]), Number(m[3] ?? m[2])) : PortSet.protocol(proto));
  }
  return out;
}

function ipRange(text: string): IpSet {
  const [a, b] = text.split('-') as [string, string];
  const n = (s: string) =>
    ipaddr
      .parse(s)
      .toByteArray()
      .reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  return IpSet.of([[n(a), n(b)]]);
}

/**
 * IPv4 cut by every ipBlock of the policies and every range the analyzer printed, into intervals:
 * each is inside or outside each block, and inside at most one printed range.
 */
function ipv4Atoms(conn: Connectivity, printed: IpSet[]): IpSet[] {
  let parts = [IpSet.cidr('0.0.0.0/0')!];
  for (const r of printed) parts = parts.flatMap((x) => [x.intersect(r), x.subtract(r)].filter((y) => !y.isEmpty));
  for (const p of conn.policies)
    for (const rules of Object.values(p.rules))
      for (const r of rules)
        for (const peer of r.peers ?? []) {
          if (peer.kind !== 'ip') continue;
          parts = parts.flatMap((x) => [x.intersect(peer.ips), x.subtract(peer.ips)].filter((y) => !y.isEmpty));
        }
  return parts.flatMap((p) => p.ranges.map((r) => IpSet.of([r])));
}

const atomText = (s: IpSet): string => s.ranges.map(([a, b]) => `${v4(a)}-${v4(b)}`).join(',');
const v4 = (n: bigint): string => [24n, 16n, 8n, 0n].map((sh) => Number((n >> sh) & 255n)).join('.');

interface Outcome {
  compared: number;
  differ: Record<string, string>;
  /** Admin policies of the case the API server rejects (left out, as in a cluster). */
  rejected: string[];
}

/**
 * Host-network pods: the Kubernetes docs leave NetworkPolicy's effect on them undefined, so the
 * review does not judge them, while the analyzer treats them as ordinary pods. Compared twice:
 * `strict` leaves every pair with one out; `asAnalyzer` judges them as ordinary pods too.
 */
function compare(name: string, mode: 'strict' | 'asAnalyzer'): Outcome {
  const inv = load(`${ROOT}tests/${name}`, mode);
  const conn = new Connectivity(inv, { hostNetworkAsOrdinaryPods: mode === 'asAnalyzer' });
  const hostNetwork = new Set(mode === 'strict' ? inv.workloads.filter((w) => w.hostNetwork).map(ownerName) : []);
  const expected = new Map<string, string>();
  const externals = new Set<string>();
  for (const line of readFileSync(`${ROOT}expected/${name}_connlist_output.txt`, 'utf8').split('\n')) {
    const m = /^(\S+) => (\S+) : (.+)$/.exec(line.trim());
    if (!m) continue;
    const [, src, dst, ports] = m as unknown as [string, string, string, string];
    // Routes and Ingress objects bring an ingress-controller peer of the analyzer's own: not NetworkPolicy.
    if (src.includes('ingress-controller') || dst.includes('ingress-controller')) continue;
    if (hostNetwork.has(src) || hostNetwork.has(dst)) continue;
    for (const e of [src, dst]) if (e.endsWith('[External]')) externals.add(e.slice(0, -'[External]'.length));
    expected.set(`${src} => ${dst}`, parsePorts(ports).describe());
  }
  // One pod per owner: the analyzer folds replicas into their owner.
  const owners = new Map<string, Workload>();
  for (const w of conn.pods) if (!owners.has(ownerName(w))) owners.set(ownerName(w), w);
  const ours = new Map<string, string>();
  for (const [sn, s] of owners)
    for (const [dn, d] of owners) {
      if (sn === dn) continue;
      const p = conn.between(s, d);
      if (!p.isEmpty) ours.set(`${sn} => ${dn}`, p.describe());
    }
  // The analyzer merges address ranges with equal connections into one line: compare per atom of
  // the partition of every ipBlock (IPv4, as its output), each atom against the line whose range holds it.
  const atoms = ipv4Atoms(conn, [...externals].map(ipRange));
  const written = new Map([...expected].filter(([k]) => k.includes('[External]')));
  const lineFor = (pod: string, dir: 'from' | 'to', atom: IpSet): string => {
    for (const r of externals) {
      if (!atom.isSubsetOf(ipRange(r))) continue;
      const e = written.get(dir === 'from' ? `${r}[External] => ${pod}` : `${pod} => ${r}[External]`);
      if (e) return e;
    }
    return 'No Connections';
  };
  for (const k of [...expected.keys()]) if (k.includes('[External]')) expected.delete(k);
  for (const atom of atoms) {
    const label = `${atomText(atom)}[External]`;
    for (const [n, w] of owners) {
      const from = conn.fromExternal(atom, w);
      const to = conn.toExternal(w, atom);
      if (!from.isEmpty) ours.set(`${label} => ${n}`, from.describe());
      if (!to.isEmpty) ours.set(`${n} => ${label}`, to.describe());
      const ef = lineFor(n, 'from', atom);
      const et = lineFor(n, 'to', atom);
      if (ef !== 'No Connections') expected.set(`${label} => ${n}`, ef);
      if (et !== 'No Connections') expected.set(`${n} => ${label}`, et);
    }
  }
  const differ: Record<string, string> = {};
  const keys = new Set([...expected.keys(), ...ours.keys()]);
  for (const k of keys) {
    const e = expected.get(k) ?? 'No Connections';
    const o = ours.get(k) ?? 'No Connections';
    if (e !== o) differ[`${name}: ${k}`] = `analyzer ${e}, ours ${o}`;
  }
  const pairs = owners.size * (owners.size - 1) + 2 * atoms.length * owners.size;
  if (process.env.SHOW) for (const [k, v] of Object.entries(differ).slice(0, 40)) console.log(k, '|', v);
  return { compared: pairs, differ, rejected: readAdminPolicies(inv).invalid.map((i) => i.message) };
}

/** Cases with AdminNetworkPolicy or BaselineAdminNetworkPolicy objects. */
const ADMIN_CASES = new Set(
  CASES.filter((c) =>
    readdirSync(`${ROOT}tests/${c}`, { recursive: true, encoding: 'utf8' }).some(
      (f) => /\.ya?ml$/.test(f) && /^kind: *(Baseline)?AdminNetworkPolicy/m.test(readFileSync(`${ROOT}tests/${c}/${f}`, 'utf8')),
    ),
  ),
);

/** Cases whose every pod is host-network: nothing to compare strictly. */
const ALL_HOST_NETWORK = new Set([
  'semanticDiff-same-topologies-new1',
  'semanticDiff-same-topologies-new1a',
  'semanticDiff-same-topologies-new2',
  'semanticDiff-same-topologies-new3',
  'semanticDiff-same-topologies-old1',
  'semanticDiff-same-topologies-old2',
  'semanticDiff-same-topologies-old3',
]);

describe.each(['strict', 'asAnalyzer'] as const)('agreement with netpol-analyzer connectivity (%s)', (mode) => {
  const results = new Map(CASES.map((c) => [c, compare(c, mode)]));
  it.each(CASES)('%s', (name) => {
    const r = results.get(name)!;
    if (mode === 'strict' && ALL_HOST_NETWORK.has(name)) expect(r.compared).toBe(0);
    else expect(r.compared).toBeGreaterThan(0);
    if (mode === 'strict' && r.rejected.some((m) => REJECTED_STRICTLY.test(m))) {
      // Not answerable strictly: the case's policies do not exist in a cluster. Every rejection is of that kind.
      expect(r.rejected.filter((m) => !REJECTED_STRICTLY.test(m) && !m.includes('cannot be set with namedPorts'))).toEqual([]);
      return;
    }
    const listed = Object.fromEntries(
      Object.entries(DISAGREEMENTS)
        .filter(([k]) => k.startsWith(`${name}: `))
        .map(([k]) => [k, expect.any(String)]),
    );
    expect(r.differ).toEqual(listed);
  });

  it('compares every case', () => {
    const answerable = [...results.entries()].filter(([, r]) => mode !== 'strict' || !r.rejected.some((m) => REJECTED_STRICTLY.test(m)));
    const total = answerable.reduce((n, [, r]) => n + r.compared, 0);
    const differ = answerable.reduce((n, [, r]) => n + Object.keys(r.differ).length, 0);
    const admin = answerable.filter(([c]) => ADMIN_CASES.has(c));
    // Figures for the report: cases, connections compared, disagreements (all, and those with admin policies).
    console.info(
      `netpol-analyzer (${mode}): ${answerable.length} of ${CASES.length} cases, ${total} connections compared, ${differ} differ; ` +
        `with admin policies: ${admin.length} of ${ADMIN_CASES.size} cases, ${admin.reduce((n, [, r]) => n + r.compared, 0)} connections, ${admin.reduce((n, [, r]) => n + Object.keys(r.differ).length, 0)} differ`,
    );
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });
});
