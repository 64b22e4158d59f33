import type { Config } from '../config/schema.js';
import type { ReviewError } from '../findings/finding.js';
import { applyConfig, summarize } from '../findings/filter/applyConfig.js';
import { toFindings } from '../findings/toFindings.js';
import { buildInventory, identityKey, type Inventory } from '../inventory/inventory.js';
import { addPotentialWorkloads } from '../inventory/potentialWorkloads.js';
import { ParseCache } from '../manifests/parseCache.js';
import type { ParseError, Resource } from '../manifests/resource.js';
import { isDryRun } from '../meshes/istio/istioResources.js';
import { sortFindings } from '../report/format.js';
import { MESHES } from '../meshes/registry.js';
import type { PolicyChange } from '../policy/change.js';
import { diffMeshSides } from '../policy/diffSides.js';
import { newDuplicates } from './duplicates.js';
import { unanalysedChanges } from './unanalysedKinds.js';
import { setMaxStates } from '../policy/stringSet.js';
import type { Snapshot } from '../sources/snapshot.js';
import type { ReviewResult } from './reviewResult.js';

export interface ReviewInput {
  base: Snapshot;
  head: Snapshot;
  config: Config;
  now?: Date;
  /** Shared between sides (and reviews) so each distinct content is parsed once. */
  cache?: ParseCache;
}

interface SideData {
  inventory: Inventory;
  errors: ParseError[];
}

/** The whole engine: two snapshots in, findings and errors out. Pure apart from the clock. */
export function reviewSnapshots(input: ReviewInput): ReviewResult {
  const { config } = input;
  setMaxStates(config.limits.maxMatcherStates);
  const cache = input.cache ?? new ParseCache();
  const base = loadSide(input.base, config, cache);
  const head = loadSide(input.head, config, cache);
  const changes: PolicyChange[] = [];
  const meshOptions = { rootNamespace: config.istio.rootNamespace, trustDomain: config.istio.trustDomain };
  const findAfter = indexByIdentity(head.inventory);
  const findBefore = indexByIdentity(base.inventory);
  // File errors first: mesh-invalid objects join the error list below but are findings of their own.
  changes.push(...newFileErrors(base.errors, head.errors));
  changes.push(...newDuplicates(base.inventory, head.inventory));
  const active = MESHES.filter((mesh) => mesh.present(base.inventory) || mesh.present(head.inventory));
  addPotentialWorkloads(
    [base.inventory, head.inventory],
    active.flatMap((mesh) => [...mesh.selectors(base.inventory, meshOptions), ...mesh.selectors(head.inventory, meshOptions)]),
  );
  for (const mesh of active) {
    if (mesh.review) {
      const own = mesh.review(base.inventory, head.inventory, meshOptions);
      changes.push(...own.changes);
      for (const inv of own.invalid) head.errors.push({ file: inv.resource.file, line: inv.resource.locate(inv.path), message: inv.message });
      continue;
    }
    const before = mesh.evaluate(base.inventory, { ...meshOptions, counterpart: head.inventory });
    const after = mesh.evaluate(head.inventory, { ...meshOptions, counterpart: base.inventory });
    const diff = diffMeshSides(before, after, {
      candidates: (dim) => mesh.candidates(dim, head.inventory, meshOptions),
      findAfter,
      findBefore,
      isDryRun,
    });
    changes.push(...diff);
    for (const inv of after.invalid) head.errors.push({ file: inv.resource.file, line: inv.resource.locate(inv.path), message: inv.message });
  }
  const findings = sortFindings(applyConfig(toFindings(changes), config, input.now ?? new Date()));
  const errors: ReviewError[] = dedupeErrors([...head.errors, ...unanalysedChanges(base.inventory, head.inventory)]);
  return {
    version: 1,
    summary: summarize(findings, errors, config, { filesParsed: input.head.files.length, workloads: head.inventory.workloads.length }),
    findings,
    errors,
  };
}

function loadSide(snapshot: Snapshot, config: Config, cache: ParseCache): SideData {
  const resources: Resource[] = [];
  const errors: ParseError[] = snapshot.skipped.map((s) => ({ file: s.path, line: 1, message: s.reason }));
  for (const file of snapshot.files) {
    const parsed = cache.parse(file, config.limits);
    resources.push(...parsed.resources);
    errors.push(...parsed.errors);
  }
  return { inventory: buildInventory(resources, config.defaultNamespace), errors };
}

/** The after-side object with the same identity: a policy edited, not deleted. */
function indexByIdentity(inv: Inventory): (r: Resource) => Resource | undefined {
  const map = new Map<string, Resource>();
  for (const r of inv.resources) map.set(identityKey(r, inv), r);
  return (r) => map.get(identityKey(r, inv));
}

/** File errors this PR introduced: old breakage is listed in errors but does not become a finding. */
function newFileErrors(before: ParseError[], after: ParseError[]): PolicyChange[] {
  const old = new Set(before.map((e) => `${e.file}|${e.message}`));
  const out: PolicyChange[] = [];
  for (const e of after) {
    if (old.has(`${e.file}|${e.message}`)) continue;
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
    out.push({ cause: 'invalid-file', mesh: 'none', workload: null, port: null, anchor: { resource: pseudo, path: [] }, side: 'after', before: '', after: '', witness: null, scope: undefined, detail: e.message });
  }
  return out;
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
