import type { Inventory, Workload } from '../../inventory/inventory.js';
import { matchesLabels, servicesOf } from '../../inventory/inventory.js';
import type { AccessPolicy, Origin } from '../../policy/access.js';
import { DIM } from '../../policy/requestSpace.js';
import { get, strMap } from '../../inventory/read.js';
import type { TransportMode } from '../../policy/transport.js';
import { workloadKey, type Ambiguity, type PortEval, type Protocol, type WorkloadView } from '../../policy/meshSide.js';
import { ANY_PEER, AUTHENTICATED, applicablePolicies, compileAccess, indexPolicies } from './authorizationPolicy.js';
import { gatewayPort, PROXY_OWN_PORTS, recogniseGateway, selectingGateways, serverTargetPort } from './gateway.js';
import { decideInjection, type DroppedNamespaces } from './injection.js';
import type { IstioResources } from './istioResources.js';
import type { MeshSettings } from './meshConfig.js';
import type { IdentityScope } from './trustDomain.js';
import { effectiveMode, indexPeerAuthentications, portLevelPorts } from './peerAuthentication.js';

/** Builds the lazy per-workload views of one side. */
export function buildWorkloadViews(
  inv: Inventory,
  res: IstioResources,
  settings: MeshSettings,
  pick: 'weakest' | 'strongest',
  ambiguities: Ambiguity[],
  identity?: IdentityScope,
  /** Head side only: the enrolled namespaces the base declared and the head no longer does. */
  dropped?: DroppedNamespaces,
): Map<string, WorkloadView> {
  const levels = indexPeerAuthentications(res.peerAuthentications, settings.rootNamespace);
  const views = new Map<string, WorkloadView>();
  const reportedAmbiguity = new Set<string>();
  const policiesByNs = indexPolicies(res.authorizationPolicies);
  const jwtByNs = indexPolicies(res.requestAuthentications);
  // Inputs every workload (or every workload of a namespace) shares, written once.
  const identityText = JSON.stringify(identity ? [identity.bundle, identity.meshTrustDomains] : null);
  const nsTexts = new Map<string, string>();
  const nsLabelsText = (ns: string, labels: unknown): string => {
    let text = nsTexts.get(ns);
    if (text === undefined) nsTexts.set(ns, (text = JSON.stringify(labels ?? null)));
    return text;
  };
  for (const w of inv.workloads) {
    const key = workloadKey(w);
    const injection = decideInjection(inv, w, dropped);
    // A gateway's Envoy is the pod itself: it enforces policy whatever the injection labels say.
    const gateway = recogniseGateway(w, res, injection.dataPlane === 'sidecar');
    const gateways = gateway ? selectingGateways(res, w) : [];
    const policies = applicablePolicies(policiesByNs, w, settings.rootNamespace);
    const services = servicesOf(inv, w);
    const jwtPolicies = applicablePolicies(jwtByNs, w, settings.rootNamespace);
    const jwtIssuers =
      res.requestAuthentications.length === 0
        ? ('unknown' as const)
        : [...new Set(jwtPolicies.flatMap((ra) => (ra.spec.jwtRules ?? []).map((r) => r.issuer ?? '')))].filter(Boolean).sort();
    // The jwtRules line that lets tokens of an issuer carry a request principal here.
    const issuerOrigin = (issuer: string): Origin | undefined => {
      for (const ra of jwtPolicies) {
        const i = (ra.spec.jwtRules ?? []).findIndex((r) => r.issuer === issuer);
        if (i >= 0) return { resource: ra.resource, path: ['spec', 'jwtRules', i, 'issuer'] };
      }
      return undefined;
    };
    const ports = new Set<number>(w.ports.map((p) => p.port));
    for (const s of services)
      for (const p of s.ports) {
        const target = resolveTargetPort(w, p.targetPort);
        if (target !== undefined) ports.add(target);
      }
    // The ports a gateway listens on are its Gateway servers' (as target ports).
    for (const g of gateways) for (const server of g.spec.servers ?? []) if (server.port) ports.add(serverTargetPort(inv, w, server.port.number));
    if (gateway) for (const p of PROXY_OWN_PORTS) ports.delete(p);
    const declaredPorts = [...ports].sort((a, b) => a - b);
    // PeerAuthentication never configures a gateway's listeners (gateway.ts gatewayPort).
    if (!gateway) for (const p of portLevelPorts(levels, w)) ports.add(p);
    for (const ap of policies)
      for (const rule of ap.spec.rules ?? [])
        for (const to of rule.to ?? []) {
          // Ports are read as Istio reads them (strconv.ParseUint): "09090" is 9090.
          for (const p of to.operation?.ports ?? []) if (/^\d{1,5}$/.test(p) && Number(p) <= 65535) ports.add(Number(p));
        }
    const pas = [
      ...levels.mesh,
      ...(levels.byNamespace.get(w.namespace) ?? []),
      ...(levels.workload.get(w.namespace) ?? []).filter((pa) => Object.entries(pa.spec.selector?.matchLabels ?? {}).every(([k, v]) => w.labels[k] === v)),
    ];
    const nsInfo = inv.namespaces.get(w.namespace);
    const inputsKey = hash([
      w.resource.hash,
      nsLabelsText(w.namespace, nsInfo?.labels),
      nsInfo?.resource ? 'ns' : dropped?.has(w.namespace) ? 'dropped-ns' : 'no-ns',
      settings.rootNamespace,
      settings.trustDomain,
      identityText,
      ...pas.map((p) => `pa:${p.resource.hash}`).sort(),
      ...policies.map((p) => `ap:${p.resource.hash}`).sort(),
      ...jwtPolicies.map((p) => `ra:${p.resource.hash}`).sort(),
      ...services.map((s) => `svc:${s.resource.hash}`).sort(),
      // Gateways are judged by their Gateway servers, whether or not a Gateway makes the pod one.
      ...res.gateways
        .filter((g) => matchesLabels(g.spec.selector ?? {}, w.labels))
        .map((g) => `gw:${g.resource.hash}`)
        .sort(),
    ]);
    const proxied = gateway !== undefined || injection.dataPlane !== 'none';
    const ambient = !gateway && injection.dataPlane === 'ambient';
    const modeCache = new Map<number | null, ReturnType<typeof effectiveMode>>();
    const modeOf = (port: number | null) => {
      let m = modeCache.get(port);
      if (!m) {
        m = effectiveMode(levels, w, port, pick);
        modeCache.set(port, m);
        for (const group of m.ambiguous) {
          const gk = `istio:pa:${group
            .map((p) => `${p.namespace}/${p.resource.name}`)
            .sort()
            .join(',')}`;
          if (reportedAmbiguity.has(gk)) continue;
          reportedAmbiguity.add(gk);
          ambiguities.push({
            key: gk,
            workload: w,
            resources: group.map((p) => p.resource),
            message: `${group.length} PeerAuthentications compete at one level (${group.map((p) => `${p.namespace}/${p.resource.name}`).join(', ')}); Istio applies only the oldest, which the repository cannot show`,
          });
        }
      }
      return m;
    };
    const transport = (port: number | null): PortEval['transport'] => {
      if (gateway) {
        const g = gatewayPort(inv, w, gateways, port, gateway);
        return { mode: g.mode, origin: g.origin, why: g.why };
      }
      if (!proxied) return { mode: 'UNMANAGED', origin: injection.origin, why: injection.why };
      const bypass = ambient ? ambientInboundBypass(w) : bypassedPort(w, port);
      if (bypass) return { mode: 'UNMANAGED', origin: bypass.origin, why: bypass.why };
      const decision = modeOf(port);
      // Ambient ignores DISABLE: ztunnel always speaks mTLS (HBONE) between ambient pods.
      const mode: TransportMode = ambient && decision.mode === 'PLAINTEXT' ? 'PERMISSIVE' : decision.mode;
      const why = decision.origin
        ? `PeerAuthentication ${decision.origin.resource.namespace ?? ''}/${decision.origin.resource.name}`
        : 'no PeerAuthentication: Istio default PERMISSIVE';
      return { mode, origin: decision.origin, why };
    };
    const evaluate = (port: number | null): PortEval => {
      const t = transport(port);
      if (t.mode === 'UNMANAGED') {
        // No proxy on this port: nothing the mesh says is enforced there.
        const unmanaged: AccessPolicy = {
          universe: new Map([[DIM.principal, ANY_PEER]]),
          universeOrigin: undefined,
          enforced: false,
          enforcementOrigin: t.origin,
          allow: null,
          allowOrigins: [],
          deny: [],
          custom: [],
        };
        return { transport: t, access: { tcp: unmanaged } };
      }
      const served = gateway ? gatewayPort(inv, w, gateways, port, gateway) : undefined;
      const principals = served ? served.universe : t.mode === 'STRICT' ? AUTHENTICATED : ANY_PEER;
      const universe = new Map(principals ? [[DIM.principal, principals]] : []);
      const base = { universe, universeOrigin: t.origin };
      const { protocols, origin: protocolOrigin } = ambient
        ? { protocols: ['tcp'] as Protocol[], origin: undefined }
        : served?.protocols
          ? { protocols: served.protocols, origin: served.origin }
          : protocolsOf(inv, w, port);
      const access: Partial<Record<Protocol, AccessPolicy>> = {};
      for (const protocol of protocols) {
        access[protocol] = compileAccess(policies, { port, protocol, identityVisible: t.mode !== 'PLAINTEXT', ambient, jwtIssuers, identity }, base);
      }
      const identityOrigin = identity?.origin;
      return { transport: t, access, ...(protocolOrigin ? { protocolOrigin } : {}), issuerOrigin, ...(identityOrigin ? { identityOrigin } : {}) };
    };
    views.set(key, {
      key,
      workload: w,
      inputsKey,
      ports: [...ports].sort((a, b) => a - b),
      declaredPorts,
      dataPlane: gateway
        ? { proxied, kind: 'gateway', origin: gateway.origin, why: gateway.why }
        : { proxied, kind: injection.dataPlane, origin: injection.origin, why: injection.why },
      governed: (!gateway && pas.length > 0) || policies.length > 0,
      ...(gateway ? {} : wirePortsOf(inv, w, injection.dataPlane)),
      evaluate,
      transport,
    });
  }
  return views;
}

