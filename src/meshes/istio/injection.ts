import type { Inventory, Workload } from '../../inventory/inventory.js';
import type { Origin } from '../../policy/access.js';

export type DataPlane = 'sidecar' | 'ambient' | 'none';

export interface InjectionDecision {
  dataPlane: DataPlane;
  /** The field that decided it; undefined when nothing in the repository did (the default). */
  origin: Origin | undefined;
  why: string;
}

const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);
/** istio-cni's default `excludeNamespaces` (manifests/charts/istio-cni/values.yaml): never enrolled in ambient. */
const AMBIENT_EXCLUDED_NAMESPACES = new Set(['kube-system']);
const INJECT = 'sidecar.istio.io/inject';
const DATAPLANE_MODE = 'istio.io/dataplane-mode';

/**
 * Istio's sidecar injector decision (`injectRequired` in pkg/kube/inject/webhook.go
 * and the webhook's namespace/object selectors), then ambient enrolment for pods
 * without a sidecar (cni/pkg/util/enablement_selector.go with the default selectors:
 * pod label `istio.io/dataplane-mode=ambient`, or namespace label `ambient` unless
 * the pod label is `none`).
 */
export function decideInjection(inv: Inventory, w: Workload): InjectionDecision {
  // Host-network pods share the node's network namespace: the injector skips them, and
  // ambient cannot install redirection there (enablement_selector.go `Matches`).
  if (w.hostNetwork) {
    return {
      dataPlane: 'none',
      origin: { resource: w.resource, path: [...w.templatePath.slice(0, -1), 'spec', 'hostNetwork'] },
      why: 'hostNetwork pods get neither a sidecar nor ambient capture',
    };
  }
  const sidecar = decideSidecar(inv, w);
  if (sidecar.dataPlane === 'sidecar') return sidecar; // A pod with a sidecar is never captured by ztunnel.
  return decideAmbient(inv, w) ?? sidecar;
}

const podOrigin = (w: Workload, where: 'labels' | 'annotations', key: string): Origin => ({ resource: w.resource, path: [...w.templatePath, where, key] });

function nsOf(inv: Inventory, w: Workload) {
  const ns = inv.namespaces.get(w.namespace);
  const labels = ns?.labels ?? {};
  const origin = (key: string): Origin | undefined => (ns?.resource ? { resource: ns.resource, path: ['metadata', 'labels', key] } : undefined);
  return { ns, labels, origin };
}

/** Ambient enrolment of a pod without a sidecar; undefined when ambient does not concern it. */
function decideAmbient(inv: Inventory, w: Workload): InjectionDecision | undefined {
  if (AMBIENT_EXCLUDED_NAMESPACES.has(w.namespace)) return undefined;
  const { labels: nsLabels, origin: nsOrigin } = nsOf(inv, w);
  const podMode = w.labels[DATAPLANE_MODE];
  if (podMode === 'ambient') return { dataPlane: 'ambient', origin: podOrigin(w, 'labels', DATAPLANE_MODE), why: 'pod enrolled in ambient' };
  if (nsLabels[DATAPLANE_MODE] !== 'ambient') return undefined;
  if (podMode === 'none') {
    return { dataPlane: 'none', origin: podOrigin(w, 'labels', DATAPLANE_MODE), why: `pod label ${DATAPLANE_MODE}=none opts it out of ambient` };
  }
  return { dataPlane: 'ambient', origin: nsOrigin(DATAPLANE_MODE), why: `namespace ${w.namespace} is ambient` };
}

/** The sidecar injector alone: `sidecar`, or `none` with the field that decided it. */
function decideSidecar(inv: Inventory, w: Workload): InjectionDecision {
  const { ns, labels: nsLabels, origin: nsOrigin } = nsOf(inv, w);
  const none = (origin: Origin | undefined, why: string): InjectionDecision => ({ dataPlane: 'none', origin, why });

  if (IGNORED_NAMESPACES.has(w.namespace)) return none(undefined, `namespace ${w.namespace} is never injected`);
  const nsInjection = nsLabels['istio-injection'];
  if (nsInjection === 'disabled') return none(nsOrigin('istio-injection'), `namespace ${w.namespace} has istio-injection=disabled`);

  const label = w.labels[INJECT];
  const annotation = w.annotations[INJECT];
  const value = label ?? annotation;
  const valueOrigin = label !== undefined ? podOrigin(w, 'labels', INJECT) : podOrigin(w, 'annotations', INJECT);
  if (value === 'false') return none(valueOrigin, `${INJECT}: "false"`);
  if (value === 'true') {
    // Without a namespace label only the label form reaches the webhook (its object selector matches labels).
    const nsEnabled = nsInjection === 'enabled' || (nsInjection === undefined && nsLabels['istio.io/rev'] !== undefined);
    if (label !== undefined || nsEnabled) return { dataPlane: 'sidecar', origin: valueOrigin, why: `${INJECT}: "true"` };
  }
  if (w.labels['istio.io/rev'] !== undefined && nsInjection === undefined) {
    return { dataPlane: 'sidecar', origin: podOrigin(w, 'labels', 'istio.io/rev'), why: 'pod label istio.io/rev' };
  }
  if (nsInjection === 'enabled') return { dataPlane: 'sidecar', origin: nsOrigin('istio-injection'), why: `namespace ${w.namespace} has istio-injection=enabled` };
  if (nsInjection === undefined && nsLabels['istio.io/rev'] !== undefined) {
    return { dataPlane: 'sidecar', origin: nsOrigin('istio.io/rev'), why: `namespace ${w.namespace} has istio.io/rev` };
  }
  if (!ns?.resource) {
    // The repository does not show the namespace's labels; it does hold Istio config for it, so
    // assume the mesh is on: policies are then evaluated and their changes reported.
    return { dataPlane: 'sidecar', origin: undefined, why: `namespace ${w.namespace} is not in the repository; injection assumed` };
  }
  return none(value !== undefined ? valueOrigin : nsOrigin('istio-injection'), `namespace ${w.namespace} is not labelled for injection`);
}
