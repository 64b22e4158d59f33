import type { Origin } from '../../policy/access.js';
import { escapeRegex, StringSet } from '../../policy/stringSet.js';

/**
 * Kubernetes' DNS suffix for Services. Istio calls it the domain suffix; it is
 * not the trust domain, which may differ, so it is not taken from MeshSettings.
 */
export const CLUSTER_DOMAIN = 'cluster.local';

export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`.toLowerCase();
}

/** DNS names are case-insensitive and a trailing dot is the same name. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase();
  return h.length > 1 && h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * Istio's `ResolveShortnameToFQDN`: a name without a dot is a Service in the
 * given namespace. Anything with a dot is taken as written (`reviews.prod` is
 * not expanded by Istio either, and then names no Kubernetes Service).
 */
export function resolveShortName(host: string, namespace: string): string {
  const h = normalizeHost(host);
  if (h === '' || h === '*' || h.includes('.') || isIpAddress(h)) return h;
  return serviceFqdn(h, namespace);
}

function isIpAddress(h: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');
}

/**
 * The hostnames a host pattern covers: `*` any, `*.example.com` any name
 * below example.com (one label or more, never example.com itself), else the
 * exact name. Istio, the Gateway API and Sidecar egress all read them so.
 */
export function hostSet(pattern: string): StringSet {
  const p = normalizeHost(pattern);
  if (!plausible(p)) return StringSet.empty();
  return p === '*' ? StringSet.all() : StringSet.fromRegex(hostRegex(p), `host:${p}`);
}

/**
 * DNS names end at 253 characters and Istio rejects longer ones; dropping
 * them also keeps a hostile manifest from building an automaton past refa's limits.
 */
const plausible = (p: string): boolean => p.length > 0 && p.length <= 253;

function hostRegex(p: string): string {
  if (!p.startsWith('*')) return escapeRegex(p);
  const suffix = p.slice(1);
  return `${suffix.startsWith('.') ? '[^]+' : '[^]*'}${escapeRegex(suffix)}`;
}

/** Pattern text per regex: refa's parser refuses more than 10,000 nodes (about one per character). */
const CHUNK_CHARS = 8000;

/**
 * One set for many patterns, built as few automata as possible: folding
 * `union` over hundreds of ServiceEntry hosts builds (and caches) every
 * intermediate set. Wildcards share one leading loop, because an automaton
 * with a loop per wildcard determinises into a product of all of them.
 */
export function unionHosts(patterns: readonly string[]): StringSet {
  const ps = [...new Set(patterns.map(normalizeHost))].filter(plausible).sort();
  if (ps.includes('*')) return StringSet.all();
  if (ps.length <= 1) return ps[0] === undefined ? StringSet.empty() : hostSet(ps[0]);
  const chunks: string[][] = [[]];
  let size = 0;
  for (const p of ps) {
    if (size + p.length > CHUNK_CHARS && chunks[chunks.length - 1]!.length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1]!.push(p);
    size += p.length + 4;
  }
  return chunks.map(chunkSet).reduce((acc, set) => acc.union(set));
}

function chunkSet(ps: string[]): StringSet {
  const exact = ps.filter((p) => !p.startsWith('*')).map(escapeRegex);
  const below = ps.filter((p) => p.startsWith('*.')).map((p) => escapeRegex(p.slice(1)));
  const ending = ps.filter((p) => p.startsWith('*') && !p.startsWith('*.')).map((p) => escapeRegex(p.slice(1)));
  const parts: string[] = [];
  if (exact.length > 0) parts.push(`(?:${exact.join('|')})`);
  if (below.length > 0) parts.push(`[^]+(?:${below.join('|')})`);
  if (ending.length > 0) parts.push(`[^]*(?:${ending.join('|')})`);
  return StringSet.fromRegex(parts.join('|'), `hosts:${ps.join(',')}`);
}

/** Whether a concrete hostname falls under a pattern, without building automata. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (p === '*') return true;
  if (p.startsWith('*')) {
    const suffix = p.slice(1);
    return h.endsWith(suffix) && (h.length > suffix.length || !suffix.startsWith('.'));
  }
  return p === h;
}

/** Higher is more specific: an exact name beats every wildcard, a longer suffix beats a shorter one. */
export function hostSpecificity(pattern: string): number {
  const p = normalizeHost(pattern);
  return p.startsWith('*') ? p.length - 1 : Number.MAX_SAFE_INTEGER;
}

/**
 * `ns/host` as Sidecar egress and Gateway server hosts write it. A missing
 * namespace part means any namespace (Gateway servers allow that; Sidecar
 * validation does not, so reading it as `*` only matters for invalid input).
 */
export function splitNamespacedHost(entry: string): { namespace: string; host: string } {
  const i = entry.indexOf('/');
  if (i < 0) return { namespace: '*', host: normalizeHost(entry) };
  return { namespace: entry.slice(0, i).trim(), host: normalizeHost(entry.slice(i + 1)) };
}

/**
 * Whether an `ns/` qualifier admits a namespace. `.` is the namespace the
 * entry is read for (for a mesh-wide Sidecar that is the workload's, since
 * Istio converts the root Sidecar per namespace); `~` admits none.
 */
export function namespaceAdmits(qualifier: string, namespace: string, dotNamespace: string): boolean {
  if (qualifier === '*') return true;
  if (qualifier === '~') return false;
  if (qualifier === '.') return namespace === dotNamespace;
  return qualifier === namespace;
}

/**
 * `exportTo` visibility (DestinationRule, ServiceEntry, VirtualService): unset
 * means everywhere (MeshConfig's default*ExportTo can change that, but it is not
 * read), `~` nowhere, `.` the object's own namespace.
 */
export function exportedTo(exportTo: readonly string[] | undefined, ownNamespace: string, clientNamespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  if (exportTo.includes('~')) return false;
  if (exportTo.includes('*')) return true;
  if (exportTo.includes('.') && ownNamespace === clientNamespace) return true;
  return exportTo.includes(clientNamespace);
}

/**
 * One contribution to a host set, kept so a finding about one host can point
 * at the line that added it. A predicate, not a set: most are never asked.
 */
export interface HostEntry {
  covers(host: string): boolean;
  origin: Origin;
  /** The entry that let this one through for `host`, when another resource filters it (a Sidecar's egress import). */
  via?: (host: string) => Origin | undefined;
}

/** What let the first entry that covers `host` through, if something filters it. */
export function viaForHost(entries: readonly HostEntry[], host: string): Origin | undefined {
  return entries.find((e) => e.covers(host))?.via?.(host);
}

/** The origin of the first entry that covers `host`, else `fallback`. */
export function originForHost(entries: readonly HostEntry[], host: string, fallback: Origin | undefined): Origin | undefined {
  return entries.find((e) => e.covers(host))?.origin ?? fallback;
}
