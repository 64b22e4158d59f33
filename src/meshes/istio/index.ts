import { matchesLabels, type Inventory, type Workload } from '../../inventory/inventory.js';
import { resolveTargetPort } from './workloadViews.js';
import { arr, get, str } from '../../inventory/read.js';
import { DIM } from '../../policy/requestSpace.js';
import type { MeshAdapter, MeshOptions, MeshSide } from '../../policy/meshSide.js';
import { ISTIO_IDENTITIES } from './identities.js';
import { collectIstioResources } from './istioResources.js';
import { readMeshSettings } from './meshConfig.js';
import { istioSelectors } from './selectors.js';
import { droppedNamespaces } from './injection.js';
import { newBundle } from './trustDomain.js';
import { computeClientPaths, findDestinationRuleConflicts } from './destinationRule.js';
import { computeEgress, egressImportOriginFor, egressOriginFor } from './egress.js';
import { computeEgressTls } from './egressTls.js';
import { computeIngress, ingressOriginFor } from './ingress.js';
import { exposedByLoadBalancer } from './serviceExposure.js';
import { buildWorkloadViews } from './workloadViews.js';

const ISTIO_GROUP = /(^|\.)istio\.io\//;
const ENROLMENT_LABELS = ['istio-injection', 'istio.io/rev', 'istio.io/dataplane-mode'];

/** Istio with sidecars (and ambient, enough not to misread it). */
export const istio: MeshAdapter = {
  id: 'istio',
  name: 'Istio',
  // A namespace enrolled in either data plane (sidecar injection, ambient) is Istio's, as selectors.ts reads it.
  present: (inv) =>
    inv.resources.some((r) => ISTIO_GROUP.test(r.apiVersion)) || [...inv.namespaces.values()].some((n) => ENROLMENT_LABELS.some((k) => k in n.labels)),
  evaluate(inv: Inventory, options: MeshOptions): MeshSide {
    const settings = readMeshSettings(inv, options);
    // A workload is the same peer on both sides whichever trust domain each side gives it.
    const other = options.counterpart ? readMeshSettings(options.counterpart, options) : settings;
    const identity = {
      bundle: newBundle(settings.trustDomain, settings.trustDomainAliases),
      meshTrustDomains: [...new Set([settings.trustDomain, other.trustDomain])],
      // What renamed the identities policies are matched against, when the review changes it.
      origin:
        other.trustDomain !== settings.trustDomain
          ? settings.trustDomainOrigin
          : other.trustDomainAliases.join(',') !== settings.trustDomainAliases.join(',')
            ? settings.trustDomainAliasesOrigin
            : undefined,
    };
    const res = collectIstioResources(inv);
    const side: MeshSide = {
      mesh: 'istio',
      rootNamespace: settings.rootNamespace,
      ...(settings.rootNamespaceOrigin ? { rootNamespaceOrigin: settings.rootNamespaceOrigin } : {}),
      workloads: new Map(),
      clientPaths: new Map(),
      egress: new Map(),
      ingress: new Map(),
      invalid: res.invalid,
      ambiguities: [],
      assumptions: settings.assumptions,
      identities: ISTIO_IDENTITIES,
    };
    // With competing policies the weaker one is assumed on both sides: the same cluster state
    // then compares equal, and a newly added weaker competitor shows as a weakening.
    const dropped = options.side === 'head' && options.counterpart ? droppedNamespaces(options.counterpart, inv) : undefined;
    side.workloads = buildWorkloadViews(inv, res, settings, 'weakest', side.ambiguities, identity, dropped);
    side.clientPaths = computeClientPaths(inv, res, settings, side.workloads, (key, port) => side.workloads.get(key)?.transport(port).mode ?? 'PERMISSIVE');
    for (const c of findDestinationRuleConflicts(res)) {
      const names = c.rules.map((r) => r.resource.name).sort();
      side.ambiguities.push({
        key: `istio:dr:${c.namespace}:${c.host}:${names.join(',')}`,
        workload: null,
        resources: c.rules.map((r) => r.resource),
        message: `${c.rules.length} DestinationRules for ${c.host} in namespace ${c.namespace} (${names.join(', ')}) both set a traffic policy; Istio merges them and keeps the first, which depends on cluster state`,
      });
    }
    side.egress = computeEgress(inv, res, settings, side.workloads);
    for (const view of side.egress.values()) {
      view.originFor = (host) => egressOriginFor(view, host);
      view.importOriginFor = (host) => egressImportOriginFor(view, host);
    }
    side.egressTls = computeEgressTls(res, settings);
    side.exposedOutside = exposedByLoadBalancer(inv);
    side.ingress = computeIngress(inv, res, settings);
    for (const view of side.ingress.values()) {
      view.originFor = (host) => ingressOriginFor(view, host);
      view.targets = backendTargets(inv, view.backend);
    }
    return side;
  },
  selectors: istioSelectors,
  candidates(dim, inv, options) {
    if (dim === DIM.principal) {
      // Peers in the mesh carry the mesh's trust domain (the head side's, for a review).
      const td = readMeshSettings(inv, options).trustDomain;
      const namespaces = [...inv.namespaces.keys()].slice(0, 20);
      // The identities the repository's own workloads run as read best in a witness; then any pod of a namespace.
      const accounts = [...new Set(inv.workloads.filter((w) => !w.potential).map((w) => `${td}/ns/${w.namespace}/sa/${w.serviceAccount}`))].sort().slice(0, 40);
      return [...accounts, ...namespaces.map((ns) => `${td}/ns/${ns}/sa/default`), `${td}/ns/untrusted/sa/default`, `spiffe-other/ns/untrusted/sa/default`, ''];
    }
    if (dim === DIM.method) return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', ''];
    if (dim === DIM.path) return ['/', '/admin', '/api', ''];
    if (dim === DIM.sourceIp || dim === DIM.remoteIp) return ['10.0.0.1', '203.0.113.7'];
    if (dim === DIM.requestPrincipal) {
      const issuers = (inv.byKind.get('RequestAuthentication') ?? []).flatMap((r) => arr(get(r.body, 'spec', 'jwtRules')).map((j) => str(get(j, 'issuer'))));
      return ['', ...issuers.filter((i): i is string => i !== undefined).map((i) => `${i}/user`), 'https://issuer.example.com/user'];
    }
    return ['', 'x'];
  },
};

/** The workloads behind `<svc>.<ns>.svc.cluster.local`, each with the target port when the Service has one port. */
function backendTargets(inv: Inventory, fqdn: string): { workload: Workload; port: number | null }[] {
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(fqdn);
  if (!m) return [];
  const service = (inv.servicesByNamespace.get(m[2]!) ?? []).find((s) => s.name === m[1]);
  if (!service?.selector || Object.keys(service.selector).length === 0) return [];
  const selector = service.selector;
  return inv.workloads
    .filter((w) => w.namespace === service.namespace && !w.potential && matchesLabels(selector, w.labels))
    .map((workload) => ({
      workload,
      port: service.ports.length === 1 ? (resolveTargetPort(workload, service.ports[0]!.targetPort) ?? null) : null,
    }));
}
