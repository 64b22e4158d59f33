import type { FieldPath, Resource } from '../manifests/resource.js';
import { arr, get, isObj, obj, str, strMap } from './read.js';

export interface ContainerPort {
  port: number;
  name: string | undefined;
  protocol: string;
}

/** One pod template: what the mesh sees of a Deployment, StatefulSet, bare Pod, ... */
export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  /** Pod-template labels: selectors match these, not the controller's own labels. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccount: string;
  ports: ContainerPort[];
  hostNetwork: boolean;
  resource: Resource;
  /** Path to the pod template's metadata inside the resource (for anchoring). */
  templatePath: FieldPath;
  /** Not in the repository: stands for the pods a policy's selector would pick. */
  potential?: boolean;
}

export interface ServicePort {
  port: number;
  targetPort: number | string;
  name: string | undefined;
  protocol: string;
  appProtocol: string | undefined;
  /** Position in `spec.ports`, to point at the entry. */
  index: number;
}

export interface Service {
  name: string;
  namespace: string;
  selector: Record<string, string> | undefined;
  ports: ServicePort[];
  type: string;
  resource: Resource;
}

export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Undefined when the repository does not define the namespace: its labels are unknown. */
  resource: Resource | undefined;
}

export interface Inventory {
  resources: Resource[];
  namespaces: Map<string, NamespaceInfo>;
  workloads: Workload[];
  services: Service[];
  /** Resources grouped by `kind` (API group is checked by each mesh). */
  byKind: Map<string, Resource[]>;
  servicesByNamespace: Map<string, Service[]>;
  defaultNamespace: string;
  namespaceOf(r: Resource): string;
}

const TEMPLATE_PATHS: Record<string, FieldPath> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

export function buildInventory(resources: Resource[], defaultNamespace: string): Inventory {
  const namespaceOf = (r: Resource) => r.namespace ?? defaultNamespace;
  const byKind = new Map<string, Resource[]>();
  for (const r of resources) {
    const list = byKind.get(r.kind);
    if (list) list.push(r);
    else byKind.set(r.kind, [r]);
  }
  const namespaces = new Map<string, NamespaceInfo>();
  for (const r of byKind.get('Namespace') ?? []) {
    if (r.apiVersion !== 'v1') continue;
    const meta = obj(r.body.metadata);
    namespaces.set(r.name, { name: r.name, labels: strMap(meta.labels), annotations: strMap(meta.annotations), resource: r });
  }
  const workloads: Workload[] = [];
  for (const [kind, path] of Object.entries(TEMPLATE_PATHS)) {
    for (const r of byKind.get(kind) ?? []) {
      const w = readWorkload(r, path, namespaceOf(r));
      if (w) workloads.push(w);
    }
  }
  const services = (byKind.get('Service') ?? []).filter((r) => r.apiVersion === 'v1').map((r) => readService(r, namespaceOf(r)));
  for (const ns of new Set([...workloads.map((w) => w.namespace), ...services.map((s) => s.namespace)])) {
    if (!namespaces.has(ns)) namespaces.set(ns, { name: ns, labels: {}, annotations: {}, resource: undefined });
  }
  const servicesByNamespace = new Map<string, Service[]>();
  for (const s of services) {
    const list = servicesByNamespace.get(s.namespace);
    if (list) list.push(s);
    else servicesByNamespace.set(s.namespace, [s]);
  }
  return { resources, namespaces, workloads, services, byKind, servicesByNamespace, defaultNamespace, namespaceOf };
}

function readWorkload(r: Resource, templatePath: FieldPath, namespace: string): Workload | undefined {
  const template = templatePath.length === 0 ? r.body : get(r.body, ...templatePath);
  if (!isObj(template)) return undefined;
  const meta = obj(template.metadata);
  const spec = obj(template.spec);
  const ports: ContainerPort[] = [];
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    for (const p of arr(obj(c).ports)) {
      const port = obj(p).containerPort;
      if (typeof port === 'number' && Number.isInteger(port)) {
        ports.push({ port, name: str(obj(p).name), protocol: str(obj(p).protocol) ?? 'TCP' });
      }
    }
  }
  return {
    kind: r.kind,
    name: r.name,
    namespace,
    labels: strMap(meta.labels),
    annotations: strMap(meta.annotations),
    serviceAccount: str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default',
    ports,
    hostNetwork: spec.hostNetwork === true,
    resource: r,
    templatePath: [...templatePath, 'metadata'],
  };
}

function readService(r: Resource, namespace: string): Service {
  const spec = obj(r.body.spec);
  const ports: ServicePort[] = [];
  for (const [index, p] of arr(spec.ports).entries()) {
    const o = obj(p);
    if (typeof o.port !== 'number') continue;
    const target = typeof o.targetPort === 'number' || typeof o.targetPort === 'string' ? o.targetPort : o.port;
    ports.push({
      port: o.port,
      targetPort: typeof target === 'string' && /^\d+$/.test(target) ? Number(target) : target,
      name: str(o.name),
      protocol: str(o.protocol) ?? 'TCP',
      appProtocol: str(o.appProtocol),
      index,
    });
  }
  const selector = isObj(spec.selector) ? strMap(spec.selector) : undefined;
  return { name: r.name, namespace, selector, ports, type: str(spec.type) ?? 'ClusterIP', resource: r };
}

/**
 * An object's identity as the API server keys it (API group, kind, namespace,
 * name): one object per identity exists in a cluster, whatever the file.
 */
export const identityKey = (r: Resource, inv: Pick<Inventory, 'namespaceOf'>): string => {
  const slash = r.apiVersion.indexOf('/');
  return `${slash < 0 ? r.apiVersion : r.apiVersion.slice(0, slash)}|${r.kind}|${inv.namespaceOf(r)}|${r.name}`;
};

/** A side's objects by identity: the last definition of each (as `kubectl apply` leaves it), and every definition of those defined more than once. */
export interface Definitions {
  last: ReadonlyMap<string, Resource>;
  repeated: ReadonlyMap<string, readonly Resource[]>;
}

/**
 * `read` made once per inventory, for what several stages read off one side. Only for reads of
 * `resources` and `byKind`, which never change once an inventory is built (potential workloads
 * join `workloads` and `namespaces` later).
 */
export function perInventory<T>(read: (inv: Inventory) => T): (inv: Inventory) => T {
  const memo = new WeakMap<Inventory, T>();
  return (inv) => {
    let got = memo.get(inv);
    if (got === undefined) memo.set(inv, (got = read(inv)));
    return got;
  };
}

/** Made once per inventory: the pipeline, duplicates and each layer's diff all look objects up by identity. */
export const definitions = perInventory((inv): Definitions => {
  const last = new Map<string, Resource>();
  const repeated = new Map<string, Resource[]>();
  for (const r of inv.resources) {
    const k = identityKey(r, inv);
    const prev = last.get(k);
    if (prev) {
      const list = repeated.get(k);
      if (list) list.push(r);
      else repeated.set(k, [prev, r]);
    }
    last.set(k, r);
  }
  return { last, repeated };
});

export const identityIndex = (inv: Inventory): ReadonlyMap<string, Resource> => definitions(inv).last;

/** Label selector semantics: every key/value of `matchLabels` present on the pod. */
export function matchesLabels(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Services whose selector picks the workload (a Service without selector picks none). */
export function servicesOf(inv: Inventory, w: Workload): Service[] {
  return (inv.servicesByNamespace.get(w.namespace) ?? []).filter(
    (s) => s.selector !== undefined && Object.keys(s.selector).length > 0 && matchesLabels(s.selector, w.labels),
  );
}
