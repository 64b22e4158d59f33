import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parseDocument } from 'yaml';
import type { Config } from '../config/schema.js';
import type { ParseCache } from '../manifests/parseCache.js';
import type { FieldPath, ParseError, Resource } from '../manifests/resource.js';
import { patchPlace, readPatches } from './patchPlaces.js';
import { placeChartObjects, releaseValuesFiles } from './valuesPlaces.js';
import type { Snapshot } from '../sources/snapshot.js';
import {
  findKustomizations,
  inputFiles,
  kustomizeTargetName,
  ownedFiles,
  unconfinedReads,
  type Kustomization,
  type KustomizeTargets,
} from '../targets/kustomizations.js';
import { kustomizeOrigin, renderedResources } from './renderedResources.js';
import { componentWrapper, ownObjectsPatched, stripForeignPatches, type Build, type ForeignPatch } from './componentTarget.js';
import { cleanEnv, runTool, type RunLimits } from './runTool.js';
import { helmCommand, kustomizeCommand, type ToolCommand } from './tools.js';
import { chartOwnedFiles, findCharts, helmSourcePath } from '../targets/charts.js';

/** What rendering adds to one side: rendered objects, render errors, and the files targets own. */
export interface RenderedSide {
  resources: Resource[];
  errors: ParseError[];
  /** Files only a target reads: never objects of their own. */
  owned: Set<string>;
  /** Targets that failed to render: their objects are unknown, never deleted. */
  failed: Set<string>;
}

export class ToolMissingError extends Error {}

export const DEFAULT_RENDER_LIMITS: RunLimits = { timeoutMs: 60_000, maxOutputBytes: 64 * 1024 * 1024 };

interface TargetRender {
  resources: Resource[];
  errors: ParseError[];
  ok: boolean;
}

/**
 * Renders both sides' kustomization roots. A root none of whose input files differ between
 * the sides is rendered once and shared; renders run in parallel up to the core count.
 * Throws ToolMissingError when the repository has kustomizations and no kustomize is installed.
 */
export async function renderSides(
  base: Snapshot,
  head: Snapshot,
  config: Config,
  cache: ParseCache,
  opts: { limits?: RunLimits; env?: NodeJS.ProcessEnv } = {},
): Promise<{ base: RenderedSide; head: RenderedSide; renders: number }> {
  const limits = opts.limits ?? DEFAULT_RENDER_LIMITS;
  const sides = await Promise.all([prepare(base), prepare(head)]);
  const anyRoots = sides.some((s) => s.targets.roots.length > 0);
  const tool = anyRoots ? kustomizeCommand(opts.env) : undefined;
  if (anyRoots && !tool)
    throw new ToolMissingError(
      'this repository has kustomizations, and kustomize is not installed: install kubectl or kustomize, or set KUSTOMIZE_BIN (npm run install-tools puts pinned binaries in .tools/bin)',
    );
  const charts = sides.map((s) => chartReleases(s.paths, config));
  const helm = charts.some((c) => c.length > 0) ? helmCommand(opts.env) : undefined;
  if (charts.some((c) => c.length > 0) && !helm)
    throw new ToolMissingError(
      'this repository has Helm charts, and helm is not installed: install helm or set HELM_BIN (npm run install-tools puts pinned binaries in .tools/bin)',
    );
  const jobs = new Map<string, () => Promise<TargetRender>>();
  const chartPlan: { side: number; key: string; name: string; rel: ChartRelease; inputs: Map<string, Buffer> | string }[] = [];
  for (const [i, releases] of charts.entries()) {
    const snap = i === 0 ? base : head;
    for (const rel of releases) {
      // Keyed by the contents of every file the chart holds (templates are no manifests: not in `files`).
      const inputs = await readChartFiles(snap, rel);
      const key = `helm\u0000${JSON.stringify(rel)}\u0000${typeof inputs === 'string' ? inputs : contentsDigest(inputs)}`;
      chartPlan.push({ side: i, key, name: releaseName(rel), rel, inputs });
      if (!jobs.has(key)) jobs.set(key, () => renderChart(inputs, rel, helm!, limits));
    }
  }
  const plan: { side: number; key: string; root: Kustomization }[] = [];
  for (const [i, side] of sides.entries()) {
    const snap = i === 0 ? base : head;
    for (const root of side.targets.roots) {
      // Every file the root reads, generator inputs (`.env`, scripts) included: those are no manifests, read here for the key.
      const inputs = inputFiles(root, side.targets, snap.paths ?? side.paths);
      for (const p of inputs) if (!side.digest.has(p)) side.digest.set(p, await readDigest(snap, p));
      const key = `${root.dir}\u0000${inputs.map((p) => `${p}:${side.digest.get(p) ?? ''}`).join('\u0000')}`;
      plan.push({ side: i, key, root });
      const restrictor = loadRestrictorFor(root, side.targets, config.kustomize.loadRestrictor);
      if (!jobs.has(key))
        jobs.set(key, () =>
          renderRoot(snap, root, side.targets, tool!, limits, (file) => cache.parse(fileOf(snap, file), config.limits).resources, restrictor),
        );
    }
  }
  const results = await parallel([...jobs.entries()], Math.max(1, availableParallelism()));
  const out = sides.map((s): RenderedSide => ({
    resources: [],
    errors: [],
    owned: new Set([...ownedFiles(s.targets, s.paths), ...chartOwnedFiles(s.paths)]),
    failed: new Set(),
  }));
  // A release whose files changed: its head objects' fields land on the changed template or values line.
  for (const h of chartPlan.filter((p) => p.side === 1)) {
    const b = chartPlan.find((p) => p.side === 0 && p.name === h.name);
    if (!b || b.key === h.key || typeof b.inputs === 'string' || typeof h.inputs === 'string') continue;
    placeChartObjects(results.get(h.key)!.resources, b.inputs, h.inputs, releaseValuesFiles(h.rel.path, h.rel.valuesFiles));
  }
  for (const p of chartPlan) {
    const r = results.get(p.key)!;
    out[p.side]!.resources.push(...r.resources);
    out[p.side]!.errors.push(...r.errors);
    if (!r.ok) out[p.side]!.failed.add(p.name);
  }
  for (const p of plan) {
    const r = results.get(p.key)!;
    out[p.side]!.resources.push(...r.resources);
    out[p.side]!.errors.push(...r.errors);
    if (!r.ok) out[p.side]!.failed.add(targetName(p.root));
  }
  return { base: out[0]!, head: out[1]!, renders: jobs.size };
}

