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
const INJECT = 'sidecar.istio.io/inject';

/**
 * Istio's sidecar injector decision (`injectRequired` in pkg/kube/inject/webhook.go
 * and the webhook's namespace/object selectors), then ambient enrolment.
 */
export function decideInjection(inv: Inventory, w: Workload): InjectionDecision {
  const ns = inv.namespaces.get(w.namespace);
  const nsLabels = ns?.labels ?? {};
  const nsOrigin = (key: string): Origin | undefined => (ns?.resource ? { resource: ns.resource, path: ['metadata', 'labels', key] } : undefined);
  const podOrigin = (where: 'labels' | 'annotations', key: string): Origin => ({ resource: w.resource, path: [...w.templatePath, where, key] });
  const ambient = (): InjectionDecision | undefined => {
    const podMode = w.labels['istio.io/dataplane-mode'];
    if (podMode === 'none') return undefined;
    if (podMode === 'ambient') return { dataPlane: 'ambient', origin: podOrigin('labels', 'istio.io/dataplane-mode'), why: 'pod enrolled in ambient' };
    if (nsLabels['istio.io/dataplane-mode'] === 'ambient') {
      return { dataPlane: 'ambient', origin: nsOrigin('istio.io/dataplane-mode'), why: `namespace ${w.namespace} is ambient` };
    }
    return undefined;
  };
  const none = (origin: Origin | undefined, why: string): InjectionDecision => ambient() ?? { dataPlane: 'none', origin, why };

  if (w.hostNetwork) return none({ resource: w.resource, path: [...w.templatePath.slice(0, -1), 'spec', 'hostNetwork'] }, 'hostNetwork pods are never injected');
  if (IGNORED_NAMESPACES.has(w.namespace)) return none(undefined, `namespace ${w.namespace} is never injected`);
  const nsInjection = nsLabels['istio-injection'];
  if (nsInjection === 'disabled') return none(nsOrigin('istio-injection'), `namespace ${w.namespace} has istio-injection=disabled`);

  const label = w.labels[INJECT];
  const annotation = w.annotations[INJECT];
  const value = label ?? annotation;
  const valueOrigin = label !== undefined ? podOrigin('labels', INJECT) : podOrigin('annotations', INJECT);
  if (value === 'false') return none(valueOrigin, `${INJECT}: "false"`);
  if (value === 'true') {
    // Without a namespace label only the label form reaches the webhook (its object selector matches labels).
    const nsEnabled = nsInjection === 'enabled' || (nsInjection === undefined && nsLabels['istio.io/rev'] !== undefined);
    if (label !== undefined || nsEnabled) return { dataPlane: 'sidecar', origin: valueOrigin, why: `${INJECT}: "true"` };
  }
  if (w.labels['istio.io/rev'] !== undefined && nsInjection === undefined) {
    return { dataPlane: 'sidecar', origin: podOrigin('labels', 'istio.io/rev'), why: 'pod label istio.io/rev' };
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
