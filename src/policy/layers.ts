import type { Workload } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';
import { makeClause, type AccessPolicy, type Clause } from './access.js';
import { diffAccess } from './diffAccess.js';
import { workloadKey, type MeshSide, type WorkloadView } from './meshSide.js';
import { PortSet } from './portSet.js';
import { intersectCubes, type Cube } from './requestSpace.js';
import { StringSet } from './stringSet.js';

/*
 * Layers judged together (mesh-semantics.md §6, issue #14 item 4). A connection gets through when
 * every enforcing layer on its path lets it: the L3/L4 network layer (NetworkPolicy and the admin
 * tiers) under the mesh's transport and authorization. A change in one layer is a weakening only
 * where the combined answer grew: with N the network layer and M the mesh, the requests the
 * review gains are N_head ∧ M_head ∧ ¬(N_base ∧ M_base), so
 *  - what the mesh newly admits counts only where N_head lets it through, and
 *  - what the network layer newly admits counts only where M_head lets it through.
 * Both layers meet here in neutral terms: the network layer tells which source namespaces reach a
 * pod port; the mesh maps namespaces onto its identities (MeshIdentities).
 */

/** What a lower (L3/L4) layer lets reach one pod port on the head side. */
export type Reach =
  /** The layer decides nothing here (no policy selects the pod for ingress), or may admit a source of any namespace. */
  | { kind: 'open' }
  | {
      kind: 'filtered';
      /** Named namespaces some pod of which gets through. */
      namespaces: ReadonlySet<string>;
      /** Named namespaces none of whose pods gets through. */
      held: ReadonlySet<string>;
      /** Pods of namespaces the repository does not name (or whose labels it cannot know) may get through. */
      otherNamespaces: boolean;
      /** Whether anything gets through at all (pod or address): if so, a plaintext caller may. */
      any: boolean;
      /** The objects that hold the rest out (the policies isolating the pod), to name in a note. */
      holders: Resource[];
    };

/** The L3/L4 layer as the mesh's diff asks it. `wire`: the port the connection arrives on (ambient's HBONE port, else the app's). */
export interface LowerLayer {
  /** Words for the layer in findings ("Kubernetes NetworkPolicy"). */
  name: string;
  /** What a finding that rests on this layer holding assumes (that the cluster enforces it). */
  assumption: string;
  reach(workload: Workload, port: number, wire: number): Reach;
}

/** How a mesh names its peers, so a namespace can be turned into the identities pods in it carry. */
export interface MeshIdentities {
  /** The request dimension that holds the peer identity. */
  dim: string;
  /** Every identity a pod of `namespace` can carry (a superset is safe: it holds less back); disjoint for distinct namespaces. */
  ofNamespace(namespace: string): StringSet;
  /** Every identity that names a namespace at all. */
  namespaced: StringSet;
  /** The value a caller without a mesh identity (plaintext) has. */
  plaintext: string;
  /** The namespaces `set` holds an identity of, read off it once and asked for many namespaces. */
  namespacesIn(set: StringSet): NamespacesIn;
}

/** Which namespaces a set of identities names. */
export interface NamespacesIn {
  /** Exactly `!set.intersect(ofNamespace(namespace)).isEmpty`, without a product per namespace. */
  has(namespace: string): boolean;
  /** All of them, when they are few enough to list; else `many`. */
  list(): ReadonlySet<string> | 'many';
}

/** Several reaches as one: a source gets through when it gets through any of them (meshed traffic may arrive on more than one port). */
export function unionReach(reaches: readonly Reach[]): Reach {
  const filtered: Extract<Reach, { kind: 'filtered' }>[] = [];
  for (const r of reaches) {
    if (r.kind === 'open') return r;
    filtered.push(r);
  }
  const namespaces = new Set(filtered.flatMap((r) => [...r.namespaces]));
  return {
    kind: 'filtered',
    namespaces,
    held: new Set(filtered.flatMap((r) => [...r.held]).filter((ns) => !namespaces.has(ns))),
    otherNamespaces: filtered.some((r) => r.otherNamespaces),
    any: filtered.some((r) => r.any),
    holders: [...new Set(filtered.flatMap((r) => r.holders))],
  };
}

