import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isMap, isSeq, parseAllDocuments, parseDocument, stringify } from 'yaml';
import type { Resource } from '../manifests/resource.js';
import type { Kustomization } from '../targets/kustomizations.js';
import { kustomizeOrigin } from './renderedResources.js';

/** What `kubectl kustomize` is run on, and how the origin paths it writes map to repo paths. */
export interface Build {
  dir: string;
  baseDir: string;
  origin: (doc: Record<string, unknown>) => string | undefined;
}

const WRAPPER = 'component-wrapper';
const FROM_WRAPPER = '../repo/';

/**
 * A Component no kustomization lists, rendered as `kubectl apply -k` would apply it from a
 * kustomization of its own: `kubectl kustomize` builds only a Kustomization, so a wrapper
 * holding `components: [<component>]` is written beside the repository copy, in the same
 * private temp folder (`<tmp>/component-wrapper`, next to `<tmp>/repo`). The load restrictor
 * stays root-only: kustomize gives a referenced kustomization folder a loader rooted at that
 * folder (api/internal/target/kusttarget.go accumulateDirectory, loader.FileLoader.New), so
 * the Component reads its own files under its own root, exactly as through a listing overlay;
 * the wrapper reads no file. Origin paths are then relative to the wrapper (`../repo/...`).
 */
export async function componentWrapper(tmp: string, root: Kustomization): Promise<Build> {
  const dir = join(tmp, WRAPPER);
  await mkdir(dir);
  const wrapper = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    buildMetadata: ['originAnnotations'],
    components: [posix.join('..', 'repo', root.dir)],
  };
  await writeFile(join(dir, 'kustomization.yaml'), stringify(wrapper));
  return {
    dir,
    baseDir: '',
    origin: (d) => {
      const rel = kustomizeOrigin(d);
      return rel?.startsWith(FROM_WRAPPER) ? rel.slice(FROM_WRAPPER.length) : undefined;
    },
  };
}

/** A patch without a target selector, removed for a Component rendered alone, and the object it names. */
export interface ForeignPatch {
  /** The patch file (repo path), or the Component's kustomization for an inline patch. */
  file: string;
  kind: string;
  name: string;
}

/** kustomize's error for a strategic-merge patch whose object is not among the resources (api/resource/...: "failed to find unique target for patch"). */
const MISSING_PATCH_TARGET = /no resource matches strategic merge patch|failed to find unique target for patch/;

/**
 * A Component is written for the kustomization that lists it, and its strategic-merge
 * patches (the forms without a `target:` selector: `patchesStrategicMerge`, and `patches`
 * entries without `target`) usually change that kustomization's objects, which kustomize
 * requires to exist. Rendered alone, such a patch fails; patches with a `target:` selector
 * that matches nothing do not. When the render failed so, the Component's kustomization (in
 * the private copy) loses every such patch whose object it names can be read, and those are
 * returned; none of the repository's objects is theirs to change, as no kustomization of the
 * repository lists the Component. Nothing is removed (and [] returned) for any other failure,
 * or when a patch cannot be read: the render then fails as it did.
 */
export async function stripForeignPatches(repo: string, root: Kustomization, failure: string): Promise<ForeignPatch[]> {
  if (!MISSING_PATCH_TARGET.test(failure)) return [];
  const kfile = join(repo, root.file);
  const doc = parseDocument(await readFile(kfile, 'utf8'));
  if (doc.errors.length > 0 || !isMap(doc.contents)) return [];
  const dropped: ForeignPatch[] = [];
  const patchIds = async (text: string, file: string): Promise<ForeignPatch[] | undefined> => {
    const ids: ForeignPatch[] = [];
    for (const d of parseAllDocuments(text)) {
      if (d.errors.length > 0) return undefined;
      const v: unknown = d.toJS();
      if (v === null || v === undefined) continue;
      const o = v as { kind?: unknown; metadata?: { name?: unknown } };
      if (typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') return undefined;
      ids.push({ file, kind: o.kind, name: o.metadata.name });
    }
    return ids.length > 0 ? ids : undefined;
  };
  const read = async (ref: string): Promise<string | undefined> => readFile(join(repo, root.dir, ref), 'utf8').catch(() => undefined);
  // Each entry: its patch text (a file it names, or inline) and where it is said.
  const ids = async (entry: unknown): Promise<ForeignPatch[] | undefined> => {
    if (typeof entry === 'string') {
      const inline = entry.includes('\n');
      const text = inline ? entry : await read(entry);
      return text === undefined ? undefined : patchIds(text, inline ? root.file : posix.normalize(posix.join(root.dir, entry)));
    }
    if (!entry || typeof entry !== 'object') return undefined;
    const e = entry as { path?: unknown; patch?: unknown; target?: unknown };
    if (e.target !== undefined) return undefined; // a selector that matches nothing is no error: kept
    if (typeof e.patch === 'string') return patchIds(e.patch, root.file);
    if (typeof e.path === 'string') {
      const text = await read(e.path);
      return text === undefined ? undefined : patchIds(text, posix.normalize(posix.join(root.dir, e.path)));
    }
    return undefined;
  };
  for (const field of ['patchesStrategicMerge', 'patches']) {
    const list = doc.get(field);
    if (!isSeq(list)) continue;
    const entries: unknown[] = list.toJSON();
    const keep: number[] = [];
    for (const [i, entry] of entries.entries()) {
      const found = await ids(entry);
      if (found) dropped.push(...found);
      else keep.push(i);
    }
    if (keep.length === entries.length) continue;
    list.items = list.items.filter((_item, i) => keep.includes(i));
    if (list.items.length === 0) doc.delete(field);
  }
  if (dropped.length > 0) await writeFile(kfile, doc.toString());
  return dropped;
}

/**
 * A removed patch that names one of the Component's own rendered objects (same kind, and the
 * name, before any namePrefix/nameSuffix, within the rendered one): it would have changed
 * that object, so the render without it is not the Component's.
 */
export function ownObjectsPatched(dropped: readonly ForeignPatch[], rendered: readonly Resource[]): ForeignPatch | undefined {
  return dropped.find((p) => rendered.some((r) => r.kind === p.kind && r.name.includes(p.name)));
}
