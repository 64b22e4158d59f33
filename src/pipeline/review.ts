import type { Config } from '../config/schema.js';
import type { ReviewError } from '../findings/finding.js';
import { applyConfig, summarize } from '../findings/filter/applyConfig.js';
import { toFindings } from '../findings/toFindings.js';
import { buildInventory, identityIndex, identityKey, type Inventory } from '../inventory/inventory.js';
import { addPotentialWorkloads } from '../inventory/potentialWorkloads.js';
import { ParseCache } from '../manifests/parseCache.js';
import type { ParseError, Resource } from '../manifests/resource.js';
import { isDryRun, isRemovedIstioKind } from '../meshes/istio/istioResources.js';
import { exposedByLoadBalancer } from '../meshes/istio/serviceExposure.js';
import { sortFindings } from '../findings/sortFindings.js';
import { MESHES } from '../meshes/registry.js';
import type { MeshAdapter, MeshOptions } from '../policy/meshSide.js';
import type { PolicyChange } from '../policy/change.js';
import { diffMeshSides } from '../policy/diffSides.js';
import { meshAbove, type UpperLayer } from '../policy/layers.js';
import { changedFiles } from './changedFiles.js';
import { newDuplicates } from './duplicates.js';
import { unanalysedChanges } from './unanalysedKinds.js';
import { mergeVariantFindings, nameSharedTargets } from './mergeVariantFindings.js';
import { variantViews } from './variants.js';
import { setMaxStates } from '../policy/stringSet.js';
import type { Snapshot } from '../sources/snapshot.js';
import { renderErrors, withRendered, type RenderedSides } from '../render/applyRendered.js';
import type { ReviewResult } from './reviewResult.js';

export interface ReviewInput {
  base: Snapshot;
  head: Snapshot;
  config: Config;
  now?: Date;
  /** Shared between sides (and reviews) so each distinct content is parsed once. */
  cache?: ParseCache;
  /** Kustomize/Helm targets rendered by render/renderSides (async, before the review). */
  rendered?: RenderedSides;
}

/** The whole engine: two snapshots in, findings and errors out. Pure apart from the clock. */
export function reviewSnapshots(input: ReviewInput): ReviewResult {
  const { config } = input;
  setMaxStates(config.limits.maxMatcherStates);
  const cache = input.cache ?? new ParseCache();
  const [baseSide, headSide] = withRendered(
    input.rendered,
    (owned) => loadSide(input.base, config, cache, owned),
    (owned) => loadSide(input.head, config, cache, owned),
  );
  const base = { inventory: buildInventory(baseSide.resources, config.defaultNamespace), errors: baseSide.errors };
  const head = { inventory: buildInventory(headSide.resources, config.defaultNamespace), errors: headSide.errors };
  const changes: PolicyChange[] = [...renderFailures(input.rendered)];
  // File errors first: mesh-invalid objects join the error list below but are findings of their own.
  const changed = changedFiles(input.base, input.head);
  changes.push(...unreadableChanges(head.errors, changed));
  changes.push(...newDuplicates(base.inventory, head.inventory));
  const removedKindsIgnored = new Set<string>();
  const views = variantViews(baseSide.resources, headSide.resources, (r) => identityKey(r, base.inventory));
  // Public exposure the cluster already had, in any deployment of the base: a variant (a new
  // alternative target) that routes the same workload through a gateway exposes nothing new.
  const exposedBefore = exposedByLoadBalancer(base.inventory);
  const perView = views.map((view) => {
    // Without variants the one view is the whole side: its inventories are already built.
    const whole = views.length === 1 && view.targets === undefined;
    const own = reviewView(
      whole ? base.inventory : buildInventory(view.base, config.defaultNamespace),
      whole ? head.inventory : buildInventory(view.head, config.defaultNamespace),
      config,
      exposedBefore,
    );
    head.errors.push(...own.errors);
    for (const k of own.removedKindsIgnored) removedKindsIgnored.add(k);
    return { targets: view.targets, findings: toFindings(own.changes), workloads: own.workloads };
  });
  const merged = nameSharedTargets(mergeVariantFindings(perView), { base: baseSide.resources, head: headSide.resources });
  const findings = sortFindings(applyConfig([...toFindings(changes), ...merged], config, input.now ?? new Date()));
  const errors: ReviewError[] = dedupeErrors([...head.errors, ...renderErrors(input.rendered)]);
  return {
    version: 1,
    summary: {
      ...summarize(findings, errors, config, { filesParsed: input.head.files.length, workloads: Math.max(...perView.map((v) => v.workloads)) }),
      removedKindsIgnored: removedKindsIgnored.size,
    },
    findings,
    errors,
    unanalysed: unanalysedChanges(base.inventory, head.inventory),
  };
}

