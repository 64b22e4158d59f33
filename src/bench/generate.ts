import type { Snapshot, SnapshotFile } from '../sources/snapshot.js';

/**
 * A deterministic synthetic repository, in memory: N namespaces, each with
 * WORKLOADS_PER_NAMESPACE workloads and one file per namespace. Nothing is
 * random; every value is a function of the namespace and workload indices, so
 * two calls with the same N give byte-identical files.
 *
 * Per namespace (one file, `mesh/<ns>.yaml`):
 * - a Namespace labelled `istio-injection: enabled`;
 * - per workload: ServiceAccount, Deployment (pod-template labels,
 *   serviceAccountName, a named containerPort), Service (port `http-web`),
 *   PeerAuthentication (workload selector, STRICT), AuthorizationPolicy
 *   (ALLOW from the principal of the same workload in the next namespace,
 *   with methods and paths) and DestinationRule (ISTIO_MUTUAL);
 * - in every DENY_EVERY-th namespace, a namespace-wide DENY policy on the
 *   internal API paths, so a deleted DENY has allowed requests to expose.
 *
 * `head` is `base` with exactly three namespaces changed (see {@link CHANGES}).
 * Unchanged files share their Buffer with `base`, as a git checkout of a PR
 * shares its unchanged blobs.
 */

export const WORKLOADS_PER_NAMESPACE = 5;
/** Documents each workload contributes: SA, Deployment, Service, PA, AP, DR. */
export const DOCS_PER_WORKLOAD = 6;
/** Namespaces whose index is a multiple of this carry a DENY policy. */
export const DENY_EVERY = 10;
export const TRUST_DOMAIN = 'cluster.local';
export const CONTAINER_PORT = 8080;

export type ChangeKind = 'pa-permissive' | 'principal-wildcard' | 'deny-deleted';

/**
 * `plain`: as described above. `netpol`: every namespace also has a NetworkPolicy admitting only
 * its callers' namespace on the app port (NetworkPolicy under Istio), and the namespace whose
 * principal becomes `*` also opens its NetworkPolicy to every namespace. `random-principals`:
 * each ALLOW names three principals of pseudo-random other namespaces (a fixed seed), so that,
 * as in real repositories, hardly two policies are byte-identical.
 */
export type Variant = 'plain' | 'netpol' | 'random-principals';

export interface PlannedChange {
  kind: ChangeKind;
  namespace: string;
  /** The workload whose access or transport got weaker; null for a namespace-wide change. */
  workload: string | null;
  /** The rule id the review must report for it (src/findings/rules). */
  ruleId: string;
}

export interface SyntheticRepo {
  namespaces: number;
  base: Snapshot;
  head: Snapshot;
  /** Documents on one side (base). */
  documents: number;
  /** Bytes on one side (base). */
  bytes: number;
  changes: PlannedChange[];
}

export const nsName = (i: number): string => `ns-${String(i).padStart(4, '0')}`;
export const workloadName = (i: number, w: number): string => `svc-${i % 97}-${w}`;
export const filePath = (i: number): string => `mesh/${nsName(i)}.yaml`;
export const hasDeny = (i: number): boolean => i % DENY_EVERY === 0;

/** Which namespaces the head side changes, for a repository of n namespaces (n >= 3). */
export function plannedChanges(n: number): PlannedChange[] {
  if (!Number.isInteger(n) || n < 3) throw new Error(`need at least 3 namespaces, got ${n}`);
  const pa = 1;
  const wildcard = Math.floor(n / 2) === pa ? 2 : Math.floor(n / 2);
  // The last namespace that has a DENY policy and is not one of the other two.
  let deny = Math.floor((n - 1) / DENY_EVERY) * DENY_EVERY;
  while (deny === pa || deny === wildcard) deny -= DENY_EVERY;
  if (deny < 0) throw new Error(`no namespace with a DENY policy left for n=${n}`);
  return [
    { kind: 'pa-permissive', namespace: nsName(pa), workload: workloadName(pa, 0), ruleId: 'transport-weakened' },
    { kind: 'principal-wildcard', namespace: nsName(wildcard), workload: workloadName(wildcard, 1), ruleId: 'allow-policy-broadened' },
    { kind: 'deny-deleted', namespace: nsName(deny), workload: null, ruleId: 'deny-policy-weakened' },
  ];
}

/** Expected document count on one side for n namespaces. */
export function expectedDocuments(n: number): number {
  let denies = 0;
  for (let i = 0; i < n; i++) if (hasDeny(i)) denies++;
  return n * (1 + WORKLOADS_PER_NAMESPACE * DOCS_PER_WORKLOAD) + denies;
}

