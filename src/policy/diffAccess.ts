import type { AccessPolicy, Clause, Origin } from './access.js';
import { cubeKey, dimUniverse, intersectSets, subtractSets, type Cube, type DimSet } from './requestSpace.js';

/** Why one side decided a request the way it did. */
export type Reason =
  | { kind: 'transport'; origin: Origin | undefined }
  | { kind: 'unenforced'; origin: Origin | undefined }
  | { kind: 'deny'; clause: Clause }
  | { kind: 'custom'; clause: Clause }
  | { kind: 'no-allow-policy' }
  | { kind: 'allow'; clause: Clause }
  | { kind: 'no-allow-match'; origins: Origin[] };

export interface Verdict {
  /** Possibly allowed: no transport refusal, no DENY match, and the ALLOW policies admit it. */
  allowed: boolean;
  reason: Reason;
  /**
   * The CUSTOM rule that sends an allowed request to the external authorizer first. Its answer is
   * outside the repository (it may allow or deny anything it is sent), so such a request is only
   * possibly allowed: between denied and allowed.
   */
  external?: Clause;
}

/** A region of requests decided differently by the two sides, with one concrete member. */
export interface AccessDelta {
  /** The value picked in each constrained dimension. */
  witness: Record<string, string>;
  before: Verdict;
  after: Verdict;
}

export interface AccessDiff {
  broadened: AccessDelta[];
  narrowed: AccessDelta[];
  /** True when the search stopped at its budget: more regions may exist. */
  truncated: boolean;
}

export interface DiffOptions {
  /** Preferred sample values per dimension, so witnesses read naturally. */
  candidates?: (dim: string) => readonly string[];
  /** Most regions to visit; each is one leaf of the partition. */
  maxLeaves?: number;
}

interface Side {
  policy: AccessPolicy;
  /** Clauses (and the universe, as a pseudo-clause) that contain the current region. */
  active: Active[];
}

interface Active {
  cube: Cube;
  clause: Clause | undefined;
}

/**
 * Exact difference of two access policies. The request space is partitioned,
 * one dimension at a time, into atoms that every clause on either side either
 * contains or misses; each atom is decided on both sides. Regions where both
 * sides hold the same clauses are skipped whole, so the work follows the change,
 * not the size of the policies.
 */
export function diffAccess(before: AccessPolicy, after: AccessPolicy, options: DiffOptions = {}): AccessDiff {
  const result: AccessDiff = { broadened: [], narrowed: [], truncated: false };
  const b = start(before);
  const a = start(after);
  const dims = collectDims([...b.active, ...a.active]);
  const budget = { leaves: options.maxLeaves ?? 2000 };
  explore(dims, 0, b, a, {}, result, budget, options);
  return result;
}

function start(policy: AccessPolicy): Side {
  const active: Active[] = [{ cube: policy.universe, clause: undefined }];
  if (policy.enforced) {
    for (const c of [...(policy.allow ?? []), ...policy.deny, ...policy.custom]) active.push({ cube: c.cube, clause: c });
  }
  return { policy, active };
}

function collectDims(actives: Active[]): string[] {
  const dims = new Set<string>();
  for (const a of actives) for (const d of a.cube.keys()) dims.add(d);
  // Identity first: it is what witnesses are read for.
  return [...dims].sort((x, y) => (x === 'principal' ? -1 : y === 'principal' ? 1 : x < y ? -1 : x > y ? 1 : 0));
}

function sameShape(b: Side, a: Side): boolean {
  const pb = b.policy;
  const pa = a.policy;
  if (pb.enforced !== pa.enforced || (pb.allow === null) !== (pa.allow === null)) return false;
  const key = (s: Side) =>
    s.active
      .map((x) => (x.clause ? x.clause.key : `U:${cubeKey(x.cube)}`))
      .sort()
      .join('&');
  return key(b) === key(a);
}

