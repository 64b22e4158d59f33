import type { Origin } from '../../policy/access.js';
import { StringSet, escapeRegex } from '../../policy/stringSet.js';

/**
 * Istio's trust-domain bundle (pilot/pkg/security/trustdomain/bundle.go): the mesh trust domain
 * first, then `meshConfig.trustDomainAliases`. builder.go applies it to every rule
 * (Model.MigrateTrustDomain, authz/model/model.go): `principals`/`notPrincipals` and the
 * `source.principal` condition go through ReplaceTrustDomainAliases, `trustDomains`/
 * `notTrustDomains` and `source.trustDomain` through ExpandTrustDomainAliases. `namespaces` and
 * `serviceAccounts` are not touched: their generators (srcNamespaceGenerator, serviceAccountRegex)
 * match any trust domain already.
 */
export interface TrustDomainBundle {
  trustDomains: readonly string[];
}

/** constants.DefaultClusterLocalDomain: in a policy it points at the local trust domain and its aliases. */
export const CLUSTER_LOCAL = 'cluster.local';

export const newBundle = (trustDomain: string, aliases: readonly string[] = []): TrustDomainBundle => ({ trustDomains: [trustDomain, ...aliases] });

/** trustdomain/util.go prefixMatch: `pattern` ends with `*` and `a` starts with the rest. */
const prefixMatch = (a: string, pattern: string): boolean => pattern.endsWith('*') && a.startsWith(pattern.slice(0, -1));
/** trustdomain/util.go suffixMatch: `pattern` starts with `*` and `a` ends with the rest. */
const suffixMatch = (a: string, pattern: string): boolean => pattern.startsWith('*') && a.endsWith(pattern.slice(1));

/** trustdomain/util.go stringMatch: the pattern may be on either side. */
const stringMatch = (a: string, list: readonly string[]): boolean =>
  list.some((s) => a === s || s === '*' || prefixMatch(a, s) || prefixMatch(s, a) || suffixMatch(a, s) || suffixMatch(s, a));

/** isTrustDomainBeingEnforced: exactly 5 `/`-separated parts and a first part other than "*". */
const enforcedTrustDomain = (principal: string): string | undefined => {
  const parts = principal.split('/');
  return parts.length === 5 && parts[0] !== '*' ? parts[0] : undefined;
};

/** replaceTrustDomainInPrincipal (only called on 5-part principals). */
const withTrustDomain = (td: string, principal: string): string => `${td}/${principal.split('/').slice(1).join('/')}`;

/** Bundle.replaceTrustDomains: one principal per bundle entry; a `*`-prefixed trust domain is kept as written. */
function replaceTrustDomains(bundle: TrustDomainBundle, principal: string, fromPrincipal: string): string[] {
  const out: string[] = [];
  for (const td of bundle.trustDomains) {
    const next = suffixMatch(td, fromPrincipal) ? principal : withTrustDomain(td, principal);
    if (!out.includes(next)) out.push(next);
  }
  return out;
}

/**
 * Bundle.ReplaceTrustDomainAliases: a principal whose trust domain is enforced and matches the
 * bundle (stringMatch, so `*` patterns on either side count) or is "cluster.local" becomes the same
 * principal under every trust domain of the bundle; any other principal is kept as written.
 */
export function replaceTrustDomainAliases(bundle: TrustDomainBundle, principals: readonly string[]): string[] {
  const out: string[] = [];
  for (const principal of principals) {
    const td = enforcedTrustDomain(principal);
    if (td !== undefined && (stringMatch(td, bundle.trustDomains) || td === CLUSTER_LOCAL)) out.push(...replaceTrustDomains(bundle, principal, td));
    else out.push(principal);
  }
  return out;
}

/** Bundle.ExpandTrustDomainAliases: a value equal to a bundle entry stands for the whole bundle. */
export function expandTrustDomainAliases(bundle: TrustDomainBundle, values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) out.push(...(bundle.trustDomains.includes(v) ? bundle.trustDomains : [v]));
  return [...new Set(out)];
}

/**
 * The identities a policy is compared on. A workload of the mesh presents its side's trust
 * domain; when a change moves the mesh from one trust domain to another, the same workload is
 * `old.td/ns/a/sa/b` before and `new.td/ns/a/sa/b` after. So that both sides speak of the same
 * peers, an identity under ANY of `meshTrustDomains` (the mesh trust domain of each side of the
 * review) stands for the mesh's own workload and is decided as that workload is: as
 * `<local>/...`. Other identities (foreign trust domains, aliases of other meshes) are themselves.
 */
export interface IdentityScope {
  bundle: TrustDomainBundle;
  /** The mesh trust domains of both sides; this side's is `bundle.trustDomains[0]`. */
  meshTrustDomains: readonly string[];
  /** The mesh config field that changed the identities between the sides (trust domain, else aliases), if any. */
  origin?: Origin | undefined;
}

/**
 * The identities a principal set admits under `scope`: the preimage of `set` under
 * `x/rest -> <local>/rest` (x in meshTrustDomains). A preimage commutes with union,
 * intersection and complement, so it may be applied to any constraint on the principal.
 */
export function asMeshIdentities(set: StringSet, scope: IdentityScope | undefined): StringSet {
  if (!scope) return set;
  const local = scope.bundle.trustDomains[0]!;
  const others = scope.meshTrustDomains.filter((td) => td !== local);
  if (others.length === 0) return set;
  const mesh = [local, ...others];
  const underMesh = StringSet.unionAll(mesh.map((td) => StringSet.fromRegex(`${escapeRegex(td)}\\/[^]*`, `td-prefix:${td}`)));
  return StringSet.unionAll([set.subtract(underMesh), ...mesh.map((td) => set.replacePrefix(`${local}/`, `${td}/`))]);
}
