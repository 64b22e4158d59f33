import type { Workload } from '../../inventory/inventory.js';
import { matchesLabels } from '../../inventory/inventory.js';
import { makeClause, type AccessPolicy, type Clause, type Origin } from '../../policy/access.js';
import { IpSet } from '../../policy/ipSet.js';
import { DIM, intersectCubes, intersectSets, type Cube, type DimSet } from '../../policy/requestSpace.js';
import { escapeRegex, StringSet } from '../../policy/stringSet.js';
import type { Typed } from './istioResources.js';
import type { AuthorizationPolicySpec, Rule } from './schemas.js';
import { asMeshIdentities, expandTrustDomainAliases, replaceTrustDomainAliases, type IdentityScope } from './trustDomain.js';

type AP = Typed<AuthorizationPolicySpec>;

/** Policies grouped by namespace, so that finding a workload's policies costs what its namespace holds. */
/** What selecting policies (AuthorizationPolicy, RequestAuthentication) have in common. */
interface Selecting {
  namespace: string;
  spec: { selector?: { matchLabels?: Record<string, string> | undefined } | undefined; targetRef?: unknown; targetRefs?: unknown[] | undefined };
}

export function indexPolicies<P extends Selecting>(all: P[]): Map<string, P[]> {
  const byNs = new Map<string, P[]>();
  for (const ap of all) {
    // targetRef(s) bind gateways and waypoints, not sidecar workloads.
    if (ap.spec.targetRef || (ap.spec.targetRefs?.length ?? 0) > 0) continue;
    const list = byNs.get(ap.namespace);
    if (list) list.push(ap);
    else byNs.set(ap.namespace, [ap]);
  }
  return byNs;
}

/** Policies that govern a sidecar workload (mesh-semantics 2.4.1): its namespace's and the root namespace's. */
export function applicablePolicies<P extends Selecting>(byNs: Map<string, P[]>, w: Workload, rootNamespace: string): P[] {
  const candidates = w.namespace === rootNamespace ? (byNs.get(rootNamespace) ?? []) : [...(byNs.get(rootNamespace) ?? []), ...(byNs.get(w.namespace) ?? [])];
  return candidates.filter((ap) => matchesLabels(ap.spec.selector?.matchLabels ?? {}, w.labels));
}

export type Protocol = 'http' | 'tcp';

export interface CompileContext {
  port: number | null;
  protocol: Protocol;
  /** DISABLE / no mTLS: the server sees no peer identity, so identity fields see "". */
  identityVisible: boolean;
  /**
   * JWT issuers a RequestAuthentication validates for this workload. Without one, no request
   * carries a request principal or claims: those attributes are empty for every request.
   * 'unknown' when the repository manages no RequestAuthentication at all: one may exist in
   * the cluster, so any validated token is possible.
   */
  jwtIssuers: readonly string[] | 'unknown';
  /** ztunnel without waypoint enforces L4 only. */
  ambient: boolean;
  /**
   * The trust-domain bundle (mesh trust domain and aliases) and the mesh trust domains of both
   * sides (trustDomain.ts). Absent: principals are compared as written.
   */
  identity?: IdentityScope | undefined;
}

/** A principal as Istio issues it: `<trust domain>/ns/<namespace>/sa/<service account>`. */
export const AUTHENTICATED = StringSet.fromRegex('[^/]+\\/ns\\/[^/]+\\/sa\\/[^/]+', 'authenticated');
export const ANY_PEER = StringSet.fromRegex('(?:[^/]+\\/ns\\/[^/]+\\/sa\\/[^/]+)?', 'any-peer');

