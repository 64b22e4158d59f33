import type { AccessPolicy } from './access.js';
import { valueAt } from './refineAnchor.js';
import { DIM } from './requestSpace.js';

/**
 * Witness values a reviewer believes. A witness is any member of a region of
 * requests; the set algebra's own pick (the shortest member) is correct but reads
 * as a bug: Istio matches any method string, so `a` or `GCT` are methods to it,
 * and `/a` is a path. Each dimension therefore tries an ordered list of plausible
 * values first and takes the first that lies in the region (StringSet.sample),
 * falling back to the shortest member. Deterministic: the lists depend only on
 * the policies and the repository.
 */

/**
 * HTTP methods as registered (IANA HTTP Method Registry, RFC 9110 section 9 first,
 * then PATCH, then WebDAV's RFC 4918 and its extensions), in the order people meet them.
 */
export const REGISTERED_METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'CONNECT',
  'TRACE',
  'QUERY',
  'SEARCH',
  'REPORT',
  'MKCALENDAR',
  'ACL',
  'BIND',
  'UNBIND',
  'REBIND',
  'CHECKIN',
  'CHECKOUT',
  'UNCHECKOUT',
  'VERSION-CONTROL',
  'MKWORKSPACE',
  'MKACTIVITY',
  'MERGE',
  'UPDATE',
  'LABEL',
  'BASELINE-CONTROL',
  'ORDERPATCH',
  'LINK',
  'UNLINK',
  'MKREDIRECTREF',
  'UPDATEREDIRECTREF',
] as const;

/**
 * The rule fields (Istio AuthorizationPolicy `from.source`, `to.operation`) whose
 * values are strings of a dimension. Clause origins point at the rule they came from.
 */
const FIELD_DIM: Readonly<Record<string, string>> = {
  principals: DIM.principal,
  notPrincipals: DIM.principal,
  requestPrincipals: DIM.requestPrincipal,
  notRequestPrincipals: DIM.requestPrincipal,
  hosts: DIM.host,
  notHosts: DIM.host,
  methods: DIM.method,
  notMethods: DIM.method,
  paths: DIM.path,
  notPaths: DIM.path,
};

/** The dimension a `when` condition key constrains, for the keys whose values are worth echoing. */
function conditionDim(key: string): string | undefined {
  if (key.startsWith('request.headers[') && key.endsWith(']')) return `header:${key.slice('request.headers['.length, -1).toLowerCase()}`;
  if (key === 'request.auth.principal') return DIM.requestPrincipal;
  if (key === 'source.principal') return DIM.principal;
  if (key === 'connection.sni') return DIM.sni;
  if (/^request\.(experimental\.)?auth\./.test(key)) return `claim:${key.replace(/^request\.(experimental\.)?auth\./, '')}`;
  return undefined;
}

/** Literal values per dimension a policy can hold a great many of (a hostile one, thousands): a few read best. */
const MAX_LITERALS = 50;