/**
 * The requests of the mesh's request space that the lower layer lets through, as a cube over
 * the identity dimension; undefined when it holds nothing back. `meshed`: what reaches the
 * ports meshed traffic arrives on; `plain`: what reaches the app port itself (callers without
 * a mesh identity). Sound by construction: a namespace any of whose pods gets through keeps
 * all its identities, identities that name no namespace are held back only when nothing at all
 * gets through, and plaintext is held back only when nothing reaches the app port.
 */
export function reachCube(meshed: Reach, plain: Reach, ids: MeshIdentities): Cube | undefined {
  const plaintext = StringSet.literal(ids.plaintext);
  let held = StringSet.empty();
  if (meshed.kind === 'filtered') {
    if (!meshed.any) held = StringSet.all().subtract(plaintext);
    else {
      // Held back: the identities of namespaces none of whose pods gets through (one namespace's
      // identities never name another, so the named ones need no subtraction).
      held = meshed.otherNamespaces
        ? StringSet.unionAll([...meshed.held].map((ns) => ids.ofNamespace(ns)))
        : ids.namespaced.subtract(StringSet.unionAll([...meshed.namespaces].map((ns) => ids.ofNamespace(ns))));
    }
  }
  if (plain.kind === 'filtered' && !plain.any) held = held.union(plaintext);
  if (held.isEmpty) return undefined;
  return new Map([[ids.dim, StringSet.all().subtract(held)]]);
}

/** An access decision restricted to what reaches it: requests outside `cube` are refused before the mesh sees them. */
export function behind(policy: AccessPolicy, cube: Cube): AccessPolicy {
  return { ...policy, universe: intersectCubes(policy.universe, cube) ?? new Map([[[...cube.keys()][0]!, StringSet.empty()]]) };
}

/** The mesh above the network layer, as the network layer's diff asks it (head side). */
export interface UpperLayer {
  /** Words for the layer in findings ("Istio"). */
  name: string;
  /**
   * The part of `ports` on which the mesh may let some request from `source` to `workload`
   * through: `source` is a namespace, `{ except }` for a pod of any namespace but those, or `null`
   * for an address outside the pods (no mesh identity). Empty only when it certainly refuses them
   * all on every port the pod declares; all of `ports` when the pod declares none of them (nothing
   * the mesh decides listens there) or the mesh does not serve the workload.
   */
  admitted(workload: Workload, ports: PortSet, source: string | { except: ReadonlySet<string> } | null): PortSet;
}

/** Pods of any namespace but some: a number for memo keys, a namespace name none of them has, and the identities they may carry. */
interface Other {
  id: number;
  probe: string;
  identities: () => StringSet;
}

/** A mesh's access decision as the network layer's diff asks it: which identities may pass, and which namespaces those name. */
interface Decision {
  policy: AccessPolicy;
  identities: StringSet;
  exact: boolean;
  names?: NamespacesIn;
  listed?: ReadonlySet<string> | 'many';
  unnamespaced?: boolean;
}

/** Most ports asked one by one before a port range counts as admitted unexamined. */
const MAX_ASKED_PORTS = 64;

/**
 * The head side of a mesh as an upper layer. A request is admitted when the mesh's access
 * decision for the port may allow it (diffAccess against a decision that admits nothing:
 * possibly allowed counts, an external authorizer's answer included). Ports the mesh does not
 * capture (UDP, SCTP, names it cannot resolve) and workloads it does not serve are admitted.
 */
