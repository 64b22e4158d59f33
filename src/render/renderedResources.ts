import { parseAllDocuments } from 'yaml';
import { posix } from 'node:path';
import { canonicalHash } from '../manifests/canonicalHash.js';
import { MAX_NESTING_DEPTH } from '../manifests/messages.js';
import type { FieldPath, ParseError, Resource } from '../manifests/resource.js';

/** kustomize's origin annotation (buildMetadata: [originAnnotations]): the file an object came from. */
export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';

/** Objects of the repository, by repo path: where a rendered object's lines are looked up. */
export type OriginLookup = (file: string) => Resource[];

/**
 * Turns a tool's rendered YAML stream into resources whose `file`/`line` are the repo
 * file the object came from (kustomize's origin annotation, or helm's `# Source:` template),
 * never the rendered stream, which no reviewer can see. The annotation is removed from the
 * body so it does not make two equal renders differ.
 */
/** Kinds with no namespace (of those a review reads or that charts commonly hold): never given the release's. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'GatewayClass',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'ClusterNetworkPolicy',
  'APIService',
]);

export function renderedResources(
  stream: string,
  opts: {
    target: string;
    baseDir: string;
    fallbackFile: string;
    origin: (doc: Record<string, unknown>, comment: string) => string | undefined;
    lookup: OriginLookup;
    /**
     * The namespace a namespaced object without one lands in: `helm install --namespace`
     * installs every such object of the release there (the client's default for it).
     */
    releaseNamespace?: string;
    /** Where a patch set a field of the object (kind, rendered name), if one did. */
    patched?: (kind: string, name: string, path: FieldPath) => { file: string; line: number } | undefined;
  },
): { resources: Resource[]; errors: ParseError[] } {
  const resources: Resource[] = [];
  const errors: ParseError[] = [];
  // Duplicate keys in a rendered object (a chart adding a label its template also sets) are what
  // `helm install` and `kubectl apply` accept, the last one winning (sigs.k8s.io/yaml, non-strict).
  const docs = parseAllDocuments(stream, { uniqueKeys: false });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length) {
      errors.push({ file: opts.fallbackFile, line: 1, message: `${opts.target}: rendered output unreadable: ${doc.errors[0]!.message}` });
      continue;
    }
    const body: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!body || typeof body !== 'object' || Array.isArray(body)) continue;
    const obj = body as Record<string, unknown>;
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const rel = opts.origin(obj, `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`);
    const annotations = meta.annotations as Record<string, unknown> | undefined;
    if (annotations && ORIGIN_ANNOTATION in annotations) {
      delete annotations[ORIGIN_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete meta.annotations;
    }
    const file = rel ? posix.normalize(posix.join(opts.baseDir, rel)) : opts.fallbackFile;
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const name = typeof meta.name === 'string' ? meta.name : '';
    const source = matchOrigin(opts.lookup(file), kind, name);
    resources.push({
      apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : '',
      kind,
      name,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : CLUSTER_SCOPED.has(kind) ? undefined : opts.releaseNamespace,
      body: obj,
      file,
      docIndex: source?.docIndex ?? 0,
      line: source?.line ?? 1,
      hash: canonicalHash(obj, MAX_NESTING_DEPTH),
      target: opts.target,
      locate: source ? (path) => source.locate(path) : () => 1,
      ...(opts.patched ? { place: placeOf(obj, source, kind, name, opts.patched) } : {}),
    });
  }
  return { resources, errors };
}

/**
 * The object in the origin file this rendered one came from: same kind, and the name it had
 * before namePrefix/nameSuffix (the rendered name contains it); else the only one of its kind.
 */
function matchOrigin(candidates: Resource[], kind: string, name: string): Resource | undefined {
  const ofKind = candidates.filter((r) => r.kind === kind);
  return (
    ofKind.find((r) => r.name === name) ??
    ofKind.filter((r) => r.name && name.includes(r.name)).sort((a, b) => b.name.length - a.name.length)[0] ??
    (ofKind.length === 1 ? ofKind[0] : undefined) ??
    candidates[0]
  );
}

/** The origin path kustomize wrote (relative to the rendered root), for local files only. */
export function kustomizeOrigin(doc: Record<string, unknown>): string | undefined {
  const meta = doc.metadata as Record<string, unknown> | undefined;
  const raw = (meta?.annotations as Record<string, unknown> | undefined)?.[ORIGIN_ANNOTATION];
  if (typeof raw !== 'string') return undefined;
  const m = /^path:\s*(.+)$/m.exec(raw);
  if (!m || /^repo:/m.test(raw)) return undefined;
  return m[1]!.trim().replace(/^['"]|['"]$/g, '');
}

/**
 * A field whose rendered value is not the origin object's was set by something the render
 * applied: the patch that set it, when one did (a namespace or label transformer names no line).
 */
function placeOf(
  obj: Record<string, unknown>,
  source: Resource | undefined,
  kind: string,
  name: string,
  patched: (kind: string, name: string, path: FieldPath) => { file: string; line: number } | undefined,
): (path: FieldPath) => { file: string; line: number } | undefined {
  return (path) => {
    if (source && JSON.stringify(fieldAt(obj, path)) === JSON.stringify(fieldAt(source.body, path))) return undefined;
    return patched(kind, name, path);
  };
}

function fieldAt(v: unknown, path: FieldPath): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}