/**
 * The mesh analysis of one variant view: every active mesh's changes between the sides, the
 * mesh-invalid objects of the head (as errors), and the removed Istio kinds left unchanged
 * (counted once, by file and hash, however many views hold them).
 */
function reviewView(
  baseInv: Inventory,
  headInv: Inventory,
  config: Config,
  exposedBefore: ReadonlySet<string>,
): { changes: PolicyChange[]; errors: ParseError[]; removedKindsIgnored: string[]; workloads: number } {
  const meshOptions = { rootNamespace: config.istio.rootNamespace, trustDomain: config.istio.trustDomain, limits: config.limits };
  const changes: PolicyChange[] = [];
  const errors: ParseError[] = [];
  const removedKindsIgnored: string[] = [];
  const findAfter = indexByIdentity(headInv);
  const findBefore = indexByIdentity(baseInv);
  // The same key diffSides uses to tell an unchanged invalid object from a new one.
  const removedBefore = new Set(baseInv.resources.filter(isRemovedIstioKind).map((r) => `${r.file}|${r.hash}`));
  const active = MESHES.filter((mesh) => mesh.present(baseInv) || mesh.present(headInv));
  addPotentialWorkloads(
    [baseInv, headInv],
    active.flatMap((mesh) => [...mesh.selectors(baseInv, meshOptions), ...mesh.selectors(headInv, meshOptions)]),
  );
  // Layers judged together (policy/layers.ts): the meshes first, each judged against the network
  // layer below it; then the network layer, judged against the first mesh above it.
  const lower = active.flatMap((mesh) => mesh.lower?.(baseInv, headInv, meshOptions) ?? [])[0];
  let above: UpperLayer | undefined;
  const layered = (m: MeshAdapter): boolean => m.review !== undefined;
  for (const mesh of [...active.filter((m) => !layered(m)), ...active.filter(layered)]) {
    if (mesh.review) {
      const own = mesh.review(baseInv, headInv, { ...meshOptions, above });
      changes.push(...own.changes);
      for (const inv of own.invalid) errors.push({ file: inv.resource.file, line: inv.resource.locate(inv.path), message: inv.message });
      continue;
    }
    const before = mesh.evaluate(baseInv, { ...meshOptions, counterpart: headInv, side: 'base' });
    if (before.exposedOutside) before.exposedOutside = new Set([...before.exposedOutside, ...exposedBefore]);
    const after = mesh.evaluate(headInv, { ...meshOptions, counterpart: baseInv, side: 'head' });
    const diff = diffMeshSides(before, after, {
      candidates: candidatesOnce(mesh, headInv, meshOptions),
      findAfter,
      findBefore,
      isDryRun,
      below: lower,
    });
    above ??= meshAbove(after, mesh.name);
    // A removed Istio kind edited or moved in place of one of the same identity: Istio ignored it
    // before and ignores it now, so nothing got weaker; it is an error entry (the PR touched it), not a finding.
    for (const c of diff) {
      const previous = c.related?.[0];
      if (c.cause === 'invalid' && isRemovedIstioKind(c.anchor.resource) && previous && isRemovedIstioKind(previous)) {
        errors.push({
          file: c.anchor.resource.file,
          line: c.anchor.resource.locate(c.anchor.path),
          message: `${c.facts.problem} (edited or moved by this change)`,
        });
      } else changes.push(c);
    }
    for (const inv of after.invalid) {
      // Removed kinds: the diff made the added or edited ones findings; unchanged ones are counted once.
      if (isRemovedIstioKind(inv.resource)) {
        const key = `${inv.resource.file}|${inv.resource.hash}`;
        if (removedBefore.has(key)) removedKindsIgnored.push(key);
        continue;
      }
      errors.push({ file: inv.resource.file, line: inv.resource.locate(inv.path), message: inv.message });
    }
  }
  // Counted after potential workloads joined, as the summary always has.
  return { changes, errors, removedKindsIgnored, workloads: headInv.workloads.length };
}