/** Compiles the policies that apply to one (workload, port, protocol) into the canonical decision. */
export function compileAccess(policies: AP[], ctx: CompileContext, base: Pick<AccessPolicy, 'universe' | 'universeOrigin'>): AccessPolicy {
  const out: AccessPolicy = { ...base, enforced: true, enforcementOrigin: undefined, allow: null, allowOrigins: [], deny: [], custom: [] };
  for (const ap of policies) {
    const action = ap.spec.action ?? 'ALLOW';
    if (action === 'AUDIT') continue;
    const clauses = compilePolicy(ap, action, ctx);
    if (action === 'ALLOW') {
      out.allow = [...(out.allow ?? []), ...clauses];
      out.allowOrigins.push({ resource: ap.resource, path: ['spec'] });
    } else if (action === 'DENY') out.deny.push(...clauses);
    else out.custom.push(...clauses);
  }
  return out;
}

function compilePolicy(ap: AP, action: 'ALLOW' | 'DENY' | 'CUSTOM', ctx: CompileContext): Clause[] {
  const clauses: Clause[] = [];
  const g: Gen = { action, ctx, namespace: ap.namespace, forTCP: ctx.protocol !== 'http' || ctx.ambient };
  (ap.spec.rules ?? []).forEach((rule, i) => {
    const origin: Origin = { resource: ap.resource, path: ['spec', 'rules', i] };
    // The rule itself is the origin: the diff narrows it to the field that changed.
    for (const cube of compileRule(rule, g)) clauses.push(makeClause(action, cube, origin));
  });
  return clauses;
}

type Partial = Cube | undefined; // undefined = matches nothing

/** What Istio's generators see while building one rule (model.New, Model.Generate). */
interface Gen {
  action: 'ALLOW' | 'DENY' | 'CUSTOM';
  ctx: CompileContext;
  /** The policy's namespace: the default of a `serviceAccounts` value without `/` (serviceAccountRegex). */
  namespace: string;
  /**
   * builder.go builds the TCP filter chain with forTCP: every HTTP-only generator (hosts, methods, paths,
   * request principals, headers, claims) fails there. Ambient ztunnel without waypoint is L4 as well.
   */
  forTCP: boolean;
}

/**
 * A generator failed (model.go `rule.checkError`): for ALLOW the error ends Model.Generate and builder.go
 * skips the WHOLE rule ("skipped rule ... on TCP filter chain"); for DENY (and CUSTOM, built with
 * RBAC_DENY) the error is ignored and that value simply produces nothing, so a field whose values all
 * fail drops out and the rule matches more.
 */
class SkipRule extends Error {}
const FAILED = Symbol('generator failed');
type Generated<T> = T | typeof FAILED;

/**
 * One field (`values` or `notValues`) through its generator, as model.go `rule.principal/permission` do it:
 * absent or empty lists generate nothing (`len(values) > 0`, proto3: `[]` is the same as absent); each value's
 * matcher is OR-ed; a value whose generator fails skips the rule (ALLOW) or is left out (DENY, CUSTOM).
 */
function field<T>(g: Gen, values: string[] | undefined, one: (value: string) => Generated<T>, or: (xs: T[]) => T): T | undefined {
  if (!values || values.length === 0) return undefined;
  const out: T[] = [];
  for (const v of values) {
    const r = one(v);
    if (r === FAILED) {
      if (g.action === 'ALLOW') throw new SkipRule();
      continue;
    }
    out.push(r);
  }
  return out.length > 0 ? or(out) : undefined;
}

/** An extended generator (request principals, claims, audiences, presenter) builds one matcher from the whole list. */
function extended(g: Gen, values: string[] | undefined, all: (values: string[]) => Generated<StringSet>): StringSet | undefined {
  return field(
    g,
    values && values.length > 0 ? [''] : undefined,
    () => all(values!),
    (xs) => xs[0]!,
  );
}

/** OR of a field's values: one automaton for the whole list (a fold of `union` is quadratic in long lists). */
const unionOf = (sets: StringSet[]): StringSet => StringSet.unionAll(sets);

/** A string field whose generator is HTTP-only: it fails on the TCP filter chain. */
const http = (g: Gen, values: string[] | undefined, set: (value: string) => StringSet) => field(g, values, (v) => (g.forTCP ? FAILED : set(v)), unionOf);
/** A string field that works on every filter chain. */
const l4 = (g: Gen, values: string[] | undefined, set: (value: string) => StringSet) => field(g, values, set, unionOf);