function fileOf(snap: Snapshot, path: string): { path: string; content: Buffer } {
  return snap.files.find((f) => f.path === path) ?? { path, content: Buffer.alloc(0) };
}

export function targetName(root: Kustomization): string {
  return kustomizeTargetName(root);
}

async function prepare(snap: Snapshot): Promise<{ targets: ReturnType<typeof findKustomizations>; paths: string[]; digest: Map<string, string> }> {
  const texts = snap.files.map((f) => ({ path: f.path, text: f.content.toString('utf8') }));
  const targets = findKustomizations(texts);
  const digest = new Map(snap.files.map((f) => [f.path, f.content.toString('base64')]));
  return { targets, paths: snap.files.map((f) => f.path), digest };
}

async function parallel<T>(jobs: [string, () => Promise<T>][], width: number): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const [key, job] = jobs[next++]!;
      out.set(key, await job());
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

/**
 * One `kubectl kustomize` run in a private temp folder that is always removed: the
 * snapshot's files are written there, the root's kustomization gets
 * `buildMetadata: [originAnnotations]` so every object names its origin file, and the
 * load restrictor stays root-only (no --enable-helm, no exec/alpha plugins: kustomize
 * runs those only with --enable-alpha-plugins / --enable-exec, never passed here).
 */
async function renderRoot(
  snap: Snapshot,
  root: Kustomization,
  /** The side's kustomizations, read once in prepare(): each root's render only walks them. */
  targets: KustomizeTargets,
  tool: ToolCommand,
  limits: RunLimits,
  lookup: (file: string) => Resource[],
  restrictor: LoadRestrictor = { flag: 'LoadRestrictionsRootOnly' },
): Promise<TargetRender> {
  const target = targetName(root);
  if (root.remote.length) {
    return {
      ok: false,
      resources: [],
      errors: root.remote.map((r) => ({
        file: root.file,
        line: r.line,
        message: `${target}: remote base ${r.ref} is not rendered (no network): vendor it into the repository`,
      })),
    };
  }
  const tmp = await mkdtemp(join(tmpdir(), 'mesh-review-render-'));
  try {
    const repo = join(tmp, 'repo');
    for (const f of snap.files) await put(repo, f.path, f.content);
    // Generator inputs (.env, .properties, ...) are not manifest-like: read them from the snapshot.
    const all = new Set(snap.files.map((f) => f.path));
    const wanted = collectReads(root, targets);
    for (const p of wanted) {
      if (all.has(p)) continue;
      const content = await snap.readFile(p).catch(() => undefined);
      if (content) await put(repo, p, content);
    }
    const build = root.component ? await componentWrapper(tmp, root) : await withOriginAnnotations(repo, root);
    const run = () => runTool(tool.bin, [...tool.args, '--load-restrictor', restrictor.flag, build.dir], { cwd: tmp, env: cleanEnv(tmp), limits });
    let res = await run();
    let dropped: ForeignPatch[] = [];
    if (!res.ok && root.component) {
      // A Component alone lacks the objects its patches are written for: rendered again without them.
      const stripped = await stripForeignPatches(repo, root, res.message);
      const retry = stripped.length > 0 ? await run() : undefined;
      if (retry?.ok) [res, dropped] = [retry, stripped];
      // Nothing but patches for objects it does not declare: alone, the Component puts no object
      // into a cluster (kustomize refuses a kustomization with nothing left as "empty").
      else if (retry && EMPTY_KUSTOMIZATION.test(retry.message)) [res, dropped] = [{ ok: true, stdout: '' }, stripped];
    }
    if (!res.ok) {
      const why = restrictor.refused ? ` (rendered root-only: kustomize.loadRestrictor none was not applied because ${restrictor.refused})` : '';
      return { ok: false, resources: [], errors: [toolError(target, root, `${res.message.split(build.dir).join(`(${target})`)}${why}`, repo)] };
    }
    const patches = await readPatches(root, targets, snap);
    const parsed = renderedResources(res.stdout, {
      target,
      baseDir: build.baseDir,
      fallbackFile: root.file,
      origin: build.origin,
      lookup,
      ...(patches.length > 0 ? { patched: (kind: string, name: string, path: FieldPath) => patchPlace(patches, kind, name, path) } : {}),
    });
    const own = ownObjectsPatched(dropped, parsed.resources);
    if (own) {
      // A dropped patch would have changed one of the Component's own objects: what it renders to is not known.
      return {
        ok: false,
        resources: [],
        errors: [
          {
            file: own.file,
            line: 1,
            message: `${target} failed to render: rendered alone, its patches for objects it does not declare fail, and its patch ${own.file} for its own ${own.kind} ${own.name} cannot be told apart from them`,
          },
        ],
      };
    }
    return { ok: parsed.errors.length === 0, ...parsed };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The load restrictor a root is rendered with, and why `none` was refused for it. */
interface LoadRestrictor {
  flag: 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';
  refused?: string;
}

/**
 * `none` only where the whole tree stays inside the repository (targets/kustomizations.ts
 * unconfinedReads): with the restrictor off kustomize reads any path it is given, and a pull
 * request could name a file of the host (a key, another process's environment) and route its
 * contents into a field a finding quotes.
 */
function loadRestrictorFor(root: Kustomization, targets: KustomizeTargets, configured: 'rootOnly' | 'none'): LoadRestrictor {
  if (configured === 'rootOnly') return { flag: 'LoadRestrictionsRootOnly' };
  const outside = unconfinedReads(root, targets);
  return outside.length === 0 ? { flag: 'LoadRestrictionsNone' } : { flag: 'LoadRestrictionsRootOnly', refused: outside.slice(0, 3).join('; ') };
}

/** kustomize's refusal of a kustomization that declares nothing (api/krusty, kusttarget.go: "kustomization.yaml is empty"). */
const EMPTY_KUSTOMIZATION = /kustomization\.ya?ml is empty|Kustomization is empty/;

/** A root kustomization as it is, with `buildMetadata: [originAnnotations]` so every object names its origin file. */
async function withOriginAnnotations(repo: string, root: Kustomization): Promise<Build> {
  const kfile = join(repo, root.file);
  const doc = parseDocument(await readFile(kfile, 'utf8'));
  if (doc.errors.length === 0 && doc.contents && typeof doc.toJS() === 'object') {
    const meta = (doc.get('buildMetadata') as { toJSON?: () => unknown } | undefined)?.toJSON?.();
    const list = Array.isArray(meta) ? meta.filter((m): m is string => typeof m === 'string') : [];
    if (!list.includes('originAnnotations')) doc.set('buildMetadata', [...list, 'originAnnotations']);
    await writeFile(kfile, doc.toString());
  }
  return { dir: join(repo, root.dir), baseDir: root.dir, origin: (d) => kustomizeOrigin(d) };
}

function collectReads(root: Kustomization, targets: KustomizeTargets): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: Kustomization): void => {
    if (seen.has(k.dir)) return;
    seen.add(k.dir);
    for (const r of k.reads) {
      const sub = targets.all.get(r);
      if (sub) visit(sub);
      else out.push(r);
    }
  };
  visit(root);
  return out;
}

