import { servicesOf, type Inventory, type ServicePort, type Workload } from '../../inventory/inventory.js';
import type { FieldPath } from '../../manifests/resource.js';
import type { Origin } from '../../policy/access.js';
import type { TransportMode } from '../../policy/transport.js';
import type { ClientPath, WorkloadView } from '../../policy/meshSide.js';
import { CLUSTER_DOMAIN, exportedTo, hostMatches, hostSpecificity, normalizeHost, resolveShortName, serviceFqdn } from './hosts.js';
import type { IstioResources, Typed } from './istioResources.js';
import type { MeshSettings } from './meshConfig.js';
import type { DestinationRuleSpec } from './schemas.js';

type DR = Typed<DestinationRuleSpec>;
type Sends = ClientPath['sends'];

/** Weakest first: when the repository cannot say which of several settings wins, the weakest is reported. */
const SENDS_RANK: Record<Sends, number> = { plaintext: 0, tls: 1, mtls: 2 };

/** The namespace of "clients in any other namespace": no real namespace is named "". */
const OTHER = '';

interface Rule {
  dr: DR;
  /** `spec.host` resolved the way Istio resolves it (short names relative to the rule's namespace). */
  host: string;
  selector: Record<string, string> | undefined;
}

export interface Decision {
  sends: Sends;
  origin: Origin | undefined;
}

interface Target {
  host: string;
  namespace: string;
  servicePort: number;
  /** What auto-mTLS sends to this server port. */
  auto: Sends;
}

/**
 * What client sidecars send to every Service port of the given servers
 * (mesh-semantics 2.3). Clients are grouped into scopes that can differ:
 * `*` (any namespace without a rule of its own), each namespace whose lookup
 * picks something else, and each `workloadSelector` rule's clients. A scope
 * missing on one side means its clients get the wider scope's result there:
 * `ns[labels]` falls back to `ns`, and `ns` to `*`.
 */
/** The service a representative unseen server is reached by, on any port. */
const UNSEEN_SERVICE = 'any-service';
const UNSEEN_PORT: ServicePort = { port: 0, targetPort: 0, name: undefined, protocol: 'TCP', appProtocol: undefined, index: 0 };

export function computeClientPaths(
  inv: Inventory,
  res: IstioResources,
  settings: MeshSettings,
  servers: Map<string, WorkloadView>,
  serverMode: (serverKey: string, port: number | null) => TransportMode,
): Map<string, ClientPath> {
  const rules = res.destinationRules.map(toRule);
  const byNamespace = groupBy(rules, (r) => r.dr.namespace);
  const servicesByNamespace = groupBy(inv.services, (s) => s.namespace);
  // Exact hosts are looked up, only wildcard hosts are matched: linear in the repository, not quadratic.
  const exactRules = groupBy(
    rules.filter((r) => !r.host.includes('*')),
    (r) => r.host,
  );
  const wildcardRules = rules.filter((r) => r.host.includes('*'));
  const out = new Map<string, ClientPath>();

  for (const [serverKey, view] of servers) {
    const w = view.workload;
    const own = servicesOf(inv, w);
    // Any pod of a namespace the repository deploys nothing into (selectors.ts: a DestinationRule names
    // its hosts) is reached through a service the repository does not show: one representative host.
    const unseen = w.potential && Object.keys(w.labels).length === 0 && (servicesByNamespace.get(w.namespace) ?? []).length === 0;
    // An exact host a rule names is a service of its own: `reviews` is not matched by `any-service`.
    const named = unseen ? [...exactRules.keys()].filter((h) => h.endsWith(`.${w.namespace}.svc.${CLUSTER_DOMAIN}`)).map((h) => h.split('.')[0]!) : [];
    const services = unseen ? [UNSEEN_SERVICE, ...named].map((name) => ({ name, namespace: w.namespace, ports: [UNSEEN_PORT] })) : own;
    for (const svc of services) {
      const host = serviceFqdn(svc.name, svc.namespace);
      const relevant = [...(exactRules.get(host) ?? []), ...wildcardRules.filter((r) => hostMatches(r.host, host))];
      for (const sp of svc.ports) {
        // Sidecars capture TCP only; UDP/SCTP never meet a DestinationRule.
        if (sp.protocol !== 'TCP') continue;
        const port = unseen ? null : targetPort(sp, w);
        // A named targetPort the pod does not declare gives the Service no endpoint on this pod.
        if (port === undefined) continue;
        const accepts = serverMode(serverKey, port);
        const auto: Sends = view.dataPlane.proxied && accepts !== 'PLAINTEXT' && accepts !== 'UNMANAGED' ? 'mtls' : 'plaintext';
        const target: Target = { host, namespace: svc.namespace, servicePort: sp.port, auto };
        for (const scope of scopesFor(target, relevant, byNamespace, settings.rootNamespace)) {
          const key = `${serverKey}:${port}:${scope.id}`;
          const path: ClientPath = {
            key,
            server: serverKey,
            workload: w,
            port,
            host,
            clients: scope.clients,
            sends: scope.decision.sends,
            serverAccepts: accepts,
            origin: scope.decision.origin,
          };
          // Two Services reaching one target port share the key; the weaker path is the one a reviewer needs.
          const seen = out.get(key);
          if (!seen || SENDS_RANK[path.sends] < SENDS_RANK[seen.sends]) out.set(key, path);
        }
      }
    }
  }
  return out;
}