export function generateRepo(n: number, variant: Variant = 'plain'): SyntheticRepo {
  const changes = plannedChanges(n);
  const changeAt = new Map<string, ChangeKind>(changes.map((c) => [c.namespace, c.kind]));
  const baseFiles: SnapshotFile[] = [];
  const headFiles: SnapshotFile[] = [];
  let documents = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const path = filePath(i);
    const docs = namespaceDocuments(i, n, undefined, variant);
    const content = Buffer.from(docs.join('---\n'), 'utf8');
    documents += docs.length;
    bytes += content.length;
    baseFiles.push({ path, content });
    const change = changeAt.get(nsName(i));
    if (change === undefined) headFiles.push({ path, content });
    else headFiles.push({ path, content: Buffer.from(namespaceDocuments(i, n, change, variant).join('---\n'), 'utf8') });
  }
  return {
    namespaces: n,
    base: memorySnapshot(`synthetic base (n=${n}, ${variant})`, baseFiles),
    head: memorySnapshot(`synthetic head (n=${n}, ${variant})`, headFiles),
    documents,
    bytes,
    changes,
  };
}

export function memorySnapshot(label: string, files: SnapshotFile[]): Snapshot {
  return { label, files, skipped: [], readFile: async () => undefined };
}

/** The YAML documents (without separators) of namespace i, with `change` applied. */
function namespaceDocuments(i: number, n: number, change: ChangeKind | undefined, variant: Variant = 'plain'): string[] {
  const ns = nsName(i);
  const docs: string[] = [namespaceDoc(ns)];
  const peer = (i + 1) % n;
  if (variant === 'netpol') docs.push(networkPolicyDoc(ns, change === 'principal-wildcard' ? null : nsName(peer)));
  for (let w = 0; w < WORKLOADS_PER_NAMESPACE; w++) {
    const name = workloadName(i, w);
    const caller = variant === 'random-principals' ? randomPrincipals(i, w, n) : `${TRUST_DOMAIN}/ns/${nsName(peer)}/sa/${workloadName(peer, w)}`;
    docs.push(
      serviceAccountDoc(ns, name),
      deploymentDoc(ns, name, i, w),
      serviceDoc(ns, name),
      peerAuthenticationDoc(ns, name, change === 'pa-permissive' && w === 0 ? 'PERMISSIVE' : 'STRICT'),
      allowPolicyDoc(ns, name, w, change === 'principal-wildcard' && w === 1 ? '"*"' : caller),
      destinationRuleDoc(ns, name),
    );
  }
  if (hasDeny(i) && change !== 'deny-deleted') docs.push(denyPolicyDoc(ns));
  return docs;
}

/** Three principals of other namespaces, from a generator seeded by the namespace and workload (mulberry32). */
function randomPrincipals(i: number, w: number, n: number): string {
  let seed = (i * 7919 + w * 104729 + 1) >>> 0;
  const next = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const j = Math.floor(next() * n);
    out.push(`${TRUST_DOMAIN}/ns/${nsName(j)}/sa/${workloadName(j, Math.floor(next() * WORKLOADS_PER_NAMESPACE))}`);
  }
  return out.join('\n              - ');
}

/** Ingress to every pod of the namespace only from `from` (null: from every namespace) on the app port. */
const networkPolicyDoc = (ns: string, from: string | null): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-callers
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            ${from === null ? '{}' : `matchLabels:\n              kubernetes.io/metadata.name: ${from}`}
      ports:
        - protocol: TCP
          port: ${CONTAINER_PORT}
`;

const namespaceDoc = (ns: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    istio-injection: enabled
`;

const serviceAccountDoc = (ns: string, name: string): string => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  namespace: ${ns}
`;

const deploymentDoc = (ns: string, name: string, i: number, w: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
spec:
  replicas: ${1 + ((i + w) % 3)}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
        version: v${1 + (w % 2)}
    spec:
      serviceAccountName: ${name}
      containers:
        - name: ${name}
          image: registry.example.com/${name}:1.${i % 10}.${w}
          ports:
            - name: http-web
              containerPort: ${CONTAINER_PORT}
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
`;

const serviceDoc = (ns: string, name: string): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
    - name: http-web
      port: 80
      targetPort: ${CONTAINER_PORT}
`;

const peerAuthenticationDoc = (ns: string, name: string, mode: string): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}-mtls
  namespace: ${ns}
spec:
  selector:
    matchLabels:
      app: ${name}
  mtls:
    mode: ${mode}
`;

const METHODS = [['GET'], ['GET', 'POST'], ['GET', 'HEAD'], ['POST'], ['GET', 'PUT']];

const allowPolicyDoc = (ns: string, name: string, w: number, principal: string): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}-allow
  namespace: ${ns}
spec:
  selector:
    matchLabels:
      app: ${name}
  action: ALLOW
  rules:
    - from:
        - source:
            principals:
              - ${principal}
      to:
        - operation:
            methods: [${METHODS[w % METHODS.length]!.map((m) => `"${m}"`).join(', ')}]
            paths: ["/api/v${1 + (w % 2)}/*", "/healthz"]
`;

const destinationRuleDoc = (ns: string, name: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  host: ${name}.${ns}.svc.cluster.local
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
`;

/** Namespace-wide: nobody reaches the internal API, which the ALLOW rules' `/api/v1/*` covers. */
const denyPolicyDoc = (ns: string): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-internal
  namespace: ${ns}
spec:
  action: DENY
  rules:
    - to:
        - operation:
            paths: ["/api/v1/internal/*"]
`;