/**
 * rule = (OR of from) AND (OR of to) AND (all when): expanded into cubes. Istio generates every
 * `from`, `to` and `when` entry before anything is combined (Model.Generate), so one failing
 * generator anywhere skips an ALLOW rule as a whole, even if another entry would have matched.
 */
function compileRule(rule: Rule, g: Gen): Cube[] {
  try {
    const whenCube = (rule.when ?? []).map((c) => condition(c.key, c.values, c.notValues, g)).reduce<Partial>(and, new Map());
    // model.New: `len(r.From) == 0` / `len(r.To) == 0` mean "no constraint" ([] included).
    const froms: Partial[] = rule.from && rule.from.length > 0 ? rule.from.map((f) => source(f.source ?? {}, g)) : [new Map()];
    const tos: Partial[] = rule.to && rule.to.length > 0 ? rule.to.map((t) => operation(t.operation ?? {}, g)) : [new Map()];
    if (!whenCube) return [];
    const cubes: Cube[] = [];
    for (const f of froms)
      for (const t of tos) {
        const c = and(and(whenCube, f), t);
        if (c) cubes.push(c);
      }
    return cubes;
  } catch (e) {
    if (e instanceof SkipRule) return [];
    throw e;
  }
}

const and = (a: Partial, b: Partial): Partial => (a && b ? intersectCubes(a, b) : undefined);
const allOf = (parts: Partial[]): Partial => parts.reduce<Partial>(and, new Map());

function constraint(dim: string, positive: StringSet | IpSet | undefined, negative: StringSet | IpSet | undefined, ctx: CompileContext): Partial {
  let set: DimSet | undefined = positive;
  if (negative) {
    const rest: DimSet = negative instanceof IpSet ? IpSet.all().subtract(negative) : StringSet.all().subtract(negative);
    set = set ? intersectSets(set, rest) : rest;
  }
  if (!set) return new Map();
  // The peer identities the constraint admits, with the mesh's own workloads under either side's trust domain.
  if (dim === DIM.principal) set = asMeshIdentities(set as StringSet, ctx.identity);
  if ((dim === DIM.principal && !ctx.identityVisible) || (isJwtDim(dim) && ctx.jwtIssuers !== 'unknown' && ctx.jwtIssuers.length === 0)) {
    // An attribute nobody can carry is empty: the constraint is decided now, for every request.
    return (set as StringSet).has('') ? new Map() : undefined;
  }
  if (dim === DIM.requestPrincipal && ctx.jwtIssuers !== 'unknown') {
    // A request principal is `<iss>/<sub>` of a token a RequestAuthentication validated, or empty.
    set = intersectSets(set, validRequestPrincipals(ctx.jwtIssuers));
  }
  return set.isEmpty ? undefined : new Map([[dim, set]]);
}

const isJwtDim = (dim: string): boolean => dim === DIM.requestPrincipal || dim.startsWith('claim:');

/**
 * The request principal dimension holds `<iss>/<sub>`; Istio matches iss and sub as two claims
 * (requestPrincipalGenerator), and the model keeps them apart by taking the LAST `/` as the
 * separator: a `sub` never contains `/` here. (Istio itself splits a policy value at its last
 * `/`, so no exact value can name a sub with a `/` either.)
 */
const SUB = '[^/]';

function validRequestPrincipals(issuers: readonly string[]): StringSet {
  return issuers.reduce((acc, iss) => acc.union(StringSet.fromRegex(`${escapeRegex(iss)}\\/${SUB}*`, `iss:${iss}`)), StringSet.literal(''));
}

