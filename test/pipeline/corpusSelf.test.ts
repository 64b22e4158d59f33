import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');

describe.skipIf(!existsSync(CORPUS))('the whole corpus', () => {
  it('reviewed against itself: no finding, each content parsed once, errors with file and line', async () => {
    const config = defaultConfig();
    const snapshot = await readDirectorySnapshot(CORPUS, config);
    const cache = new ParseCache();
    const result = reviewSnapshots({ base: snapshot, head: snapshot, config, cache });
    expect(result.findings).toEqual([]);
    expect(cache.stats.parses).toBeLessThanOrEqual(snapshot.files.length);
    expect(cache.stats.hits).toBeGreaterThanOrEqual(snapshot.files.length);
    expect(result.summary.workloads).toBeGreaterThan(100);
    for (const e of result.errors) {
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(existsSync(resolve(CORPUS, e.file))).toBe(true);
    }
    // Removed Istio APIs, unchanged, are counted in one summary line (issue #11, item 10), not errors on every review.
    expect(result.errors.some((e) => e.message.includes('rbac.istio.io/v1alpha1 was removed'))).toBe(false);
    expect(result.summary.removedKindsIgnored).toBeGreaterThan(0);
    // Invalid policies are still reported, not silently dropped.
    expect(result.errors.some((e) => e.file.endsWith('peerauth-invalid.yaml'))).toBe(true);
  });
});