/** A `workloadSelector` DestinationRule, as the scope of the clients it selects. */
export interface SelectorScope {
  id: string;
  namespace: string;
  clients: string;
  rule: unknown;
}

/** DestinationRule lookup for any service host, for analyses other than the in-mesh client paths. */
export interface ClientTlsLookup {
  /** Namespaces whose clients can see another rule than clients elsewhere: where rules live or are exported to. */
  namespaces: string[];
  selectorScopes: SelectorScope[];
  /**
   * What a client sidecar in `clientNs` (`''` for any namespace without rules of its own; with
   * `selected`, a client that selector rule selects) sends to `host` port `port`, a service whose
   * configuration lives in `hostNamespace`, when no rule says otherwise: `auto`.
   */
  decide(host: string, hostNamespace: string, port: number, auto: Sends, clientNs: string, selected?: unknown): Decision;
}

/**
 * The lookup of computeClientPaths for hosts it does not visit (ServiceEntry hosts). A wildcard
 * service host is matched as Istio matches it: a rule applies when its host covers the whole
 * pattern (`*.com` covers the service `*.example.com`; `www.example.com` does not), which is
 * what hostMatches gives when the service's `*` is read as a character. Istio's
 * MostSpecificHostMatch (pilot/pkg/model/config.go) does the same: a wildcarded service host is
 * compared only with wildcard rule hosts, by suffix.
 */
export function clientTlsLookup(res: IstioResources, root: string): ClientTlsLookup {
  const rules = res.destinationRules.map(toRule);
  const byNamespace = groupBy(rules, (r) => r.dr.namespace);
  const namespaces = new Set<string>([root]);
  for (const r of rules) {
    namespaces.add(r.dr.namespace);
    for (const ns of r.dr.spec.exportTo ?? []) if (!['*', '.', '~'].includes(ns)) namespaces.add(ns);
  }
  const selectorScopes = rules
    .filter((r) => r.selector)
    .map((r): SelectorScope => {
      const labels = labelText(r.selector!);
      return {
        id: `${r.dr.namespace}[${labels}]`,
        namespace: r.dr.namespace,
        clients: `clients in namespace ${r.dr.namespace} labelled ${labels || '(any)'}`,
        rule: r,
      };
    });
  return {
    namespaces: [...namespaces].sort(),
    selectorScopes,
    decide(host, hostNamespace, port, auto, clientNs, selected) {
      const target: Target = { host: normalizeHost(host), namespace: hostNamespace, servicePort: port, auto };
      return decide(target, findRules(target, clientNs, selected as Rule | undefined, byNamespace, root));
    },
  };
}

interface Scope {
  id: string;
  clients: string;
  decision: Decision;
}