export function meshAbove(side: MeshSide, name: string): UpperLayer | undefined {
  const ids = side.identities;
  if (!ids) return undefined;
  const memo = new Map<string, boolean>();
  const answers = new Map<string, PortSet>();
  const decisionsMemo = new Map<string, Decision[]>();
  // Each "any namespace but these" set: a number for memo keys, and the identities it leaves.
  // Sets of equal content (each destination's "reached before" is a set of its own) share one entry.
  const others = new WeakMap<ReadonlySet<string>, Other>();
  const byContent = new Map<string, Other>();
  const other = (named: ReadonlySet<string>): Other => {
    let got = others.get(named);
    if (!got) {
      const content = [...named].sort().join('/');
      got = byContent.get(content);
      if (!got) {
        let identities: StringSet | undefined;
        const make = () => StringSet.all().subtract(StringSet.unionAll([...named].map((ns) => ids.ofNamespace(ns))));
        let probe = 'mesh-review-probe';
        while (named.has(probe)) probe += '-';
        byContent.set(content, (got = { id: nextId++, probe, identities: () => (identities ??= make()) }));
      }
      others.set(named, got);
    }
    return got;
  };
  let nextId = 0;
  /** A source as memo keys write it: '' for no identity, a namespace, or `*` and the number of its "any but these" set. */
  const sourceId = (source: string | { except: ReadonlySet<string> } | null): string =>
    source === null ? '' : typeof source === 'string' ? source : `*${other(source.except).id}`;
  const unnamespaced = StringSet.all().subtract(ids.namespaced);
  const admittedOnce = (view: WorkloadView, workload: Workload, ports: PortSet, source: string | { except: ReadonlySet<string> } | null): PortSet => {
    let out = PortSet.empty();
    // The mesh captures TCP only: UDP or SCTP the pod or one of its Services may serve is the network layer's alone.
    const uncaptured = ports.intersect(PortSet.protocol('UDP').union(PortSet.protocol('SCTP')));
    if (!uncaptured.isEmpty && (workload.ports.length === 0 || view.servesUncaptured)) out = uncaptured;
    const tcp = ports.intersect(PortSet.protocol('TCP'));
    // A tunnel port (ambient's HBONE) carries meshed traffic to every port the proxy serves.
    const tunnels = [...new Set(view.ports.flatMap((p) => view.wirePorts!(p).filter((w) => w !== p && !tcp.intersect(PortSet.range('TCP', w)).isEmpty)))];
    let asked: { port: number; stands: PortSet }[];
    if (tunnels.length > 0)
      asked = view.ports.map((port) => ({ port, stands: tunnels.reduce((acc, w) => acc.union(PortSet.range('TCP', w)), PortSet.range('TCP', port)) }));
    else if (workload.ports.length > 0) {
      // Where something may listen: ports the pod declares, its Services target, or a policy
      // names. A port none of them names has no listener the repository shows: the mesh holds nothing there.
      asked = view.ports.filter((p) => !tcp.intersect(PortSet.range('TCP', p)).isEmpty).map((port) => ({ port, stands: PortSet.range('TCP', port) }));
      if (asked.length === 0) return ports;
    } else {
      const some = askedPorts(tcp, view.ports);
      if (some === undefined) return ports;
      const own = portsOf(view.ports);
      // The one port asked beyond those the workload names stands for all the others.
      asked = some.map((port) => ({ port, stands: view.ports.includes(port) ? PortSet.range('TCP', port) : tcp.subtract(own) }));
    }
    // A pod of another namespace may carry any identity but those naming the namespaces excepted.
    let whoSet: StringSet | undefined;
    const who = (): StringSet =>
      (whoSet ??=
        source === null
          ? StringSet.literal(ids.plaintext)
          : typeof source === 'string'
            ? ids.ofNamespace(source).union(StringSet.literal(ids.plaintext))
            : other(source.except).identities());
    // Plaintext asked by membership; a namespace by what the decision's identities name, read off
    // them once. A pod of any namespace but some: a namespace none of them has first (a set naming
    // every namespace passes so), then the namespaces the set lists, then identities naming none.
    const mayPass = (d: Decision): boolean => {
      if (d.identities.has(ids.plaintext)) return true;
      if (source === null) return false;
      const names = (d.names ??= ids.namespacesIn(d.identities));
      if (typeof source === 'string') return names.has(source);
      if (names.has(other(source.except).probe)) return true;
      const listed = (d.listed ??= names.list());
      return listed === 'many' || [...listed].some((ns) => !source.except.has(ns)) || (d.unnamespaced ??= d.identities.meets(unnamespaced));
    };
    const passes = (port: number): boolean => {
      const key = `${view.key}|${port}|${sourceId(source)}`;
      let got = memo.get(key);
      if (got === undefined) {
        let decisions = decisionsMemo.get(`${view.key}|${port}`);
        if (!decisions) {
          decisions = Object.values(view.evaluate(port).access).flatMap((p) => (p ? [{ policy: p, ...identitiesMayPass(p, ids.dim) }] : []));
          decisionsMemo.set(`${view.key}|${port}`, decisions);
        }
        // The identities that may pass at all first; the exact search only where a DENY clause
        // that names both an identity and something else may cut the rest out.
        got = decisions.some((d) => mayPass(d) && (d.exact || mayAllow(behind(d.policy, new Map([[ids.dim, who()]])))));
        memo.set(key, got);
      }
      return got;
    };
    for (const { port, stands } of asked) if (passes(port)) out = out.union(stands.intersect(ports));
    return out;
  };
  return {
    name,
    admitted(workload, ports, source) {
      const view = side.workloads.get(workloadKey(workload));
      if (!view?.dataPlane.proxied || !view.wirePorts) return ports;
      if (ports.names.size > 0) return ports;
      // The network layer asks again for every source of a namespace (and for each alike): one answer per question.
      const callKey = `${view.key}|${workload.ports.length > 0}|${ports.key}|${sourceId(source)}`;
      const known = answers.get(callKey);
      if (known) return known;
      const answer = admittedOnce(view, workload, ports, source);
      answers.set(callKey, answer);
      return answer;
    },
  };
}