/**
 * requestPrincipalGenerator.extendedPrincipal (model/generator.go): the value is split at its LAST `/`
 * into iss and sub, each matched on its own JWT claim:
 *   "*"            iss .+          sub .+
 *   "*<iss>/<sub>" iss suffix      sub exact      ("*" as iss: .+)
 *   "*<sub>"       iss .+          sub suffix     (no `/`)
 *   "<iss>/<sub>*" iss exact       sub prefix     ("*" as sub: .+)
 *   "<iss>*"       iss prefix      sub .+         (no `/`)
 *   "<iss>/<sub>"  iss exact       sub exact;     "<iss>" alone: iss exact, sub exact ""
 * So "https://issuer.example.com*" is iss exact "https:/" and sub prefix "issuer.example.com": no token.
 */
export function requestPrincipalSet(value: string): StringSet {
  const idx = value.lastIndexOf('/');
  const found = idx >= 0;
  const iss = found ? value.slice(0, idx) : value;
  const sub = found ? value.slice(idx + 1) : '';
  const ANY_ISS = '[^]+';
  const ANY_SUB = `${SUB}+`;
  let i: string;
  let s: string;
  if (value === '*') [i, s] = [ANY_ISS, ANY_SUB];
  else if (value.startsWith('*')) {
    if (found) [i, s] = [iss === '*' ? ANY_ISS : `[^]*${escapeRegex(iss.slice(1))}`, escapeRegex(sub)];
    else [i, s] = [ANY_ISS, `${SUB}*${escapeRegex(value.slice(1))}`];
  } else if (value.endsWith('*')) {
    if (found) [i, s] = [escapeRegex(iss), sub === '*' ? ANY_SUB : `${escapeRegex(sub.slice(0, -1))}${SUB}*`];
    else [i, s] = [`${escapeRegex(value.slice(0, -1))}[^]*`, ANY_SUB];
  } else [i, s] = [escapeRegex(iss), escapeRegex(sub)];
  return StringSet.fromRegex(`(?:${i})\\/(?:${s})`, `rp:${value}`);
}

const requestPrincipals = (g: Gen, values: string[] | undefined) => extended(g, values, (vs) => (g.forTCP ? FAILED : unionOf(vs.map(requestPrincipalSet))));

/** `namespaces` match the principal, as Istio generates it (srcNamespaceGenerator): `.*\/ns\/<value, * as .*>\/.*`. */
const namespaceSet = (v: string) => StringSet.fromRegex(`[^]*\\/ns\\/${v.split('*').map(escapeRegex).join('[^]*')}\\/[^]*`, `ns:${v}`);

/**
 * `serviceAccounts` (srcServiceAccountGenerator, serviceAccountRegex): `<name>` or `<namespace>/<name>`,
 * a bare name meaning the POLICY's namespace; matched as `spiffe://.+/ns/<ns>/(.+/|)sa/<sa>(/.+)?`.
 */
export const serviceAccountSet = (policyNamespace: string, v: string): StringSet => {
  const cut = v.indexOf('/');
  const [ns, sa] = cut >= 0 ? [v.slice(0, cut), v.slice(cut + 1)] : [policyNamespace, v];
  return StringSet.fromRegex(`[^]+\\/ns\\/${escapeRegex(ns)}\\/(?:[^]+\\/|)sa\\/${escapeRegex(sa)}(?:\\/[^]+)?`, `sa:${ns}/${sa}`);
};

/**
 * `trustDomains` and the `source.trustDomain` condition (srcTrustDomainGenerator): the trust domain is
 * the principal up to its first `/`. "*" is any identity (prefix "spiffe://"); a value without `*` is
 * the prefix "<td>/"; otherwise the value is split at its FIRST `*` into `<a>[^/]*<b>/.*` (a later `*`
 * is literal).
 */
export const trustDomainSet = (v: string): StringSet => {
  if (v === '*') return StringSet.fromRegex('[^]+', 'td:*');
  const star = v.indexOf('*');
  const td = star < 0 ? escapeRegex(v) : `${escapeRegex(v.slice(0, star))}[^/]*${escapeRegex(v.slice(star + 1))}`;
  return StringSet.fromRegex(`${td}\\/[^]*`, `td:${v}`);
};

