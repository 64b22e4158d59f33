import { parse } from 'yaml';
import { posix } from 'node:path';

/** kustomize's accepted file names for a kustomization (api/konfig/general.go RecognizedKustomizationFileNames). */
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface Kustomization {
  /** Folder holding the kustomization file, "" for the repository root. */
  dir: string;
  file: string;
  /** Repo paths this kustomization reads (files and folders), resolved against `dir`. */
  reads: string[];
  /** References kustomize would fetch over the network (remote bases): never rendered. */
  remote: { ref: string; line: number }[];
  /**
   * `kind: Component`: rendered as part of the kustomizations that list it; one that none
   * lists is a target of its own, rendered through a wrapper kustomization (render/renderSides.ts).
   */
  component: boolean;
  /**
   * Why kustomize could read a file outside the repository from this kustomization were the
   * load restrictor off (`kustomize.loadRestrictor: none`): a path that is absolute or climbs
   * out of the repository, or a field whose files name further paths this reading does not
   * follow (transformer/generator/validator configs, Helm inflation, OpenAPI schemas). Empty
   * when every path it names stays inside the repository.
   */
  unconfined: string[];
}

/** A kustomize reference that is a URL or a git spec (kustomize's remote targets). */
export function isRemote(ref: string): boolean {
  return /^(https?:\/\/|git@|ssh:\/\/|git::|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/.test(ref) || /\?ref=|\.git(\/\/|$)|\/\/.*\?/.test(ref);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function paths(value: unknown, key = 'path'): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) =>
    typeof v === 'string'
      ? [v]
      : v && typeof v === 'object' && typeof (v as Record<string, unknown>)[key] === 'string'
        ? [(v as Record<string, string>)[key]!]
        : [],
  );
}

function generatorFiles(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((g) => {
    if (!g || typeof g !== 'object') return [];
    const o = g as Record<string, unknown>;
    return [...strings(o.files).map((f) => f.split('=').pop()!), ...strings(o.envs), ...(typeof o.env === 'string' ? [o.env] : [])];
  });
}

/**
 * What a kustomization file reads, from its fields as kustomize's types.Kustomization
 * names them: resources/bases/components, every patch form, generator inputs, crds,
 * configurations, openapi, replacements paths. Unreadable YAML reads nothing (kustomize
 * reports that error when it renders).
 */
export function readKustomization(file: string, text: string): Kustomization {
  const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
  let doc: Record<string, unknown> = {};
  try {
    const v: unknown = parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) doc = v as Record<string, unknown>;
  } catch {
    /* kustomize will report it */
  }
  const refs = [
    ...strings(doc.resources),
    ...strings(doc.bases),
    ...strings(doc.components),
    ...strings(doc.patchesStrategicMerge),
    ...paths(doc.patches),
    ...paths(doc.patchesJson6902),
    ...paths(doc.replacements),
    ...strings(doc.crds),
    ...strings(doc.configurations),
    ...strings(doc.transformers),
    ...strings(doc.generators),
    ...generatorFiles(doc.configMapGenerator),
    ...generatorFiles(doc.secretGenerator),
  ];
  const reads: string[] = [];
  const remote: Kustomization['remote'] = [];
  const unconfined: string[] = UNFOLLOWED_FIELDS.filter((f) => doc[f] !== undefined && doc[f] !== null && !(Array.isArray(doc[f]) && doc[f].length === 0)).map(
    (f) => `${file}: \`${f}\` names files whose own paths are not checked`,
  );
  const lines = text.split('\n');
  for (const ref of refs) {
    if (ref.includes('\n')) continue; // an inline patch, not a path
    if (isRemote(ref)) {
      const i = lines.findIndex((l) => l.includes(ref));
      remote.push({ ref, line: i < 0 ? 1 : i + 1 });
      continue;
    }
    const resolved = posix.normalize(posix.join(dir, ref));
    if (posix.isAbsolute(ref) || resolved === '..' || resolved.startsWith('../')) unconfined.push(`${file}: ${ref} is outside the repository`);
    reads.push(resolved);
  }
  return { dir, file, reads, remote, component: doc.kind === 'Component', unconfined };
}

/**
 * Kustomization fields naming files that name further paths (plugin configs such as a
 * PatchTransformer's `path`, a HelmChartInflationGenerator's `chartHome`), or paths of their
 * own this reading does not resolve: with the load restrictor off, a kustomization using
 * them is not known to stay inside the repository.
 */
