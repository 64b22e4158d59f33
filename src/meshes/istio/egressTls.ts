import type { Origin } from '../../policy/access.js';
import type { EgressTlsView } from '../../policy/meshSide.js';
import { StringSet } from '../../policy/stringSet.js';
import { clientTlsLookup, type ClientTlsLookup } from './destinationRule.js';
import { exportedTo, hostMatches, hostSpecificity, resolveShortName, unionHosts } from './hosts.js';
import type { IstioResources, Typed } from './istioResources.js';
import type { MeshSettings } from './meshConfig.js';
import type { ServiceEntrySpec, SidecarSpec } from './schemas.js';
import { namespaceWords } from './selectors.js';

type SE = Typed<ServiceEntrySpec>;

/**
 * What reaches the wire when an app sends to an external service's port:
 * `app-tls` the app speaks TLS itself (port protocol HTTPS or TLS), `originated` it speaks
 * plaintext and the sidecar originates TLS (a DestinationRule SIMPLE, MUTUAL or ISTIO_MUTUAL),
 * `cleartext` it speaks plaintext and the sidecar forwards it so. Weakest first.
 */
type Wire = 'cleartext' | 'originated' | 'app-tls';
const WIRE_RANK: Record<Wire, number> = { cleartext: 0, originated: 1, 'app-tls': 2 };

/**
 * ServiceEntry port protocols on which the app itself sends TLS (Istio's protocol.IsTLS). Any
 * other (HTTP, HTTP2, GRPC, TCP, MONGO, ...; and a missing or unknown one, read cautiously)
 * is what the app sends in plaintext, and what the egress TLS origination task has the sidecar
 * encrypt: https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/
 */
const APP_TLS = new Set(['HTTPS', 'TLS']);

interface Service {
  host: string;
  wire: Wire;
  /** The ServiceEntry host line. */
  service: Origin;
  /** The client TLS line that decided, if a DestinationRule applies. */
  tls: Origin | undefined;
}

/**
 * Per client scope, how plaintext to each external (MESH_EXTERNAL ServiceEntry) host and port
 * leaves the sidecar. In-mesh hosts are computeClientPaths' business: auto-mTLS decides there.
 *
 * A DestinationRule attaches to a registry service, that is one ServiceEntry host as written
 * (`*.googleapis.com` is one service), and a request for a concrete host is routed to the most
 * specific registered host that covers it on that port. So a rule for `www.googleapis.com`
 * does not reach the service `*.googleapis.com`, and a request for `storage.googleapis.com`
 * follows whatever the `*.googleapis.com` entry's rule says.
 */
export function computeEgressTls(res: IstioResources, settings: MeshSettings): Map<string, EgressTlsView> {
  const root = settings.rootNamespace;
  const lookup = clientTlsLookup(res, root);
  const entries = res.serviceEntries.filter((se) => se.spec.location !== 'MESH_INTERNAL');
  const namespaces = new Set<string>(lookup.namespaces);
  for (const se of entries) {
    namespaces.add(se.namespace);
    for (const ns of se.spec.exportTo ?? []) if (!['*', '.', '~'].includes(ns)) namespaces.add(ns);
  }
  for (const sc of res.sidecars) namespaces.add(sc.namespace);

  const view = (key: string, clients: string, ns: string, selected?: unknown): EgressTlsView =>
    buildView(key, clients, services(entries, lookup, ns, selected), passthrough(res.sidecars, settings, ns));
  const out = new Map<string, EgressTlsView>();
  const fallback = view('*', 'clients in any other namespace', '');
  const byNamespace = new Map<string, EgressTlsView>();
  for (const ns of [...namespaces].sort()) {
    const v = view(ns, `clients in ${namespaceWords(ns)}`, ns);
    byNamespace.set(ns, v);
    // A scope that sees what any other namespace sees is that scope: the diff falls back to it.
    if (v.inputsKey !== fallback.inputsKey) out.set(ns, v);
  }
  for (const s of lookup.selectorScopes) {
    const v = view(s.id, s.clients, s.namespace, s.rule);
    if (v.inputsKey !== (byNamespace.get(s.namespace) ?? fallback).inputsKey) out.set(s.id, v);
  }
  out.set('*', out.size === 0 ? { ...fallback, clients: 'clients in any namespace' } : fallback);
  return out;
}

