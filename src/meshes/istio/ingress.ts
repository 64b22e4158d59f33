import type { Inventory } from '../../inventory/inventory.js';
import { arr, get, isObj, obj, str, strMap, type Obj } from '../../inventory/read.js';
import { apiGroup, type Resource } from '../../manifests/resource.js';
import type { Origin } from '../../policy/access.js';
import { StringSet } from '../../policy/stringSet.js';
import type { IngressView } from '../../policy/meshSide.js';
import {
  exportedTo,
  hostSet,
  namespaceAdmits,
  normalizeHost,
  originForHost,
  resolveShortName,
  serviceFqdn,
  splitNamespacedHost,
  unionHosts,
  type HostEntry,
} from './hosts.js';
import type { IstioResources, Typed } from './istioResources.js';
import type { MeshSettings } from './meshConfig.js';
import type { GatewaySpec } from './schemas.js';

/** An ingress view that remembers which route contributed which hosts. */
export interface IstioIngressView extends IngressView {
  entries: HostEntry[];
}

const GATEWAY_API = 'gateway.networking.k8s.io';
const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'] as const;

/**
 * Which in-mesh backends are reachable through which gateway, under which
 * hostnames (mesh-semantics 2.6). A signal, not a proof: the gateway's own
 * Service and AuthorizationPolicies are often outside the repository, so a
 * gateway named but not defined here is assumed to exist and admit every host.
 */
export function computeIngress(inv: Inventory, res: IstioResources, _settings: MeshSettings): Map<string, IngressView> {
  const out = new Map<string, IstioIngressView>();
  const add = (backend: string, gateway: string, hosts: StringSet, origin: Origin, defined: boolean) => {
    const gatewayId = defined ? gateway : `(not in the repository)/${gateway.slice(gateway.indexOf('/') + 1)}`;
    const key = `${backend}|${gateway}`;
    const seen = out.get(key);
    if (seen) {
      seen.hosts = seen.hosts.union(hosts);
      seen.entries.push({ covers: (h) => hosts.has(h), origin });
    } else out.set(key, { key, backend, gateway, gatewayId, hosts, origin, entries: [{ covers: (h) => hosts.has(h), origin }] });
  };
  istioGateways(res, add);
  gatewayApiRoutes(inv, add);
  return out;
}

/** The line that exposed `host` for a view, for anchoring a finding about that host; else the view's origin. */
export function ingressOriginFor(view: IngressView, host: string): Origin | undefined {
  const entries = (view as Partial<IstioIngressView>).entries;
  return entries ? originForHost(entries, host, view.origin) : view.origin;
}

type Add = (backend: string, gateway: string, hosts: StringSet, origin: Origin, defined: boolean) => void;

function istioGateways(res: IstioResources, add: Add): void {
  const gateways = new Map<string, Typed<GatewaySpec>[]>();
  for (const g of res.gateways) {
    const k = `${g.namespace}/${g.resource.name}`;
    gateways.set(k, [...(gateways.get(k) ?? []), g]);
  }
  for (const vs of res.virtualServices) {
    const ns = vs.namespace;
    const vsHosts = unionHosts((vs.spec.hosts ?? []).map((h) => resolveShortName(h, ns)));
    if (vsHosts.isEmpty) continue;
    const body = obj(vs.resource.body.spec);
    (vs.spec.gateways ?? []).forEach((ref, i) => {
      // `mesh` binds the routes to sidecars: internal traffic, not ingress.
      if (ref === 'mesh') return;
      const gw = resolveGatewayName(ref, ns);
      // A gateway proxy sees only VirtualServices exported to its namespace (push_context
      // VirtualServicesForGateway); the Gateway's namespace stands for its pods' here.
      if (!exportedTo(vs.spec.exportTo, ns, gw.slice(0, gw.indexOf('/')))) return;
      const defined = gateways.get(gw);
      const admitted = defined ? serverHosts(defined, ns) : StringSet.all();
      const origin: Origin = { resource: vs.resource, path: ['spec', 'gateways', i] };
      const { byHost, byPort } = virtualServiceBackends(body, gw, ns, defined ? gatewayServers(defined) : undefined);
      const exposed = vsHosts.intersect(admitted);
      if (!exposed.isEmpty) for (const backend of byHost) add(backend, gw, exposed, origin, defined !== undefined);
      // A `tcp` route matches connections, not names: the VirtualService's hosts filter nothing, and
      // every host the gateway serves reaches the backend, however the hosts are written.
      if (!admitted.isEmpty) for (const backend of byPort) add(backend, gw, admitted, origin, defined !== undefined);
    });
  }
}

