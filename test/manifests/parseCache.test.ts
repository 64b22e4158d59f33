import { describe, expect, test } from 'vitest';
import { ParseCache } from '../../src/manifests/parseCache.js';
import type { ParseLimits } from '../../src/manifests/parseFile.js';

const LIMITS: ParseLimits = { maxFileBytes: 1024 * 1024, maxDocuments: 100 };
const POLICY = Buffer.from('apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\nspec:\n  mtls:\n    mode: STRICT\n');

describe('ParseCache', () => {
  test('identical content on base and head is parsed once', () => {
    const cache = new ParseCache();
    const base = cache.parse({ path: 'mesh/pa.yaml', content: POLICY }, LIMITS);
    const head = cache.parse({ path: 'mesh/pa.yaml', content: Buffer.from(POLICY) }, LIMITS);
    expect(cache.stats).toEqual({ parses: 1, hits: 1 });
    expect(head).toBe(base);
    expect(head.resources[0]!.name).toBe('default');
  });

  test('the same content at another path is re-bound, not re-parsed', () => {
    const cache = new ParseCache();
    const first = cache.parse({ path: 'a/pa.yaml', content: POLICY }, LIMITS);
    const moved = cache.parse({ path: 'b/moved.yaml', content: POLICY }, LIMITS);
    expect(cache.stats).toEqual({ parses: 1, hits: 1 });
    expect(moved.resources[0]!.file).toBe('b/moved.yaml');
    expect(first.resources[0]!.file).toBe('a/pa.yaml');
    expect(moved.resources[0]!.hash).toBe(first.resources[0]!.hash);
    expect(moved.resources[0]!.locate(['spec', 'mtls', 'mode'])).toBe(7);
    // Asking again for the moved path returns the same bound result.
    expect(cache.parse({ path: 'b/moved.yaml', content: POLICY }, LIMITS)).toBe(moved);
  });

  test('errors are re-bound to the path too', () => {
    const cache = new ParseCache();
    const broken = Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {}\n');
    cache.parse({ path: 'x.yaml', content: broken }, LIMITS);
    expect(cache.parse({ path: 'y.yaml', content: broken }, LIMITS).errors).toEqual([
      { file: 'y.yaml', line: 3, message: 'metadata.name is missing (Service)' },
    ]);
  });

  test('different content is parsed separately', () => {
    const cache = new ParseCache();
    cache.parse({ path: 'pa.yaml', content: POLICY }, LIMITS);
    const changed = cache.parse({ path: 'pa.yaml', content: Buffer.from(POLICY.toString().replace('STRICT', 'PERMISSIVE')) }, LIMITS);
    expect(cache.stats).toEqual({ parses: 2, hits: 0 });
    expect(changed.resources[0]!.body).toMatchObject({ spec: { mtls: { mode: 'PERMISSIVE' } } });
  });

  test('.json and .yaml with the same bytes are parsed separately (JSON forbids comments)', () => {
    const cache = new ParseCache();
    const content = Buffer.from('# c\n{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}\n');
    expect(cache.parse({ path: 'a.yaml', content }, LIMITS).errors).toEqual([]);
    expect(cache.parse({ path: 'a.json', content }, LIMITS).errors).toHaveLength(1);
    expect(cache.stats).toEqual({ parses: 2, hits: 0 });
  });

  test('different limits are a different key', () => {
    const cache = new ParseCache();
    cache.parse({ path: 'pa.yaml', content: POLICY }, LIMITS);
    const tiny = cache.parse({ path: 'pa.yaml', content: POLICY }, { ...LIMITS, maxFileBytes: 10 });
    expect(tiny.resources).toEqual([]);
    expect(cache.stats.parses).toBe(2);
  });
});