const HBONE_PORT = 15008;
const USE_WAYPOINT = 'istio.io/use-waypoint';

/**
 * The ports meshed traffic to a workload port arrives on, as NetworkPolicy sees it
 * (mesh-semantics.md §6, istio.io "Ambient and Kubernetes NetworkPolicy"): a sidecar captures
 * inbound inside the pod, so the target port, or HBONE's 15008 from ambient clients; an ambient
 * pod receives meshed traffic on 15008 (the target port only from clients outside the mesh). With a
 * waypoint the pod sees the waypoint as the caller, not the identity a policy names: no mapping.
 */
function wirePortsOf(inv: Inventory, w: Workload, dataPlane: 'sidecar' | 'ambient' | 'none'): Pick<WorkloadView, 'wirePorts' | 'servesUncaptured'> {
  if (dataPlane === 'none') return {};
  const services = servicesOf({ ...inv, services: inv.servicesByNamespace.get(w.namespace) ?? [] }, w);
  if (dataPlane === 'ambient') {
    const labelled = [w.labels, inv.namespaces.get(w.namespace)?.labels ?? {}, ...services.map((s) => strMap(get(s.resource.body, 'metadata', 'labels')))];
    if (labelled.some((l) => USE_WAYPOINT in l)) return {};
  }
  const tcp = (protocol: string) => protocol.toUpperCase() === 'TCP';
  return {
    // Ambient clients may live in namespaces the repository does not show: a sidecar's tunnel port always counts.
    wirePorts: dataPlane === 'ambient' ? () => [HBONE_PORT] : (port) => [port, HBONE_PORT],
    servesUncaptured: w.ports.some((p) => !tcp(p.protocol)) || services.some((s) => s.ports.some((p) => !tcp(p.protocol))),
  };
}

