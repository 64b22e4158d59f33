import type { Workload } from '../../inventory/inventory.js';
import { matchesLabels } from '../../inventory/inventory.js';
import type { FieldPath } from '../../manifests/resource.js';
import { makeClause, type AccessPolicy, type Clause, type Origin } from '../../policy/access.js';
import { IpSet } from '../../policy/ipSet.js';
import { DIM, intersectCubes, intersectSets, type Cube, type DimSet } from '../../policy/requestSpace.js';
import { escapeRegex, StringSet } from '../../policy/stringSet.js';
import type { Typed } from './istioResources.js';
import type { AuthorizationPolicySpec, Rule } from './schemas.js';

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
  (ap.spec.rules ?? []).forEach((rule, i) => {
    const origin: Origin = { resource: ap.resource, path: ['spec', 'rules', i] };
    // The rule itself is the origin: the diff narrows it to the field that changed.
    for (const cube of compileRule(rule, action, ctx, origin.path)) clauses.push(makeClause(action, cube, origin));
  });
  return clauses;
}

type Partial = Cube | undefined; // undefined = matches nothing

/** rule = (OR of from) AND (OR of to) AND (all when): expanded into cubes. */
function compileRule(rule: Rule, action: string, ctx: CompileContext, _path: FieldPath): Cube[] {
  const whenCube = (rule.when ?? []).reduce<Partial>((acc, c) => and(acc, condition(c.key, c.values, c.notValues, action, ctx)), new Map());
  if (!whenCube) return [];
  const froms: Partial[] = rule.from ? rule.from.map((f) => source(f.source ?? {}, action, ctx)) : [new Map()];
  const tos: Partial[] = rule.to ? rule.to.map((t) => operation(t.operation ?? {}, action, ctx)) : [new Map()];
  const cubes: Cube[] = [];
  for (const f of froms) for (const t of tos) {
    const c = and(and(whenCube, f), t);
    if (c) cubes.push(c);
  }
  return cubes;
}

const and = (a: Partial, b: Partial): Partial => (a && b ? intersectCubes(a, b) : undefined);

/** HTTP-only attributes on a non-HTTP port: an ALLOW entry using them never matches; a DENY ignores them. */
function l7(action: string, ctx: CompileContext): 'use' | 'ignore' | 'never' {
  if (ctx.protocol === 'http' && !ctx.ambient) return 'use';
  return action === 'ALLOW' ? 'never' : 'ignore';
}