function scopesFor(target: Target, relevant: Rule[], byNamespace: Map<string, Rule[]>, root: string): Scope[] {
  const lookup = (clientNs: string, selected?: Rule) => decide(target, findRules(target, clientNs, selected, byNamespace, root));
  const fallback = lookup(OTHER);
  // Only namespaces a relevant rule lives in or names can see something other than the fallback.
  const candidates = new Set<string>([target.namespace, root]);
  for (const r of relevant) {
    candidates.add(r.dr.namespace);
    for (const ns of r.dr.spec.exportTo ?? []) if (!['*', '.', '~'].includes(ns)) candidates.add(ns);
  }
  const scopes: Scope[] = [];
  const namespaceDecision = new Map<string, Decision>();
  for (const ns of [...candidates].sort()) {
    const d = lookup(ns);
    namespaceDecision.set(ns, d);
    if (!sameDecision(d, fallback)) scopes.push({ id: ns, clients: `clients in namespace ${ns}`, decision: d });
  }
  for (const r of relevant) {
    if (!r.selector) continue;
    const ns = r.dr.namespace;
    const d = lookup(ns, r);
    if (sameDecision(d, namespaceDecision.get(ns) ?? fallback)) continue;
    const labels = labelText(r.selector);
    scopes.push({ id: `${ns}[${labels}]`, clients: `clients in namespace ${ns} labelled ${labels || '(any)'}`, decision: d });
  }
  scopes.push({ id: '*', clients: scopes.length > 0 ? 'clients in any other namespace' : 'clients in any namespace', decision: fallback });
  return scopes;
}

/**
 * Istio's lookup (`PushContext.destinationRule` and `SidecarScope.DestinationRule`):
 * the client's namespace, then the Service's, then the root namespace; at
 * each step the most specific host wins before visibility is checked, so a
 * more specific rule that is not exported hides a less specific one that is.
 * Returns the rules that compete for the client (usually one), [] for none.
 */
function findRules(target: Target, clientNs: string, selected: Rule | undefined, byNamespace: Map<string, Rule[]>, root: string): Rule[] {
  if (clientNs !== OTHER) {
    const own = (byNamespace.get(clientNs) ?? []).filter((r) =>
      // Root-namespace clients read only the root's private rules first; its exported ones come last, as for everyone.
      clientNs === root ? privateOnly(r) : r.selector !== undefined || exportedTo(r.dr.spec.exportTo, r.dr.namespace, clientNs),
    );
    const group = mostSpecific(own, target.host);
    if (group.length > 0) {
      if (selected && group.includes(selected)) return [selected];
      // A selector rule that wins on host but does not select this client leaves it with no rule at all:
      // Istio does not fall through to the next namespace (SidecarScope.DestinationRule returns nil).
      return group.filter((r) => !r.selector);
    }
  }
  for (const ns of target.namespace === root ? [root] : [target.namespace, root]) {
    // Selector rules are never exported (Istio forces them private).
    const exported = (byNamespace.get(ns) ?? []).filter((r) => !r.selector && !privateOnly(r));
    const group = mostSpecific(exported, target.host);
    // Istio merges same-host rules before checking exportTo, so one visible member brings the whole group.
    if (group.some((r) => exportedTo(r.dr.spec.exportTo, r.dr.namespace, clientNs))) return group;
  }
  return [];
}

function privateOnly(r: Rule): boolean {
  if (r.selector) return true;
  const e = r.dr.spec.exportTo ?? [];
  return e.length === 1 && (e[0] === '.' || e[0] === r.dr.namespace);
}

function mostSpecific(rules: Rule[], host: string): Rule[] {
  let best = -1;
  let group: Rule[] = [];
  for (const r of rules) {
    if (!hostMatches(r.host, host)) continue;
    const s = hostSpecificity(r.host);
    if (s > best) {
      best = s;
      group = [r];
    } else if (s === best) group.push(r);
  }
  return group;
}

/**
 * Several rules for one host at one step are merged by Istio with the oldest
 * `trafficPolicy` winning; a repository has no creation times, so the weakest
 * outcome is taken (mesh-semantics 2.3, "uncertain").
 */
function decide(target: Target, rules: Rule[]): Decision {
  const autoDecision: Decision = { sends: target.auto, origin: undefined };
  return weakest(
    rules.map((r) => ruleDecision(r.dr, target)),
    autoDecision,
  );
}

/**
 * One rule's setting for one Service port. A `portLevelSettings` entry for the
 * port replaces the top-level policy wholesale (Istio does not inherit fields
 * into it), so an entry without `tls` means auto-mTLS even under a top-level
 * `tls`.
 */