/** The inputs as one string: compared for equality only, so no digest is needed (one per workload and side cost more than the join). */
function hash(parts: string[]): string {
  return parts.join('\n');
}

export function resolveTargetPort(w: Workload, target: number | string): number | undefined {
  if (typeof target === 'number') return target;
  return w.ports.find((p) => p.name === target)?.port;
}

/**
 * Which protocols a port may carry: Service port appProtocol, else name prefix;
 * else unknown (both), and where that was said.
 */
function protocolsOf(inv: Inventory, w: Workload, port: number | null): { protocols: Protocol[]; origin: Origin | undefined } {
  if (port === null) return { protocols: ['http', 'tcp'], origin: undefined };
  for (const s of servicesOf(inv, w)) {
    for (const p of s.ports) {
      if (resolveTargetPort(w, p.targetPort) !== port) continue;
      const name = (p.appProtocol ?? p.name ?? '').toLowerCase();
      const prefix = name.split('-')[0] ?? '';
      const origin: Origin = { resource: s.resource, path: ['spec', 'ports', p.index, p.appProtocol !== undefined ? 'appProtocol' : 'name'] };
      if (['http', 'http2', 'grpc', 'grpc-web', 'h2c'].includes(prefix) || name === 'grpc-web') return { protocols: ['http'], origin };
      if (['tcp', 'tls', 'mongo', 'mysql', 'redis', 'https'].includes(prefix)) return { protocols: ['tcp'], origin };
    }
  }
  return { protocols: ['http', 'tcp'], origin: undefined };
}