/**
 * Istio's `resolveGatewayName`: `ns/name`, a short name in the VirtualService's
 * namespace, or the legacy `name.ns.svc.cluster.local` form.
 */
function resolveGatewayName(ref: string, vsNamespace: string): string {
  if (ref.includes('/')) {
    const [ns, name] = ref.split('/', 2) as [string, string];
    return `${ns === '.' ? vsNamespace : ns}/${name}`;
  }
  const dot = ref.indexOf('.');
  if (dot < 0) return `${vsNamespace}/${ref}`;
  const rest = ref.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${ref.slice(0, dot)}`;
}

/** Hosts a Gateway's servers offer to VirtualServices of `vsNamespace` (`ns/host` restricts who may bind). */
function serverHosts(gateways: Typed<GatewaySpec>[], vsNamespace: string): StringSet {
  let set = StringSet.empty();
  for (const g of gateways) {
    for (const server of g.spec.servers ?? []) {
      for (const entry of server.hosts) {
        const { namespace, host } = splitNamespacedHost(entry);
        if (namespaceAdmits(namespace, vsNamespace, g.namespace)) set = set.union(hostSet(host));
      }
    }
  }
  return set;
}

interface GatewayServer {
  port: number | undefined;
  protocol: string;
  tlsMode: string | undefined;
}

function gatewayServers(gateways: Typed<GatewaySpec>[]): GatewayServer[] {
  return gateways.flatMap((g) =>
    (g.spec.servers ?? []).map((s) => ({ port: s.port?.number, protocol: (s.port?.protocol ?? '').toUpperCase(), tlsMode: s.tls?.mode?.toUpperCase() })),
  );
}

const PASSTHROUGH = (s: GatewayServer) => s.tlsMode === 'PASSTHROUGH' || s.tlsMode === 'AUTO_PASSTHROUGH';

/**
 * Which servers of a Gateway each section of a VirtualService is served on (Istio's gateway
 * listener build, pilot/pkg/networking/core/gateway.go: HTTP servers and terminated HTTPS carry
 * `http` routes; TCP, MONGO and terminated TLS carry `tcp` routes; passthrough TLS/HTTPS carry
 * `tls` routes). A server whose protocol is not written is not judged (every section may use it).
 */
const SECTION_PROTOCOLS: Record<'http' | 'tcp' | 'tls', (s: GatewayServer) => boolean> = {
  http: (s) => s.protocol === '' || ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB'].includes(s.protocol) || (s.protocol === 'HTTPS' && !PASSTHROUGH(s)),
  tcp: (s) => s.protocol === '' || ['TCP', 'MONGO'].includes(s.protocol) || (s.protocol === 'TLS' && !PASSTHROUGH(s)),
  tls: (s) => s.protocol === '' || (['TLS', 'HTTPS'].includes(s.protocol) && PASSTHROUGH(s)),
};

/**
 * Destinations of the routes that apply on gateway `gw`. A route whose every
 * match names other gateways (`match[].gateways` overrides the top-level list)
 * does not carry this gateway's traffic. Mirrors receive copies of the
 * requests, so they are exposed as well.
 */
function virtualServiceBackends(spec: Obj, gw: string, ns: string, servers: GatewayServer[] | undefined): { byHost: Set<string>; byPort: Set<string> } {
  const byHost = new Set<string>();
  const byPort = new Set<string>();
  for (const section of ['http', 'tcp', 'tls'] as const) {
    const out = section === 'tcp' ? byPort : byHost;
    // The gateway's servers this kind of route can take traffic from (when the Gateway is in the repository).
    const usable = servers?.filter((s) => SECTION_PROTOCOLS[section](s));
    for (const route of arr(spec[section]).map(obj)) {
      const matches = arr(route.match).map(obj);
      const onGateway = (m: Obj) => !Array.isArray(m.gateways) || m.gateways.some((g) => typeof g === 'string' && resolveGatewayName(g, ns) === gw);
      // A match with `port` takes only connections to that gateway port (networking/core/gateway.go matches
      // the route per server port): a route on a port no server of the gateway listens on carries nothing.
      const onPort = (m: Obj) => usable === undefined || (typeof m.port === 'number' ? usable.some((s) => s.port === m.port) : usable.length > 0);
      const bound = matches.length === 0 ? usable === undefined || usable.length > 0 : matches.some((m) => onGateway(m) && onPort(m));
      if (!bound) continue;
      const hosts = [
        ...arr(route.route).map((d) => get(d, 'destination', 'host')),
        get(route, 'mirror', 'host'),
        ...arr(route.mirrors).map((m) => get(m, 'destination', 'host')),
      ];
      for (const h of hosts) if (typeof h === 'string' && h !== '') out.add(resolveShortName(h, ns));
    }
  }
  return { byHost, byPort };
}

function gatewayApiRoutes(inv: Inventory, add: Add): void {
  const gateways = new Map<string, Resource>();
  for (const g of inv.byKind.get('Gateway') ?? []) {
    if (apiGroup(g.apiVersion) === GATEWAY_API) gateways.set(`${inv.namespaceOf(g)}/${g.name}`, g);
  }
  const grants = (inv.byKind.get('ReferenceGrant') ?? []).filter((g) => apiGroup(g.apiVersion) === GATEWAY_API);
  for (const kind of ROUTE_KINDS) {
    for (const route of inv.byKind.get(kind) ?? []) {
      if (apiGroup(route.apiVersion) !== GATEWAY_API) continue;
      const ns = inv.namespaceOf(route);
      const spec = obj(route.body.spec);
      const names = arr(spec.hostnames).filter((h): h is string => typeof h === 'string');
      // No hostnames: the route takes whatever its listeners accept.
      const routeHosts = names.length > 0 ? unionHosts(names) : StringSet.all();
      const backends = routeBackends(spec, kind, ns, inv, grants);
      if (backends.size === 0) continue;
      arr(spec.parentRefs).forEach((p, i) => {
        if (!isObj(p)) return;
        const name = str(p.name);
        if (!name || (str(p.group) ?? GATEWAY_API) !== GATEWAY_API || (str(p.kind) ?? 'Gateway') !== 'Gateway') return;
        const gwKey = `${str(p.namespace) ?? ns}/${name}`;
        const gw = gateways.get(gwKey);
        const admitted = gw ? listenerHosts(gw, p, kind, ns, inv) : StringSet.all();
        const exposed = routeHosts.intersect(admitted);
        if (exposed.isEmpty) return;
        for (const backend of backends) add(backend, gwKey, exposed, { resource: route, path: ['spec', 'parentRefs', i] }, gw !== undefined);
      });
    }
  }
}

/**
 * Hostnames the addressed listeners accept from this route: `sectionName` and
 * `port` pick listeners, `allowedRoutes` must admit the route's namespace and kind.
 */
function listenerHosts(gw: Resource, ref: Obj, kind: string, routeNs: string, inv: Inventory): StringSet {
  const gwNs = inv.namespaceOf(gw);
  const section = str(ref.sectionName);
  const port = typeof ref.port === 'number' ? ref.port : undefined;
  let set = StringSet.empty();
  for (const l of arr(get(gw.body, 'spec', 'listeners')).map(obj)) {
    if (section !== undefined && l.name !== section) continue;
    if (port !== undefined && l.port !== port) continue;
    if (!admitsNamespace(obj(get(l, 'allowedRoutes', 'namespaces')), routeNs, gwNs, inv)) continue;
    if (!admitsKind(l, kind)) continue;
    const hostname = str(l.hostname);
    set = set.union(hostname ? hostSet(hostname) : StringSet.all());
  }
  return set;
}

function admitsNamespace(namespaces: Obj, routeNs: string, gwNs: string, inv: Inventory): boolean {
  const from = str(namespaces.from) ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === gwNs;
  if (from !== 'Selector') return false;
  const info = inv.namespaces.get(routeNs);
  // Labels of a namespace the repository does not define are unknown: assume the selector admits it.
  if (!info?.resource) return true;
  return matchesSelector(obj(namespaces.selector), { ...info.labels, 'kubernetes.io/metadata.name': routeNs });
}

/** A Kubernetes LabelSelector (matchLabels AND matchExpressions). */
function matchesSelector(selector: Obj, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(strMap(selector.matchLabels))) if (labels[k] !== v) return false;
  for (const e of arr(selector.matchExpressions).map(obj)) {
    const key = str(e.key) ?? '';
    const values = arr(e.values).map(String);
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Route kinds a listener admits: `allowedRoutes.kinds`, else what its protocol carries. */
function admitsKind(listener: Obj, kind: string): boolean {
  const kinds = arr(get(listener, 'allowedRoutes', 'kinds')).map(obj);
  if (kinds.length > 0) return kinds.some((k) => k.kind === kind && (str(k.group) ?? GATEWAY_API) === GATEWAY_API);
  switch (str(listener.protocol)) {
    case 'HTTP':
    case 'HTTPS':
      return kind === 'HTTPRoute' || kind === 'GRPCRoute';
    case 'TLS':
      return kind === 'TLSRoute';
    case 'TCP':
      return kind === 'TCPRoute';
    default:
      return true; // implementation-specific protocols: cannot tell, so not excluded
  }
}

/**
 * Backends of a route: core Services (as FQDNs) and Istio `Hostname`
 * references. A Service in another namespace is only reachable with a
 * ReferenceGrant there admitting the route; without one the gateway refuses it.
 */
function routeBackends(spec: Obj, kind: string, routeNs: string, inv: Inventory, grants: Resource[]): Set<string> {
  const out = new Set<string>();
  for (const rule of arr(spec.rules).map(obj)) {
    for (const ref of arr(rule.backendRefs).map(obj)) {
      const name = str(ref.name);
      if (!name) continue;
      const group = str(ref.group) ?? '';
      const refKind = str(ref.kind) ?? 'Service';
      if (group === 'networking.istio.io' && refKind === 'Hostname') {
        out.add(normalizeHost(name));
        continue;
      }
      if (group !== '' || refKind !== 'Service') continue;
      const ns = str(ref.namespace) ?? routeNs;
      if (ns !== routeNs && !granted(grants, inv, kind, routeNs, ns, name)) continue;
      out.add(serviceFqdn(name, ns));
    }
  }
  return out;
}

function granted(grants: Resource[], inv: Inventory, kind: string, fromNs: string, toNs: string, service: string): boolean {
  return grants.some((g) => {
    if (inv.namespaceOf(g) !== toNs) return false;
    const spec = obj(g.body.spec);
    const from = arr(spec.from)
      .map(obj)
      .some((f) => f.group === GATEWAY_API && f.kind === kind && f.namespace === fromNs);
    const to = arr(spec.to)
      .map(obj)
      .some((t) => (str(t.group) ?? '') === '' && t.kind === 'Service' && (t.name === undefined || t.name === service));
    return from && to;
  });
}