/** The string values the rules behind both sides' clauses name, per dimension, in rule order, each once. */
export function ruleLiterals(policies: readonly AccessPolicy[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (dim: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const list = out.get(dim) ?? [];
    if (list.length >= MAX_LITERALS || list.includes(value)) return;
    list.push(value);
    out.set(dim, list);
  };
  const seen = new Set<unknown>();
  for (const p of policies) {
    for (const c of [...(p.allow ?? []), ...p.deny, ...p.custom]) {
      const rule = valueAt(c.origin.resource.body, c.origin.path);
      if (seen.has(rule) || rule === null || typeof rule !== 'object') continue;
      seen.add(rule);
      const r = rule as { from?: unknown; to?: unknown; when?: unknown };
      for (const part of [
        ...list(r.from).map((f) => (f as { source?: unknown })?.source),
        ...list(r.to).map((t) => (t as { operation?: unknown })?.operation),
      ]) {
        if (part === null || typeof part !== 'object') continue;
        for (const [field, values] of Object.entries(part)) {
          const dim = FIELD_DIM[field];
          if (dim) for (const v of list(values)) add(dim, v);
        }
      }
      for (const cond of list(r.when)) {
        const { key, values, notValues } = (cond ?? {}) as { key?: unknown; values?: unknown; notValues?: unknown };
        const dim = typeof key === 'string' ? conditionDim(key) : undefined;
        if (dim) for (const v of [...list(values), ...list(notValues)]) add(dim, v);
      }
    }
  }
  return out;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Values that look like a policy's own value `pattern` (Istio's string match: exact,
 * `prefix*`, `*suffix`, `*`; paths may also be URI templates with `{*}`/`{**}`): the
 * value itself, or the prefix or suffix extended the way such values usually go on.
 */
export function lookalikes(dim: string, pattern: string): string[] {
  if (pattern === '*' || pattern === '') return [];
  if (dim === DIM.path && pattern.includes('{')) return [pattern.replaceAll('{**}', 'x').replaceAll('{*}', 'x')];
  if (pattern.endsWith('*')) {
    const p = pattern.slice(0, -1);
    // `/*` is every path: `/` says so best.
    if (dim === DIM.path) return p === '/' ? [p] : p.endsWith('/') ? [`${p}x`, p] : [`${p}/x`, p, `${p}x`];
    if (dim === DIM.host) return p.endsWith('.') ? [`${p}example.com`, `${p}com`] : [p, `${p}.example.com`];
    if (dim === DIM.principal) return /\/ns\/[^/]+\/$/.test(p) ? [`${p}sa/default`] : p.endsWith('/') ? [`${p}default`, p] : [p, `${p}x`];
    if (dim === DIM.requestPrincipal) return p.endsWith('/') ? [`${p}user`, p] : [p, `${p}/user`];
    return [p, `${p}x`];
  }
  if (pattern.startsWith('*')) {
    const s = pattern.slice(1);
    if (dim === DIM.path) return s.startsWith('/') ? [s, `/x${s}`] : [`/x${s}`];
    if (dim === DIM.host) return s.startsWith('.') ? [`www${s}`, `api${s}`] : [s, `x${s}`];
    if (dim === DIM.principal) return s.startsWith('/') ? [`cluster.local${s}`] : [s, `x${s}`];
    if (dim === DIM.requestPrincipal) return s.startsWith('/') ? [`https://issuer.example.com${s}`] : [s, `x${s}`];
    return [s, `x${s}`];
  }
  return [pattern];
}

/**
 * The ordered candidates of one dimension for a pair of policies: registered
 * methods first (then the policies' own, which may be custom); the policies' own
 * values and look-alikes of them for paths, hosts, headers and claims, then the
 * mesh's generic ones; for principals the mesh's list (the repository's own
 * identities first), the policies' look-alikes, and the non-mesh caller ("") last.
 */
export function witnessCandidates(dim: string, literals: ReadonlyMap<string, readonly string[]>, base: readonly string[]): string[] {
  const own = (literals.get(dim) ?? []).flatMap((v) => lookalikes(dim, v));
  let ordered: string[];
  if (dim === DIM.method) ordered = [...REGISTERED_METHODS, ...own, ...base];
  else if (dim === DIM.principal) ordered = [...base.filter((b) => b !== ''), ...own, ...(base.includes('') ? [''] : [])];
  else ordered = [...own, ...base];
  return [...new Set(ordered)];
}

/** `DiffOptions.candidates` for one pair of policies: their own values, computed once per dimension. */
export function candidatesFor(policies: readonly AccessPolicy[], base: (dim: string) => readonly string[]): (dim: string) => readonly string[] {
  let literals: Map<string, string[]> | undefined;
  const cache = new Map<string, readonly string[]>();
  return (dim) => {
    const hit = cache.get(dim);
    if (hit) return hit;
    literals ??= ruleLiterals(policies);
    const out = witnessCandidates(dim, literals, base(dim));
    cache.set(dim, out);
    return out;
  };
}