function explore(
  dims: string[],
  i: number,
  b: Side,
  a: Side,
  witness: Record<string, string>,
  out: AccessDiff,
  budget: { leaves: number },
  options: DiffOptions,
): void {
  if (out.truncated) return;
  if (sameShape(b, a)) return;
  if (i === dims.length) {
    if (budget.leaves-- <= 0) {
      out.truncated = true;
      return;
    }
    const vb = decide(b);
    const va = decide(a);
    const [lb, la] = [level(vb), level(va)];
    // Between two possibly-allowed verdicts only the external check differs: the side that has it
    // says so as its reason, since it is what decides the difference.
    const asChecked = (v: Verdict): Verdict => (v.allowed && v.external ? { ...v, reason: { kind: 'custom', clause: v.external } } : v);
    if (la > lb) out.broadened.push({ witness: { ...witness }, before: vb.allowed ? asChecked(vb) : vb, after: va });
    else if (la < lb) out.narrowed.push({ witness: { ...witness }, before: vb, after: va.allowed ? asChecked(va) : va });
    return;
  }
  const dim = dims[i]!;
  const sets = new Map<string, DimSet>();
  for (const x of [...b.active, ...a.active]) {
    const s = x.cube.get(dim);
    if (s) sets.set(s.key, s);
  }
  for (const { atom, inside } of atoms(dimUniverse(dim), [...sets.values()])) {
    // Every set split the atom: it lies inside a set or misses it, and the split recorded which.
    const keep = (s: Side): Side => ({
      policy: s.policy,
      active: s.active.filter((x) => {
        const set = x.cube.get(dim);
        return !set || inside.has(set.key);
      }),
    });
    const sample = atom.sample(options.candidates?.(dim) ?? []);
    explore(dims, i + 1, keep(b), keep(a), sample === undefined ? witness : { ...witness, [dim]: sample }, out, budget, options);
    if (out.truncated) return;
  }
}

/** The universe pseudo-clause is always first; it is gone once the region left it. */
function coversUniverse(s: Side): boolean {
  return s.active.length > 0 && s.active[0]!.clause === undefined;
}

/** Splits `universe` into the non-empty regions that each set either contains or misses, with the keys of the sets that contain each. */
function atoms(universe: DimSet, sets: DimSet[]): { atom: DimSet; inside: ReadonlySet<string> }[] {
  let parts: { atom: DimSet; inside: ReadonlySet<string> }[] = [{ atom: universe, inside: new Set() }];
  for (const set of sets) {
    const next: typeof parts = [];
    for (const { atom, inside } of parts) {
      const within = intersectSets(atom, set);
      const outside = subtractSets(atom, set);
      if (!within.isEmpty) next.push({ atom: within, inside: new Set([...inside, set.key]) });
      if (!outside.isEmpty) next.push({ atom: outside, inside });
    }
    parts = next;
  }
  return parts;
}

/** Denied (0) < sent to an external authorizer that may allow it (1) < allowed (2). */
const level = (v: Verdict): number => (!v.allowed ? 0 : v.external ? 1 : 2);

/**
 * Istio evaluates CUSTOM, then DENY, then ALLOW (https://istio.io/latest/docs/concepts/security/#implicit-enablement;
 * the ext_authz filter runs before the RBAC filters, pilot/pkg/networking/core/envoyfilter and
 * authz/builder.go): what the external authorizer lets through is still denied by a DENY match or by
 * ALLOW policies that do not match it. Its own answer is unknown per request, so CUSTOM can only narrow:
 * a request is possibly allowed iff DENY and ALLOW let it through, and `external` says it is checked first.
 */
function decide(s: Side): Verdict {
  const p = s.policy;
  if (!coversUniverse(s)) return { allowed: false, reason: { kind: 'transport', origin: p.universeOrigin } };
  if (!p.enforced) return { allowed: true, reason: { kind: 'unenforced', origin: p.enforcementOrigin } };
  const matched = (effect: string) => s.active.find((x) => x.clause?.effect === effect)?.clause;
  const deny = matched('DENY');
  if (deny) return { allowed: false, reason: { kind: 'deny', clause: deny } };
  const custom = matched('CUSTOM');
  const external = custom ? { external: custom } : {};
  if (p.allow === null) return { allowed: true, reason: { kind: 'no-allow-policy' }, ...external };
  const allow = matched('ALLOW');
  if (allow) return { allowed: true, reason: { kind: 'allow', clause: allow }, ...external };
  return { allowed: false, reason: { kind: 'no-allow-match', origins: p.allowOrigins } };
}