async function put(repo: string, path: string, content: Buffer): Promise<void> {
  const dest = join(repo, ...path.split('/'));
  await mkdir(join(dest, '..'), { recursive: true });
  await writeFile(dest, content);
}

/** The tool's message with temp paths made repo-relative, on the file and line it names. */
function toolError(target: string, root: Kustomization, message: string, repo: string): ParseError {
  const clean = message.split(`${repo}/`).join('').split(repo).join('.');
  const named = /([\w./-]+\.(?:ya?ml))(?::(\d+))?/.exec(clean);
  const lineM = /line (\d+)/.exec(clean);
  const file = named && !named[1]!.startsWith('/') ? posix.normalize(named[1]!) : root.file;
  const line = Number(named?.[2] ?? lineM?.[1] ?? 1);
  return { file, line, message: `${target} failed to render: ${toolMessage(clean)}` };
}

export type ChartRelease = Config['helm']['charts'][number];

/** The configured releases, plus every discovered chart with default values (unless discovery is off). */
function chartReleases(paths: string[], config: Config): ChartRelease[] {
  const listed = config.helm.charts;
  const configured = new Set(listed.map((c) => c.path.replace(/\/$/, '')));
  const found = config.helm.discover ? findCharts(paths).filter((d) => !configured.has(d)) : [];
  return [
    ...listed.map((c) => ({ ...c, path: c.path.replace(/\/$/, '') })),
    ...found.map((path): ChartRelease => ({ path, releaseName: 'release', valuesFiles: [], set: {} })),
  ];
}