/**
 * Inbound ports that never reach the sidecar's Envoy (interception annotations). Only the
 * sidecar redirect reads them (cni/pkg/plugin/sidecar_redirect.go, tools/istio-iptables);
 * ambient's in-pod capture ignores them.
 */
function bypassedPort(w: Workload, port: number | null): { origin: Origin; why: string } | undefined {
  if (port === null) return undefined;
  const ann = w.annotations;
  const list = (k: string) =>
    (ann[k] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const at = (k: string): Origin => ({ resource: w.resource, path: [...w.templatePath, 'annotations', k] });
  const EXCLUDE = 'traffic.sidecar.istio.io/excludeInboundPorts';
  const INCLUDE = 'traffic.sidecar.istio.io/includeInboundPorts';
  if (list(EXCLUDE).includes(String(port))) return { origin: at(EXCLUDE), why: `port ${port} excluded from the sidecar (${EXCLUDE})` };
  if (ann[INCLUDE] !== undefined && ann[INCLUDE] !== '*' && !list(INCLUDE).includes(String(port))) {
    return { origin: at(INCLUDE), why: `port ${port} not in ${INCLUDE}` };
  }
  return undefined;
}

const BYPASS_INBOUND = 'ambient.istio.io/bypass-inbound-capture';

/**
 * An ambient pod whose inbound traffic is not redirected to ztunnel ("ingress mode",
 * cni/pkg/nodeagent/net.go `getPodLevelTrafficOverrides`): every inbound port then
 * bypasses mTLS and authorization. The value is read with Go's strconv.ParseBool
 * (cni/pkg/util/podutil.go `CheckBooleanAnnotation`); anything else is ignored.
 */
function ambientInboundBypass(w: Workload): { origin: Origin; why: string } | undefined {
  const v = w.annotations[BYPASS_INBOUND];
  if (v === undefined || !GO_TRUE.has(v)) return undefined;
  return {
    origin: { resource: w.resource, path: [...w.templatePath, 'annotations', BYPASS_INBOUND] },
    why: `inbound traffic bypasses ztunnel (${BYPASS_INBOUND}: "${v}")`,
  };
}

/** The strings Go's strconv.ParseBool reads as true. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
