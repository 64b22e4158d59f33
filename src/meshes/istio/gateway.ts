import type { Inventory, Workload } from '../../inventory/inventory.js';
import { matchesLabels, servicesOf } from '../../inventory/inventory.js';
import { arr, get, str } from '../../inventory/read.js';
import type { Origin } from '../../policy/access.js';
import { StringSet } from '../../policy/stringSet.js';
import type { TransportMode } from '../../policy/transport.js';
import type { Protocol } from '../../policy/meshSide.js';
import { AUTHENTICATED } from './authorizationPolicy.js';
import type { IstioResources, Typed } from './istioResources.js';
import type { GatewaySpec } from './schemas.js';

/**
 * Istio gateways are Envoy proxies of their own ("router" proxies), not workloads without a
 * proxy: the Envoy is the pod's main container, and it enforces the AuthorizationPolicies that
 * select the pod. They are recognised by what makes a pod one:
 *   - a container running Istio's proxy image `proxyv2` (istioctl / IstioOperator manifests);
 *   - `inject.istio.io/templates` naming the `gateway` template, which the injector applies in place
 *     of the sidecar one (manifests/charts/gateway: `image: auto`, `sidecar.istio.io/inject: "true"`);
 *   - an `istio: <name>gateway` label that a Gateway resource's selector uses.
 */
export interface GatewayProxy {
  origin: Origin;
  why: string;
}

const TEMPLATES = 'inject.istio.io/templates';
const PROXY_IMAGE = /(^|\/)proxyv2([:@]|$)/;

export function recogniseGateway(w: Workload, res: IstioResources, injected: boolean): GatewayProxy | undefined {
  const specPath = [...w.templatePath.slice(0, -1), 'spec'];
  const containers = arr(get(w.resource.body, ...specPath, 'containers'));
  const i = containers.findIndex((c) => PROXY_IMAGE.test(str(get(c, 'image')) ?? ''));
  if (i >= 0) return { origin: { resource: w.resource, path: [...specPath, 'containers', i, 'image'] }, why: 'gateway proxy (Istio proxyv2 image)' };
  const templates = (w.annotations[TEMPLATES] ?? '').split(',').map((t) => t.trim());
  // The template is only applied when the injector runs for the pod (pkg/kube/inject/webhook.go).
  if (injected && templates.includes('gateway')) {
    return { origin: { resource: w.resource, path: [...w.templatePath, 'annotations', TEMPLATES] }, why: `gateway proxy (${TEMPLATES}: gateway)` };
  }
  if (/gateway$/.test(w.labels.istio ?? '')) {
    const g = selectingGateways(res, w).find((x) => Object.keys(x.spec.selector ?? {}).length > 0);
    if (g) return { origin: { resource: g.resource, path: ['spec', 'selector'] }, why: `gateway proxy selected by Gateway ${g.namespace}/${g.resource.name}` };
  }
  return undefined;
}

/**
 * The Gateways whose servers a gateway pod serves: their selector matches its labels, in any
 * namespace (PILOT_SCOPE_GATEWAY_TO_NAMESPACE is off by default).
 */
export function selectingGateways(res: IstioResources, w: Workload): Typed<GatewaySpec>[] {
  return res.gateways.filter((g) => matchesLabels(g.spec.selector ?? {}, w.labels));
}

/**
 * Ports the gateway's Envoy serves from its bootstrap (admin, health, stats, DNS...), not from Gateway
 * servers, and where no AuthorizationPolicy applies: a gateway chart declares 15021 and 15090
 * (https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio).
 */
export const PROXY_OWN_PORTS: ReadonlySet<number> = new Set([15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090]);

/** What one gateway listener port accepts, from the Gateway servers bound to it. */
export interface GatewayPort {
  mode: TransportMode;
  /**
   * The peer principals the port admits; undefined when it does not constrain them. Without a
   * client certificate the gateway sees no identity (`mode` PLAINTEXT hides it from the policies),
   * while the client is any client: no principal is refused by the transport.
   */
  universe: StringSet | undefined;
  origin: Origin | undefined;
  why: string;
  protocols: Protocol[] | undefined;
}

type Server = NonNullable<GatewaySpec['servers']>[number];

