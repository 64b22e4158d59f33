import { posix } from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import type { FieldPath } from '../manifests/resource.js';
import type { Snapshot } from '../sources/snapshot.js';
import type { Kustomization, KustomizeTargets } from '../targets/kustomizations.js';

/** Where a field of a rendered object was written: a line of a file the repository holds. */
export interface Place {
  file: string;
  line: number;
}

/**
 * One patch a kustomization applies, read from the repository: a strategic-merge patch (a
 * partial object, in a file of its own or inline in the kustomization) or a JSON 6902 patch
 * (a list of operations on `target`).
 */
interface Patch {
  type: 'smp' | 'json6902';
  /** The file the patch text is in (the kustomization itself for an inline patch). */
  file: string;
  /** For an inline patch, the line of the kustomization its text starts after. */
  inlineLine?: number;
  docs: Document.Parsed[];
  lines: LineCounter;
  target?: { kind?: string; name?: string };
}

/**
 * The patches of a root's kustomization tree (issue #13 item 3: a field a patch set is
 * anchored on the patch's line). Read from the snapshot's kustomization files; a patch file
 * that cannot be read is left out (its fields stay on the object's origin line).
 */
export async function readPatches(root: Kustomization, targets: KustomizeTargets, snap: Snapshot): Promise<Patch[]> {
  const out: Patch[] = [];
  const seen = new Set<string>();
  const text = async (path: string): Promise<string | undefined> =>
    (snap.files.find((f) => f.path === path)?.content ?? (await snap.readFile(path).catch(() => undefined)))?.toString('utf8');
  const visit = async (k: Kustomization): Promise<void> => {
    if (seen.has(k.dir)) return;
    seen.add(k.dir);
    for (const r of k.reads) {
      const sub = targets.all.get(r);
      if (sub) await visit(sub);
    }
    const src = await text(k.file);
    if (src === undefined) return;
    const lines = new LineCounter();
    const doc = parseDocument(src, { lineCounter: lines });
    if (doc.errors.length > 0 || !isMap(doc.contents)) return;
    const entries = (field: string): { node: Node; value: unknown }[] => {
      const seq = doc.get(field, true);
      if (!isSeq(seq)) return [];
      const values = seq.toJSON() ?? [];
      return seq.items.map((node, i) => ({ node: node as Node, value: values[i] }));
    };
    const add = async (type: Patch['type'], value: unknown, node: Node, targetOf?: unknown): Promise<void> => {
      const t = targetOf && typeof targetOf === 'object' ? (targetOf as { kind?: unknown; name?: unknown }) : undefined;
      const target = t ? { ...(typeof t.kind === 'string' ? { kind: t.kind } : {}), ...(typeof t.name === 'string' ? { name: t.name } : {}) } : undefined;
      if (typeof value === 'string' && value.includes('\n')) {
        // Inline: lines inside the string are offset from the line its block starts on.
        const pl = new LineCounter();
        const docs = parseAllDocuments(value, { lineCounter: pl });
        const start = node.range ? lines.linePos(node.range[0]).line : 1;
        out.push({ type, file: k.file, inlineLine: start, docs: Array.isArray(docs) ? docs : [], lines: pl, ...(target ? { target } : {}) });
        return;
      }
      if (typeof value !== 'string') return;
      const file = posix.normalize(posix.join(k.dir, value));
      const body = await text(file);
      if (body === undefined) return;
      const pl = new LineCounter();
      const docs = parseAllDocuments(body, { lineCounter: pl });
      out.push({ type, file, docs: Array.isArray(docs) ? docs : [], lines: pl, ...(target ? { target } : {}) });
    };
    for (const { node, value } of entries('patchesStrategicMerge')) await add('smp', value, node);
    for (const { node, value } of entries('patchesJson6902')) {
      const e = value as { path?: unknown; patch?: unknown; target?: unknown } | null;
      if (e) await add('json6902', e.path ?? e.patch, node, e.target);
    }
    for (const { node, value } of entries('patches')) {
      const e = value as { path?: unknown; patch?: unknown; target?: unknown } | null;
      if (!e) continue;
      const body = e.path ?? e.patch;
      // `patches:` takes both forms: a list of operations is JSON 6902, an object a strategic merge.
      const isOps =
        typeof body === 'string' &&
        /^\s*-\s*(op|"op")\s*:/m.test(typeof e.patch === 'string' ? e.patch : ((await text(posix.normalize(posix.join(k.dir, body)))) ?? ''));
      await add(isOps ? 'json6902' : 'smp', body, node, e.target);
    }
  };
  await visit(root);
  return out;
}

/**
 * The line of the patch that set `path` of the rendered object `kind`/`name`, when the value
 * there differs from what the origin object holds (kustomize left the field alone otherwise).
 * Later patches in the list win, as kustomize applies them in order (bases before overlays).
 */
export function patchPlace(patches: readonly Patch[], kind: string, name: string, path: FieldPath): Place | undefined {
  let found: Place | undefined;
  for (const p of patches) {
    const place = p.type === 'smp' ? smpPlace(p, kind, name, path) : jsonPlace(p, kind, name, path);
    if (place) found = place;
  }
  return found;
}

function smpPlace(p: Patch, kind: string, name: string, path: FieldPath): Place | undefined {
  for (const doc of p.docs) {
    if (doc.errors.length > 0) continue;
    const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    if (!v || v.kind !== kind || typeof v.metadata?.name !== 'string' || !name.includes(v.metadata.name)) continue;
    // The deepest node of the path the patch holds: a patch replacing `rules` sets every field below it.
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node?.range) return at(p, node.range[0]);
    }
  }
  return undefined;
}

function jsonPlace(p: Patch, kind: string, name: string, path: FieldPath): Place | undefined {
  if (p.target && ((p.target.kind && p.target.kind !== kind) || (p.target.name && !name.includes(p.target.name)))) return undefined;
  const doc = p.docs[0];
  if (!doc || doc.errors.length > 0) return undefined;
  const ops = doc.toJS() as unknown;
  if (!Array.isArray(ops)) return undefined;
  const wanted = path.map(String);
  let found: Place | undefined;
  ops.forEach((op: unknown, i) => {
    const o = op as { op?: unknown; path?: unknown } | null;
    if (!o || typeof o.path !== 'string' || o.op === 'test') return;
    const segs = o.path
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    // `-` appends to a list: it sets an element the rendered path names by index.
    const prefix = segs.every((s, j) => j < wanted.length && (s === wanted[j] || (s === '-' && /^\d+$/.test(wanted[j]!))));
    if (!prefix) return;
    const rest = path.slice(segs.length);
    const node = (doc.getIn([i, 'value', ...rest], true) ?? doc.getIn([i], true)) as Node | undefined;
    if (node?.range) found = at(p, node.range[0]);
  });
  return found;
}

function at(p: Patch, offset: number): Place {
  const line = p.lines.linePos(offset).line;
  // An inline patch's text starts on the line after its `patch: |` key.
  return { file: p.file, line: p.inlineLine !== undefined ? p.inlineLine + line : line };
}