function constraint(dim: string, positive: StringSet | IpSet | undefined, negative: StringSet | IpSet | undefined, ctx: CompileContext): Partial {
  let set: DimSet | undefined = positive;
  if (negative) {
    const rest: DimSet = negative instanceof IpSet ? IpSet.all().subtract(negative) : StringSet.all().subtract(negative);
    set = set ? intersectSets(set, rest) : rest;
  }
  if (!set) return new Map();
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

function validRequestPrincipals(issuers: readonly string[]): StringSet {
  return issuers.reduce((acc, iss) => acc.union(StringSet.fromRegex(`${escapeRegex(iss)}\\/[^]*`, `iss:${iss}`)), StringSet.literal(''));
}

const unionOf = (sets: StringSet[]): StringSet | undefined => sets.reduce<StringSet | undefined>((acc, s) => (acc ? acc.union(s) : s), undefined);

const patterns = (values: string[] | undefined, lower = false) =>
  values && values.length > 0 ? unionOf(values.map((v) => StringSet.istioPattern(lower ? v.toLowerCase() : v))) : undefined;

/** `namespaces` match the principal, as Istio generates it: `.*\/ns\/<value, * as .*>\/.*`. */
const namespacesSet = (values: string[] | undefined) =>
  values && values.length > 0
    ? unionOf(values.map((v) => StringSet.fromRegex(`[^]*\\/ns\\/${v.split('*').map(escapeRegex).join('[^]*')}\\/[^]*`, `ns:${v}`)))
    : undefined;

/** `serviceAccounts` are `<namespace>/<name>`: the principal's tail. */
const serviceAccountsSet = (values: string[] | undefined) =>
  values && values.length > 0
    ? unionOf(values.map((v) => {
        const [ns, sa] = v.includes('/') ? v.split('/', 2) : ['', v];
        return StringSet.fromRegex(`[^/]+\\/ns\\/${escapeRegex(ns ?? '')}\\/sa\\/${escapeRegex(sa ?? '')}`, `sa:${v}`);
      }))
    : undefined;

/** `trustDomains` match the principal's first segment, with Istio's exact/prefix/suffix/presence forms. */
const trustDomainsSet = (values: string[] | undefined) =>
  values && values.length > 0
    ? unionOf(values.map((v) => {
        const td = v === '*' ? '[^/]+' : v.endsWith('*') ? `${escapeRegex(v.slice(0, -1))}[^/]*` : v.startsWith('*') ? `[^/]*${escapeRegex(v.slice(1))}` : escapeRegex(v);
        return StringSet.fromRegex(`${td}\\/[^]*`, `td:${v}`);
      }))
    : undefined;

const ips = (values: string[] | undefined): IpSet | undefined =>
  values && values.length > 0 ? values.reduce((acc, v) => acc.union(IpSet.cidr(v) ?? IpSet.empty()), IpSet.empty()) : undefined;

function source(s: NonNullable<NonNullable<Rule['from']>[number]['source']>, action: string, ctx: CompileContext): Partial {
  let acc: Partial = new Map();
  acc = and(acc, constraint(DIM.principal, patterns(s.principals), patterns(s.notPrincipals), ctx));
  acc = and(acc, constraint(DIM.principal, namespacesSet(s.namespaces), namespacesSet(s.notNamespaces), ctx));
  acc = and(acc, constraint(DIM.principal, serviceAccountsSet(s.serviceAccounts), serviceAccountsSet(s.notServiceAccounts), ctx));
  acc = and(acc, constraint(DIM.principal, trustDomainsSet(s.trustDomains), trustDomainsSet(s.notTrustDomains), ctx));
  acc = and(acc, constraint(DIM.sourceIp, ips(s.ipBlocks), ips(s.notIpBlocks), ctx));
  acc = and(acc, constraint(DIM.remoteIp, ips(s.remoteIpBlocks), ips(s.notRemoteIpBlocks), ctx));
  if (s.requestPrincipals || s.notRequestPrincipals) {
    const mode = l7(action, ctx);
    if (mode === 'never') return undefined;
    if (mode === 'use') acc = and(acc, constraint(DIM.requestPrincipal, patterns(s.requestPrincipals), patterns(s.notRequestPrincipals), ctx));
  }
  return acc;
}

function operation(o: NonNullable<NonNullable<Rule['to']>[number]['operation']>, action: string, ctx: CompileContext): Partial {
  const port = ctx.port === null ? undefined : String(ctx.port);
  // Ports are exact strings of the workload (target) port; "other ports" match no listed port.
  if (o.ports && o.ports.length > 0 && (port === undefined || !o.ports.includes(port))) return undefined;
  if (o.notPorts && port !== undefined && o.notPorts.includes(port)) return undefined;
  let acc: Partial = new Map();
  const http = o.hosts || o.notHosts || o.methods || o.notMethods || o.paths || o.notPaths;
  if (http) {
    const mode = l7(action, ctx);
    if (mode === 'never') return undefined;
    if (mode === 'use') {
      acc = and(acc, constraint(DIM.host, patterns(o.hosts, true), patterns(o.notHosts, true), ctx));
      acc = and(acc, constraint(DIM.method, patterns(o.methods), patterns(o.notMethods), ctx));
      acc = and(acc, constraint(DIM.path, patterns(o.paths), patterns(o.notPaths), ctx));
    }
  }
  return acc;
}

function condition(key: string, values: string[] | undefined, notValues: string[] | undefined, action: string, ctx: CompileContext): Partial {
  if (key === 'destination.port') {
    const port = ctx.port === null ? undefined : String(ctx.port);
    if (values && values.length > 0 && (port === undefined || !values.includes(port))) return undefined;
    if (notValues && port !== undefined && notValues.includes(port)) return undefined;
    return new Map();
  }
  const ipDim = { 'source.ip': DIM.sourceIp, 'remote.ip': DIM.remoteIp, 'destination.ip': DIM.destinationIp }[key];
  if (ipDim) return constraint(ipDim, ips(values), ips(notValues), ctx);
  if (key === 'source.principal') return constraint(DIM.principal, patterns(values), patterns(notValues), ctx);
  if (key === 'source.namespace') return constraint(DIM.principal, namespacesSet(values), namespacesSet(notValues), ctx);
  if (key === 'source.serviceAccount') return constraint(DIM.principal, serviceAccountsSet(values), serviceAccountsSet(notValues), ctx);
  if (key === 'connection.sni') return constraint(DIM.sni, patterns(values), patterns(notValues), ctx);
  if (key.startsWith('request.')) {
    const mode = l7(action, ctx);
    if (mode === 'never') return undefined;
    if (mode === 'ignore') return new Map();
    const dim =
      key === 'request.auth.principal'
        ? DIM.requestPrincipal
        : key.startsWith('request.headers[')
          ? `header:${key.slice('request.headers['.length, -1).toLowerCase()}`
          : `claim:${key.replace(/^request\.(experimental\.)?auth\./, '')}`;
    return constraint(dim, patterns(values), patterns(notValues), ctx);
  }
  // experimental.* keys are opaque to the engine: a dimension of their own keeps them exact.
  return constraint(`attr:${key}`, patterns(values), patterns(notValues), ctx);
}