function ruleDecision(dr: DR, target: Target): Decision {
  const tp = dr.spec.trafficPolicy;
  const base: FieldPath = ['spec', 'trafficPolicy'];
  if (tp) {
    const i = (tp.portLevelSettings ?? []).findIndex((p) => p.port?.number === target.servicePort);
    if (i >= 0) {
      const tls = tp.portLevelSettings![i]!.tls;
      if (tls) return fromTls(dr, tls.mode, [...base, 'portLevelSettings', i, 'tls']);
    } else if (tp.tls) return fromTls(dr, tp.tls.mode, [...base, 'tls']);
  }
  // Subset policies apply only to traffic a VirtualService routes to the subset, not to the
  // Service's default path. They are read only when the rest of the rule leaves TLS to
  // auto-mTLS, so that a rule whose only TLS setting sits in a subset is not overlooked;
  // the weakest of auto-mTLS and the subsets is taken because either may carry traffic.
  const auto: Decision = { sends: target.auto, origin: undefined };
  const subsets = (dr.spec.subsets ?? []).map((s, j): Decision => {
    const stp = s.trafficPolicy;
    const sbase: FieldPath = ['spec', 'subsets', j, 'trafficPolicy'];
    const k = (stp?.portLevelSettings ?? []).findIndex((p) => p.port?.number === target.servicePort);
    if (k >= 0) {
      const tls = stp!.portLevelSettings![k]!.tls;
      return tls ? fromTls(dr, tls.mode, [...sbase, 'portLevelSettings', k, 'tls']) : auto;
    }
    return stp?.tls ? fromTls(dr, stp.tls.mode, [...sbase, 'tls']) : auto;
  });
  return weakest(subsets, auto);
}

/**
 * A `tls` block without `mode` is DISABLE, not auto-mTLS: the field is a proto
 * enum whose zero value is DISABLE, and Istio only auto-detects when the whole
 * block is absent. The origin then points at the block.
 */
function fromTls(dr: DR, mode: string | undefined, tlsPath: FieldPath): Decision {
  const origin: Origin = { resource: dr.resource, path: mode === undefined ? tlsPath : [...tlsPath, 'mode'] };
  switch (mode) {
    case 'ISTIO_MUTUAL':
      return { sends: 'mtls', origin };
    case undefined:
    case 'DISABLE':
      return { sends: 'plaintext', origin };
    default:
      // SIMPLE and MUTUAL originate TLS with certificates other than Istio's; OPTIONAL_MUTUAL is a
      // server-side mode Istio rejects here, and counting it as non-Istio TLS is the cautious reading.
      return { sends: 'tls', origin };
  }
}

function weakest(decisions: Decision[], otherwise: Decision): Decision {
  let best: Decision | undefined;
  for (const d of decisions) if (!best || SENDS_RANK[d.sends] < SENDS_RANK[best.sends]) best = d;
  return best ?? otherwise;
}

function sameDecision(a: Decision, b: Decision): boolean {
  if (a.sends !== b.sends) return false;
  if (a.origin === undefined || b.origin === undefined) return a.origin === b.origin;
  return a.origin.resource === b.origin.resource && a.origin.path.join('\u0000') === b.origin.path.join('\u0000');
}

function toRule(dr: DR): Rule {
  const labels = dr.spec.workloadSelector?.matchLabels;
  return {
    dr,
    host: resolveShortName(dr.spec.host, dr.namespace),
    // An empty selector selects every workload of the namespace, yet still makes the rule private to it.
    selector: dr.spec.workloadSelector ? (labels ?? {}) : undefined,
  };
}

/** A numeric targetPort is taken as is; a named one must be a container port name of the pod. */
function targetPort(sp: ServicePort, w: Workload): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  return w.ports.find((p) => p.name === sp.targetPort)?.port;
}

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const l = m.get(k);
    if (l) l.push(it);
    else m.set(k, [it]);
  }
  return m;
}

export interface DestinationRuleConflict {
  namespace: string;
  host: string;
  rules: DR[];
}

/**
 * Rules in one namespace for one host that both set a `trafficPolicy`: Istio
 * keeps the oldest, which a repository cannot show (mesh-semantics 6, row 39).
 */
export function findDestinationRuleConflicts(res: IstioResources): DestinationRuleConflict[] {
  const groups = groupBy(
    res.destinationRules.map(toRule).filter((r) => !r.selector && r.dr.spec.trafficPolicy !== undefined),
    (r) => `${r.dr.namespace}\u0000${r.host}`,
  );
  const out: DestinationRuleConflict[] = [];
  for (const rules of groups.values()) {
    if (rules.length > 1) out.push({ namespace: rules[0]!.dr.namespace, host: rules[0]!.host, rules: rules.map((r) => r.dr) });
  }
  return out;
}
