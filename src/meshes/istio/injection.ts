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
export function decideInjection(inv: Inventory, w: Workload, dropped: DroppedNamespaces = NO_DROPPED): InjectionDecision {
  // Host-network pods share the node's network namespace: the injector skips them, and
  // ambient cannot install redirection there (enablement_selector.go `Matches`).
  if (w.hostNetwork) {
    return {
      dataPlane: 'none',
      origin: { resource: w.resource, path: [...w.templatePath.slice(0, -1), 'spec', 'hostNetwork'] },
      why: 'hostNetwork pods get neither a sidecar nor ambient capture',
    };
  }
  const sidecar = decideSidecar(inv, w, dropped);
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
function decideSidecar(inv: Inventory, w: Workload, dropped: DroppedNamespaces): InjectionDecision {
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
  if (nsInjection === 'enabled')
    return { dataPlane: 'sidecar', origin: nsOrigin('istio-injection'), why: `namespace ${w.namespace} has istio-injection=enabled` };
  if (nsInjection === undefined && nsLabels['istio.io/rev'] !== undefined) {
    return { dataPlane: 'sidecar', origin: nsOrigin('istio.io/rev'), why: `namespace ${w.namespace} has istio.io/rev` };
  }
  const gone = ns?.resource ? undefined : dropped.get(w.namespace);
  if (gone) {
    // No field of this side decides it: the anchor falls back to the base's label, now deleted.
    return none(
      undefined,
      `Namespace ${w.namespace}, whose label ${gone.label} enrolled its pods, is no longer declared in the repository: the namespace object is no longer managed from here, so its label is no longer guaranteed; pruned, or recreated without it, its pods start without a proxy`,
    );
  }
  if (!ns?.resource) {
    // The repository does not show the namespace's labels; it does hold Istio config for it, so
    // assume the mesh is on: policies are then evaluated and their changes reported.
    return { dataPlane: 'sidecar', origin: undefined, why: `namespace ${w.namespace} is not in the repository; injection assumed` };
  }
  return none(value !== undefined ? valueOrigin : nsOrigin('istio-injection'), `namespace ${w.namespace} is not labelled for injection`);
}

/** Namespaces the base declared with a data-plane enrolment label and the head no longer declares, with that label (`key=value`). */
export type DroppedNamespaces = ReadonlyMap<string, { label: string }>;
const NO_DROPPED: DroppedNamespaces = new Map();

/**
 * The Namespace objects that enrolled their pods in the mesh on the base side
 * (`istio-injection=enabled`; `istio.io/rev` without `istio-injection`, which the
 * revision's injector webhook selects; `istio.io/dataplane-mode=ambient`) and
 * that the head no longer declares at all. Pods of such a namespace cannot be
 * "assumed injected" as pods of a namespace the repository never showed are:
 * the repository did manage the label, and a namespace object it stops applying
 * is pruned (Config Sync, Argo CD, `kubectl apply --prune`) or left to whoever
 * recreates it, without the label. A namespace the head still declares, in any
 * file or target, is judged by its labels there.
 */
export function droppedNamespaces(base: Inventory, head: Inventory): DroppedNamespaces {
  const out = new Map<string, { label: string }>();
  for (const n of base.namespaces.values()) {
    if (!n.resource || head.namespaces.get(n.name)?.resource) continue;
    const enrolled = enrolment(n.labels);
    if (enrolled) out.set(n.name, { label: `${enrolled}=${n.labels[enrolled]}` });
  }
  return out;
}

/** The namespace label that enrols its pods, as decideSidecar and decideAmbient read it. */
function enrolment(labels: Record<string, string>): string | undefined {
  const injection = labels['istio-injection'];
  if (injection === 'enabled') return 'istio-injection';
  if (injection === undefined && labels['istio.io/rev'] !== undefined) return 'istio.io/rev';
  if (labels[DATAPLANE_MODE] === 'ambient') return DATAPLANE_MODE;
  return undefined;
}