const UNFOLLOWED_FIELDS = ['transformers', 'generators', 'validators', 'helmCharts', 'helmGlobals', 'helmChartInflationGenerator', 'openapi'];

/**
 * Why a root may not be rendered with kustomize's load restrictor off: every kustomization it
 * reads, transitively, must name only paths inside the repository, so that the render reads
 * nothing but the repository's own files (the private copy holds no links: files are written
 * from the snapshot's contents, and sources never follow a link out of the repository). A
 * path inside the repository that names no file only fails the render. Empty when the whole
 * tree is confined.
 */
export function unconfinedReads(root: Kustomization, targets: KustomizeTargets): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (k: Kustomization): void => {
    if (seen.has(k.dir)) return;
    seen.add(k.dir);
    out.push(...k.unconfined);
    for (const r of k.reads) {
      const sub = targets.all.get(r);
      if (sub) visit(sub);
    }
  };
  visit(root);
  return out;
}

export interface KustomizeTargets {
  /**
   * Kustomization folders no other kustomization references: what `kubectl apply -k` is run on,
   * and Components no kustomization lists (each one rendered alone).
   */
  roots: Kustomization[];
  all: Map<string, Kustomization>;
}

/** Every kustomization, and which of them are roots. */
export function findKustomizations(files: { path: string; text: string }[]): KustomizeTargets {
  const all = new Map<string, Kustomization>();
  for (const f of files) {
    if (!KUSTOMIZATION_NAMES.includes(posix.basename(f.path))) continue;
    const k = readKustomization(f.path, f.text);
    if (!all.has(k.dir)) all.set(k.dir, k);
  }
  const referenced = new Set<string>();
  for (const k of all.values()) for (const r of k.reads) if (all.has(r) && r !== k.dir) referenced.add(r);
  // A Component (kustomize.config.k8s.io/v1alpha1) is applied through a kustomization that lists
  // it under `components:`. One that none of the repository lists is an option offered for
  // kustomizations elsewhere (another repository, a user's overlay): its objects are what it
  // adds wherever it is applied, so it is read as a target of its own, never skipped (its
  // files are owned, so nothing else would read them).
  const roots = [...all.values()].filter((k) => !referenced.has(k.dir)).sort((a, b) => a.dir.localeCompare(b.dir));
  return { roots, all };
}

/**
 * Files a kustomization owns: every file it reads (transitively through folders that are
 * kustomizations) and every file in a kustomization's own folder, listed or not: a file a
 * kustomization folder holds but does not list is not applied by `kubectl apply -k`.
 */
export function ownedFiles(targets: KustomizeTargets, repoFiles: readonly string[]): Set<string> {
  const owned = new Set<string>();
  const dirs = new Set(targets.all.keys());
  for (const k of targets.all.values()) for (const r of k.reads) owned.add(r);
  for (const p of repoFiles) {
    const d = posix.dirname(p) === '.' ? '' : posix.dirname(p);
    if (dirs.has(d)) owned.add(p);
  }
  return owned;
}

/** The repo files a root reads, transitively: when none changed, both sides render the same. */
export function inputFiles(root: Kustomization, targets: KustomizeTargets, repoFiles: readonly string[]): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  const visit = (k: Kustomization): void => {
    if (seen.has(k.dir)) return;
    seen.add(k.dir);
    out.add(k.file);
    for (const r of k.reads) {
      const sub = targets.all.get(r);
      if (sub) visit(sub);
      else for (const p of repoFiles) if (p === r || p.startsWith(`${r}/`)) out.add(p);
    }
  };
  visit(root);
  return [...out].sort();
}

/** The target name of a root: `kustomize:<dir>`, and `kustomize-component:<dir>` for a Component rendered alone. */
export function kustomizeTargetName(root: Pick<Kustomization, 'dir' | 'component'>): string {
  return `${root.component ? STANDALONE_COMPONENT : 'kustomize:'}${root.dir || '.'}`;
}

const STANDALONE_COMPONENT = 'kustomize-component:';

/** The folder of a Component rendered alone, from its target name; undefined for any other target. */
export function standaloneComponentOf(target: string | undefined): string | undefined {
  return target?.startsWith(STANDALONE_COMPONENT) ? target.slice(STANDALONE_COMPONENT.length) : undefined;
}