export function releaseName(rel: ChartRelease): string {
  return `helm:${rel.path || '.'}${rel.valuesFiles.length ? `[${rel.valuesFiles.join(',')}]` : ''}`;
}

/**
 * One `helm template` in a private temp folder that is always removed: no --post-renderer,
 * no plugins (HELM_PLUGINS is an empty folder), no dependency update (a chart dependency not
 * vendored under charts/ is helm's "missing in charts/ directory" error, never a download).
 */
async function renderChart(inputs: Map<string, Buffer> | string, rel: ChartRelease, tool: ToolCommand, limits: RunLimits): Promise<TargetRender> {
  const target = releaseName(rel);
  if (typeof inputs === 'string')
    return { ok: false, resources: [], errors: [{ file: posix.join(rel.path, 'Chart.yaml'), line: 1, message: `${target} was not rendered: ${inputs}` }] };
  const tmp = await mkdtemp(join(tmpdir(), 'mesh-review-helm-'));
  try {
    const repo = join(tmp, 'repo');
    for (const [p, content] of inputs) await put(repo, p, content);
    const args = [...tool.args, 'template', rel.releaseName, join(repo, rel.path), '--include-crds', ...(rel.namespace ? ['--namespace', rel.namespace] : [])];
    for (const v of rel.valuesFiles) args.push('--values', join(repo, v));
    for (const [k, v] of Object.entries(rel.set)) args.push(typeof v === 'string' ? '--set-string' : '--set', `${k}=${String(v)}`);
    await mkdir(join(tmp, '.helm', 'plugins'), { recursive: true });
    const res = await runTool(tool.bin, args, { cwd: tmp, env: cleanEnv(tmp), limits });
    if (!res.ok) return { ok: false, resources: [], errors: [helmError(target, rel, res.message, repo)] };
    const parsed = renderedResources(res.stdout, {
      target,
      baseDir: '',
      fallbackFile: posix.join(rel.path, 'Chart.yaml'),
      origin: (_d, comment) => helmSourcePath(rel.path, comment),
      lookup: () => [],
      ...(rel.namespace ? { releaseNamespace: rel.namespace } : {}),
    });
    // Templates are Go text, not YAML: the line is the template file's first line; the
    // field's line inside the template is not known without the template's source map.
    for (const r of parsed.resources) r.source = r.file;
    return { ok: parsed.errors.length === 0, ...parsed };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Bounds on what one chart render copies: a chart is small; a tree that is not is refused, not read whole. */
const MAX_CHART_FILES = 5_000;
const MAX_CHART_BYTES = 64 * 1024 * 1024;

/**
 * Every file of the chart (templates, `_helpers.tpl`, NOTES.txt, subcharts, values) and the
 * release's values files, read for the private copy. Templates are no manifests, so a source keeps
 * them out of `files`: they come from its listing (`paths`) through `extra` or `readFile`.
 * A chart whose templates cannot be read renders nothing, which would read as "no objects":
 * a file listed but unreadable is an error (the render fails closed), never skipped.
 */
async function readChartFiles(snap: Snapshot, rel: ChartRelease): Promise<Map<string, Buffer> | string> {
  // As the sources' selection skips them: git's own files and installed packages are no part of a chart.
  const inChart = (p: string) => (rel.path === '' || p.startsWith(`${rel.path}/`)) && !p.split('/').some((s) => s === '.git' || s === 'node_modules');
  const listed = new Set([...(snap.paths ?? []), ...snap.files.map((f) => f.path)].filter(inChart));
  const wanted = [...listed, ...rel.valuesFiles.filter((v) => !listed.has(v))];
  if (wanted.length > MAX_CHART_FILES) return `the chart holds more than ${MAX_CHART_FILES} files`;
  const kept = new Map([...(snap.extra ?? []), ...snap.files].map((f) => [f.path, f.content]));
  let bytes = 0;
  const out = new Map<string, Buffer>();
  for (const p of wanted.sort()) {
    const content = kept.get(p) ?? (await snap.readFile(p).catch(() => undefined));
    if (content === undefined) {
      if (!listed.has(p) && rel.valuesFiles.includes(p)) return `values file ${p} is not in the repository`;
      return `${p} could not be read`;
    }
    bytes += content.length;
    if (bytes > MAX_CHART_BYTES) return `the chart's files exceed ${MAX_CHART_BYTES} bytes`;
    out.set(p, content);
  }
  return out;
}

/** The digest of a file that is not in `files` (kept in `extra`, or read from the source); '' when it cannot be read. */
async function readDigest(snap: Snapshot, path: string): Promise<string> {
  const content = snap.extra?.find((f) => f.path === path)?.content ?? (await snap.readFile(path).catch(() => undefined));
  return content ? createHash('sha256').update(content).digest('hex') : '';
}

/** One digest of paths and contents: equal on both sides exactly when the chart's inputs are. */
function contentsDigest(files: ReadonlyMap<string, Buffer>): string {
  const h = createHash('sha256');
  for (const [p, c] of files) h.update(`${p}\u0000${c.length}\u0000`).update(c);
  return h.digest('hex');
}

/** The template file and line helm names, as a repo path. */
function helmError(target: string, rel: ChartRelease, message: string, repo: string): ParseError {
  const clean = message.split(`${repo}/`).join('').split(repo).join('.');
  // helm writes `Error: <chart>/templates/x.yaml:2:16` (exec) or `template: <chart>/templates/x.yaml:12:3` (parse).
  const m = /(?:template: |Error: )([^\s:]+\/templates\/[^\s:]+):(\d+)/.exec(clean);
  const file = m ? (helmSourcePath(rel.path, `Source: ${m[1]}`) ?? posix.join(rel.path, 'Chart.yaml')) : posix.join(rel.path, 'Chart.yaml');
  return { file, line: m ? Number(m[2]) : 1, message: `${target} failed to render: ${toolMessage(clean)}` };
}

/** The tool's own error, without the deprecation warnings kustomize prints before it (`# Warning: 'bases' is deprecated`). */
function toolMessage(clean: string): string {
  return clean
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('# Warning:'))
    .slice(0, 5)
    .join(' ');
}