/** The registered external services a client in `ns` sees, by port and host, each with its wire. */
function services(entries: readonly SE[], lookup: ClientTlsLookup, ns: string, selected: unknown): Map<number, Map<string, Service>> {
  const byPort = new Map<number, Map<string, Service>>();
  for (const se of entries) {
    if (!exportedTo(se.spec.exportTo, se.namespace, ns)) continue;
    for (const port of se.spec.ports ?? []) {
      const protocol = (port.protocol ?? '').toUpperCase();
      // Sidecars capture TCP only.
      if (protocol === 'UDP') continue;
      se.spec.hosts.forEach((h, j) => {
        const host = resolveShortName(h, se.namespace);
        const service: Origin = { resource: se.resource, path: ['spec', 'hosts', j] };
        let svc: Service;
        if (APP_TLS.has(protocol)) svc = { host, wire: 'app-tls', service, tls: undefined };
        else {
          // Nothing at an external endpoint answers Istio mTLS by itself: without a rule the sidecar sends what it got.
          const d = lookup.decide(host, se.namespace, port.number, 'plaintext', ns, selected);
          svc = { host, wire: d.sends === 'plaintext' ? 'cleartext' : 'originated', service, tls: d.origin };
        }
        let hosts = byPort.get(port.number);
        if (!hosts) byPort.set(port.number, (hosts = new Map<string, Service>()));
        // The same host registered twice on one port: Istio keeps one by age, which a repository cannot show; the weaker is taken.
        const seen = hosts.get(host);
        if (!seen || WIRE_RANK[svc.wire] < WIRE_RANK[seen.wire]) hosts.set(host, svc);
      });
    }
  }
  return byPort;
}

/**
 * Whether a host no ServiceEntry registers passes the sidecar as it was sent: outboundTrafficPolicy
 * ALLOW_ANY (Istio's default) for some clients of the namespace. Its default Sidecar (else the
 * root namespace's, else mesh config) decides, and a selecting Sidecar with ALLOW_ANY lets some through.
 */
function passthrough(sidecars: readonly Typed<SidecarSpec>[], settings: MeshSettings, ns: string): boolean {
  const own = ns === '' ? [] : sidecars.filter((s) => s.namespace === ns);
  if (own.some((s) => s.spec.workloadSelector !== undefined && s.spec.outboundTrafficPolicy?.mode === 'ALLOW_ANY')) return true;
  const namespaceDefault =
    own.find((s) => s.spec.workloadSelector === undefined) ??
    sidecars.find((s) => s.namespace === settings.rootNamespace && s.spec.workloadSelector === undefined);
  return (namespaceDefault?.spec.outboundTrafficPolicy?.mode ?? settings.outboundTrafficPolicy.mode) === 'ALLOW_ANY';
}

interface PortSets {
  originated: StringSet;
  cleartext: StringSet;
  registered: StringSet;
}

function buildView(key: string, clients: string, byPort: Map<number, Map<string, Service>>, through: boolean): EgressTlsView {
  const ports = [...byPort.keys()].sort((a, b) => a - b);
  const inputsKey = JSON.stringify([through, ports.map((p) => [p, [...byPort.get(p)!.values()].map((s) => `${s.host}=${s.wire}`).sort()])]);
  const memo = new Map<number, PortSets>();
  const sets = (port: number): PortSets => {
    let s = memo.get(port);
    if (!s) memo.set(port, (s = portSets([...(byPort.get(port)?.values() ?? [])])));
    return s;
  };
  return {
    key,
    clients,
    inputsKey,
    ports,
    passthrough: through,
    originated: (port) => sets(port).originated,
    cleartext: (port) => sets(port).cleartext,
    registered: (port) => sets(port).registered,
    hosts: (port) => [...(byPort.get(port)?.keys() ?? [])].sort(),
    decide(host, port) {
      const hit = mostSpecific([...(byPort.get(port)?.values() ?? [])], host);
      return hit
        ? {
            service: hit.service,
            tls: hit.tls,
            rule: hit.tls
              ? `${hit.tls.resource.kind} ${hit.tls.resource.namespace ? `${hit.tls.resource.namespace}/` : ''}${hit.tls.resource.name}`
              : undefined,
          }
        : undefined;
    },
  };
}

function mostSpecific(services: readonly Service[], host: string): Service | undefined {
  let best: Service | undefined;
  for (const s of services) if (hostMatches(s.host, host) && (!best || hostSpecificity(s.host) > hostSpecificity(best.host))) best = s;
  return best;
}

/**
 * Each concrete host goes to the most specific registered host that covers it: walking the
 * registered hosts from the most specific level down, a level gets only what no more specific
 * level took. Hosts of one level are disjoint (equal specificity and overlap means the same name).
 */
function portSets(services: readonly Service[]): PortSets {
  const levels = new Map<number, Service[]>();
  for (const s of services) {
    const k = hostSpecificity(s.host);
    const l = levels.get(k);
    if (l) l.push(s);
    else levels.set(k, [s]);
  }
  let covered = StringSet.empty();
  let originated = StringSet.empty();
  let cleartext = StringSet.empty();
  for (const k of [...levels.keys()].sort((a, b) => b - a)) {
    const level = levels.get(k)!;
    const of = (wire: Wire) => {
      const set = unionHosts(level.filter((s) => s.wire === wire).map((s) => s.host));
      return covered.isEmpty || set.isEmpty ? set : set.subtract(covered);
    };
    originated = join(originated, of('originated'));
    cleartext = join(cleartext, of('cleartext'));
    covered = join(covered, unionHosts(level.map((s) => s.host)));
  }
  return { originated, cleartext, registered: covered };
}

function join(a: StringSet, b: StringSet): StringSet {
  if (a.isEmpty) return b;
  return b.isEmpty ? a : a.union(b);
}