/**
 * A Gateway server's `port.number` is a port of the gateway's Service; with selector-bound Gateways
 * istiod listens on its target port, or on the number as written when no Service port matches
 * (pilot/pkg/model/gateway.go `resolvePorts`, legacyGatewaySelector).
 */
export function serverTargetPort(inv: Inventory, w: Workload, number: number): number {
  for (const s of servicesOf(inv, w)) {
    for (const p of s.ports) {
      if (p.port !== number) continue;
      if (typeof p.targetPort === 'number') return p.targetPort;
      const named = w.ports.find((c) => c.name === p.targetPort);
      if (named) return named.port;
    }
  }
  return number;
}

/**
 * What a gateway accepts on one port. Gateway listeners are built from the Gateway servers alone
 * (pilot/pkg/networking/core/gateway.go `buildGatewayListeners`, `buildGatewayListenerTLSContext`:
 * the downstream TLS context is `server.tls`); PeerAuthentication is applied only to sidecar inbound
 * listeners (pilot/pkg/networking/plugin/authn `InboundMTLSSettings`), never to a router's server
 * ports. So the clients are anyone who reaches the port, and their peer identity is:
 *   - no `tls`, SIMPLE, PASSTHROUGH, AUTO_PASSTHROUGH: none (the gateway sees no client certificate);
 *   - OPTIONAL_MUTUAL: a client certificate's identity, or none;
 *   - MUTUAL: a client certificate of the Gateway's CA, whatever names it carries;
 *   - ISTIO_MUTUAL: an Istio workload certificate.
 * Servers sharing a port (SNI) are joined: the port admits what any of them admits.
 */
export function gatewayPort(inv: Inventory, w: Workload, gateways: Typed<GatewaySpec>[], port: number | null, proxy: GatewayProxy): GatewayPort {
  const servers: { g: Typed<GatewaySpec>; s: Server; i: number }[] = [];
  for (const g of gateways) {
    (g.spec.servers ?? []).forEach((s, i) => {
      if (s.port && port !== null && serverTargetPort(inv, w, s.port.number) === port) servers.push({ g, s, i });
    });
  }
  if (servers.length === 0) {
    // No Gateway server in the repository binds the port: any client, no peer identity assumed.
    return {
      mode: 'PLAINTEXT',
      universe: undefined,
      origin: proxy.origin,
      why: `${proxy.why}; no Gateway server for this port in the repository, so any client without peer identity`,
      protocols: undefined,
    };
  }
  const RANK: Record<TransportMode, number> = { UNMANAGED: 0, PLAINTEXT: 1, PERMISSIVE: 2, STRICT: 3 };
  let weakest: { mode: TransportMode; origin: Origin; why: string } | undefined;
  let universe: StringSet | undefined = StringSet.empty();
  const protocols = new Set<Protocol>();
  for (const { g, s, i } of servers) {
    const tls = s.tls?.mode ?? (s.tls ? 'SIMPLE' : 'none');
    const [mode, u]: [TransportMode, StringSet | undefined] =
      tls === 'ISTIO_MUTUAL'
        ? ['STRICT', AUTHENTICATED]
        : tls === 'MUTUAL'
          ? ['STRICT', StringSet.all().subtract(StringSet.literal(''))]
          : tls === 'OPTIONAL_MUTUAL'
            ? ['PERMISSIVE', undefined]
            : ['PLAINTEXT', undefined];
    universe = universe && u ? universe.union(u) : undefined;
    const at = s.tls ? ['spec', 'servers', i, 'tls'] : ['spec', 'servers', i, 'port'];
    const origin: Origin = { resource: g.resource, path: s.tls?.mode ? [...at, 'mode'] : at };
    const why = `Gateway ${g.namespace}/${g.resource.name} server ${s.port?.number ?? ''} (${s.port?.protocol ?? 'no protocol'}, TLS ${tls})`;
    if (!weakest || RANK[mode] < RANK[weakest.mode]) weakest = { mode, origin, why };
    const protocol = (s.port?.protocol ?? '').toUpperCase();
    const terminatesHttp = ['HTTP', 'HTTP2', 'GRPC'].includes(protocol) || (protocol === 'HTTPS' && !['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(tls));
    protocols.add(terminatesHttp ? 'http' : 'tcp');
  }
  return { mode: weakest!.mode, universe, origin: weakest!.origin, why: `${proxy.why}; ${weakest!.why}`, protocols: [...protocols].sort() };
}
