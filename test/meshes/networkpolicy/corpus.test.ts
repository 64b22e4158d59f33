import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { readNetworkPolicies } from '../../../src/meshes/networkpolicy/policy.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../../src/sources/directorySource.js';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');
const RECIPES = resolve(CORPUS, 'kubernetes-network-policy-recipes');

describe.skipIf(!existsSync(RECIPES))('kubernetes-network-policy-recipes', () => {
  it('every NetworkPolicy is valid as the API server checks it', async () => {
    const config = defaultConfig();
    const snapshot = await readDirectorySnapshot(RECIPES, config);
    const resources = snapshot.files.flatMap((f) => parseFileContent(f.path, f.content, config.limits).resources);
    const inv = buildInventory(resources, 'default');
    const read = readNetworkPolicies(inv);
    expect(read.invalid.map((i) => i.message)).toEqual([]);
    expect(read.policies.length).toBeGreaterThanOrEqual(15);
  });

  it('reviewed against an empty base: no invalid-policy finding, no analysis error', async () => {
    const config = defaultConfig();
    const head = await readDirectorySnapshot(RECIPES, config);
    const base = { ...head, files: [] };
    const result = reviewSnapshots({ base, head, config, now: new Date('2026-01-01T00:00:00Z') });
    expect(result.findings.filter((f) => f.ruleId === 'invalid-policy' || f.ruleId === 'analysis-incomplete')).toEqual([]);
  });
});