/** The ports of `ports` to ask: each the workload declares, and one more standing for the rest; undefined when too many. */
function askedPorts(ports: PortSet, declared: readonly number[]): number[] | undefined {
  const own = declared.filter((p) => !ports.intersect(PortSet.range('TCP', p)).isEmpty);
  const rest = ports.subtract(portsOf(declared));
  const other = rest.sample([]);
  if (own.length > MAX_ASKED_PORTS) return undefined;
  return other && typeof other.port === 'number' && other.protocol === 'TCP' ? [...own, other.port] : own;
}

const portsOf = (ports: readonly number[]): PortSet => ports.reduce((acc, p) => acc.union(PortSet.range('TCP', p)), PortSet.empty());

/**
 * The identities some request of which may pass `policy`: those the transport admits and an
 * ALLOW clause names (all, when no ALLOW policy applies), less those a DENY clause refuses
 * whatever else the request holds. Exact when every DENY clause constrains either the identity
 * alone or anything but it: a request then passes on its identity and on the rest of it apart,
 * so an ALLOW clause counts only where some rest it admits escapes the DENY clauses that ignore
 * the identity (those on paths, say). Otherwise a superset (`exact` false), each source then
 * searched for in full.
 */
function identitiesMayPass(policy: AccessPolicy, dim: string): { identities: StringSet; exact: boolean } {
  const on = (cube: Cube): StringSet => (cube.get(dim) as StringSet | undefined) ?? StringSet.all();
  const rest = (cube: Cube): Cube => new Map([...cube].filter(([d]) => d !== dim));
  const admitted = on(policy.universe);
  if (!policy.enforced) return { identities: admitted, exact: true };
  const pure = policy.deny.filter((c) => c.cube.size === 1 && c.cube.has(dim));
  const blind = policy.deny.filter((c) => !c.cube.has(dim));
  const exact = pure.length + blind.length === policy.deny.length;
  // Whether some request outside the identity escapes the DENY clauses that ignore it, within ALLOW clause `c` (or anywhere).
  const escapes = (c: Clause | null): boolean =>
    !exact ||
    blind.length === 0 ||
    mayAllow({
      ...policy,
      universe: rest(policy.universe),
      allow: c === null ? null : [makeClause('ALLOW', rest(c.cube), c.origin)],
      deny: blind,
      custom: [],
    });
  let may =
    policy.allow === null
      ? escapes(null)
        ? admitted
        : StringSet.empty()
      : admitted.intersect(StringSet.unionAll(policy.allow.filter((c) => escapes(c)).map((c) => on(c.cube))));
  if (pure.length > 0 && !may.isEmpty) may = may.subtract(StringSet.unionAll(pure.map((c) => on(c.cube))));
  return { identities: may, exact };
}

/** Whether any request may pass `policy`. */
function mayAllow(policy: AccessPolicy): boolean {
  const nothing: AccessPolicy = { ...policy, universe: new Map([[[...policy.universe.keys()][0] ?? 'principal', StringSet.empty()]]) };
  const d = diffAccess(nothing, policy, { maxLeaves: 200 });
  // A search cut short proves nothing: admitted.
  return d.truncated || d.broadened.length > 0;
}