/**
 * `paths` (pathGenerator): a value containing `{*}` or `{**}` is an Envoy URI template
 * (matcher.PathTemplateMatcher, see StringSet.uriTemplate); any other value is Istio's
 * exact/prefix/suffix/presence string match. A template Envoy cannot parse matches no path
 * (Istio's CheckValidPathTemplate rejects most of them first).
 */
export const pathSet = (v: string): StringSet =>
  v.includes('{*}') || v.includes('{**}') ? (StringSet.uriTemplate(v) ?? StringSet.empty()) : StringSet.istioPattern(v);

/** convertToPort (model/util.go): strconv.ParseUint(v, 10, 32) and at most 65535, so "09090" is 9090. */
export function parsePort(v: string): number | undefined {
  if (!/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 65535 ? n : undefined;
}

/**
 * destPortGenerator, for `ports`/`notPorts` and the `destination.port` condition: the (target) port
 * of the connection, compared as a number. Not HTTP-only. A value convertToPort refuses fails.
 */
function ports(g: Gen, values: string[] | undefined, notValues: string[] | undefined): Partial {
  const asSet = (vs: number[]) => new Set(vs);
  const one = (v: string): Generated<number[]> => {
    const p = parsePort(v);
    return p === undefined ? FAILED : [p];
  };
  const yes = field(g, values, one, (xs) => xs.flat());
  const no = field(g, notValues, one, (xs) => xs.flat());
  const port = g.ctx.port;
  // "Other ports" (port null) match no listed port.
  if (yes && (port === null || !asSet(yes).has(port))) return undefined;
  if (no && port !== null && asSet(no).has(port)) return undefined;
  return new Map();
}

/** srcIPGenerator / remoteIPGenerator / destIPGenerator: AddrStrToCidrRange fails on a bad address. */
const ips = (g: Gen, values: string[] | undefined): IpSet | undefined =>
  field(
    g,
    values,
    (v) => IpSet.cidr(v) ?? FAILED,
    (xs) => xs.reduce((acc, x) => acc.union(x), IpSet.empty()),
  );

type Source = NonNullable<NonNullable<Rule['from']>[number]['source']>;
type Operation = NonNullable<NonNullable<Rule['to']>[number]['operation']>;

/**
 * Model.MigrateTrustDomain (builder.go runs it on every rule before generating): principal values
 * (`principals`, `source.principal`) through Bundle.ReplaceTrustDomainAliases, trust-domain values
 * (`trustDomains`, `source.trustDomain`) through Bundle.ExpandTrustDomainAliases. Only non-empty lists.
 */
const migratePrincipals = (g: Gen, values: string[] | undefined) =>
  values && values.length > 0 && g.ctx.identity ? replaceTrustDomainAliases(g.ctx.identity.bundle, values) : values;
const migrateTrustDomains = (g: Gen, values: string[] | undefined) =>
  values && values.length > 0 && g.ctx.identity ? expandTrustDomainAliases(g.ctx.identity.bundle, values) : values;

/** One `from` entry (model.New: insertFront of each generator); every field is generated, none skipped early. */
function source(s: Source, g: Gen): Partial {
  const ctx = g.ctx;
  return allOf([
    constraint(
      DIM.principal,
      l4(g, migratePrincipals(g, s.principals), StringSet.istioPattern),
      l4(g, migratePrincipals(g, s.notPrincipals), StringSet.istioPattern),
      ctx,
    ),
    constraint(DIM.principal, l4(g, s.namespaces, namespaceSet), l4(g, s.notNamespaces, namespaceSet), ctx),
    constraint(
      DIM.principal,
      l4(g, s.serviceAccounts, (v) => serviceAccountSet(g.namespace, v)),
      l4(g, s.notServiceAccounts, (v) => serviceAccountSet(g.namespace, v)),
      ctx,
    ),
    constraint(
      DIM.principal,
      l4(g, migrateTrustDomains(g, s.trustDomains), trustDomainSet),
      l4(g, migrateTrustDomains(g, s.notTrustDomains), trustDomainSet),
      ctx,
    ),
    constraint(DIM.sourceIp, ips(g, s.ipBlocks), ips(g, s.notIpBlocks), ctx),
    constraint(DIM.remoteIp, ips(g, s.remoteIpBlocks), ips(g, s.notRemoteIpBlocks), ctx),
    constraint(DIM.requestPrincipal, requestPrincipals(g, s.requestPrincipals), requestPrincipals(g, s.notRequestPrincipals), ctx),
  ]);
}

/** One `to` entry: ports (destPortGenerator), paths (pathGenerator), methods, hosts (case-insensitive). */
function operation(o: Operation, g: Gen): Partial {
  const ctx = g.ctx;
  return allOf([
    ports(g, o.ports, o.notPorts),
    constraint(DIM.path, http(g, o.paths, pathSet), http(g, o.notPaths, pathSet), ctx),
    constraint(DIM.method, http(g, o.methods, StringSet.istioPattern), http(g, o.notMethods, StringSet.istioPattern), ctx),
    constraint(
      DIM.host,
      http(g, o.hosts, (v) => StringSet.istioPattern(v.toLowerCase())),
      http(g, o.notHosts, (v) => StringSet.istioPattern(v.toLowerCase())),
      ctx,
    ),
  ]);
}

/** One `when` condition, by the generator model.New picks for its key. */
function condition(key: string, values: string[] | undefined, notValues: string[] | undefined, g: Gen): Partial {
  const ctx = g.ctx;
  if (key === 'destination.port') return ports(g, values, notValues);
  const ipDim = { 'source.ip': DIM.sourceIp, 'remote.ip': DIM.remoteIp, 'destination.ip': DIM.destinationIp }[key];
  if (ipDim) return constraint(ipDim, ips(g, values), ips(g, notValues), ctx);
  if (key === 'source.principal') {
    return constraint(
      DIM.principal,
      l4(g, migratePrincipals(g, values), StringSet.istioPattern),
      l4(g, migratePrincipals(g, notValues), StringSet.istioPattern),
      ctx,
    );
  }
  if (key === 'source.namespace') return constraint(DIM.principal, l4(g, values, namespaceSet), l4(g, notValues, namespaceSet), ctx);
  if (key === 'source.serviceAccount') {
    const sa = (v: string) => serviceAccountSet(g.namespace, v);
    return constraint(DIM.principal, l4(g, values, sa), l4(g, notValues, sa), ctx);
  }
  if (key === 'source.trustDomain') {
    return constraint(DIM.principal, l4(g, migrateTrustDomains(g, values), trustDomainSet), l4(g, migrateTrustDomains(g, notValues), trustDomainSet), ctx);
  }
  if (key === 'connection.sni') return constraint(DIM.sni, l4(g, values, StringSet.istioPattern), l4(g, notValues, StringSet.istioPattern), ctx);
  if (key === 'request.auth.principal') return constraint(DIM.requestPrincipal, requestPrincipals(g, values), requestPrincipals(g, notValues), ctx);
  if (key.startsWith('request.')) {
    // Headers (requestHeaderGenerator) and claims/audiences/presenter (extended generators): HTTP only.
    const dim = key.startsWith('request.headers[')
      ? `header:${key.slice('request.headers['.length, -1).toLowerCase()}`
      : `claim:${key.replace(/^request\.(experimental\.)?auth\./, '')}`;
    const set = (vs: string[]): Generated<StringSet> => (g.forTCP ? FAILED : unionOf(vs.map(StringSet.istioPattern)));
    return constraint(dim, extended(g, values, set), extended(g, notValues, set), ctx);
  }
  // experimental.* keys are opaque to the engine: a dimension of their own keeps them exact.
  return constraint(`attr:${key}`, l4(g, values, StringSet.istioPattern), l4(g, notValues, StringSet.istioPattern), ctx);
}