/** A mesh's witness candidates per dimension, read off the head once: the diff asks again for every port it compares. */
function candidatesOnce(mesh: MeshAdapter, inv: Inventory, options: MeshOptions): (dim: string) => readonly string[] {
  const known = new Map<string, readonly string[]>();
  return (dim) => {
    let got = known.get(dim);
    if (!got) known.set(dim, (got = mesh.candidates(dim, inv, options)));
    return got;
  };
}

function loadSide(snapshot: Snapshot, config: Config, cache: ParseCache, owned: ReadonlySet<string>): { resources: Resource[]; errors: ParseError[] } {
  const resources: Resource[] = [];
  const errors: ParseError[] = snapshot.skipped.map((s) => ({ file: s.path, line: 1, message: s.reason }));
  for (const file of snapshot.files) {
    // Files a kustomization or chart only reads (bases, patches, templates) are no objects of their own.
    if (owned.has(file.path)) continue;
    const parsed = cache.parse(file, config.limits);
    resources.push(...parsed.resources);
    errors.push(...parsed.errors);
  }
  return { resources, errors };
}

/** The object of `inv` with the same identity: on the other side, a policy edited, not deleted. */
function indexByIdentity(inv: Inventory): (r: Resource) => Resource | undefined {
  const map = identityIndex(inv);
  return (r) => map.get(identityKey(r, inv));
}

/**
 * What could not be read in files this change added or edited: each is an
 * `analysis-incomplete` finding (it fails the gate by default), because
 * whatever the unread part holds (an allow-all policy, say) is unknown.
 * Files the change left alone keep their errors as errors only: old breakage
 * does not fail every later review.
 */
function unreadableChanges(errors: readonly ParseError[], changed: ReadonlySet<string>): PolicyChange[] {
  return errors.filter((e) => changed.has(e.file)).map(fileErrorChange);
}

/**
 * A target that fails to render after the change (and rendered, or failed differently, before)
 * is an analysis-incomplete finding: its objects cannot be checked, so the review fails closed.
 * A target that already failed the same way before is listed in errors only (not this PR's doing).
 */
function renderFailures(rendered: RenderedSides | undefined): PolicyChange[] {
  if (!rendered) return [];
  const old = new Set(rendered.base.errors.map((e) => `${e.file}|${e.message}`));
  return rendered.head.errors.filter((e) => !old.has(`${e.file}|${e.message}`)).map(fileErrorChange);
}

/** An error in a file, as an analysis-incomplete change anchored on the file's line. */
function fileErrorChange(e: ParseError): PolicyChange {
  const pseudo: Resource = {
    apiVersion: 'v1',
    kind: 'File',
    name: e.file,
    namespace: undefined,
    body: {},
    file: e.file,
    docIndex: 0,
    line: e.line,
    hash: '',
    locate: () => e.line,
  };
  return {
    cause: 'unanalysable',
    mesh: 'none',
    workload: null,
    port: null,
    anchor: { resource: pseudo, path: [] },
    side: 'after',
    before: '',
    after: '',
    witness: null,
    scope: undefined,
    facts: { reason: e.message },
  };
}

function dedupeErrors(errors: ParseError[]): ReviewError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.file}|${e.line}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
