import { beforeEach, describe, expect, test } from 'vitest';
import { ComposedCache, composedForLocate, type SourceText } from '../../src/manifests/locate.js';
import { parseFileContent, type ParseLimits } from '../../src/manifests/parseFile.js';
import type { Resource } from '../../src/manifests/resource.js';

const LIMITS: ParseLimits = { maxFileBytes: 2 * 1024 * 1024, maxDocuments: 10_000 };
const lines = (...ls: string[]): string => `${ls.join('\n')}\n`;
const parse = (text: string, path = 'm.yaml') => parseFileContent(path, Buffer.from(text, 'utf8'), LIMITS);

const POLICY_AND_LIST = lines(
  'apiVersion: security.istio.io/v1', // 1
  'kind: AuthorizationPolicy',
  'metadata:',
  '  name: allow', // 4
  'spec:',
  '  rules:', // 6
  '  - to:', // 7
  '    - operation:',
  '        ports: ["8080"]', // 9
  '---', // 10
  'apiVersion: v1', // 11
  'kind: List',
  'items:',
  '- apiVersion: v1', // 14
  '  kind: Service',
  '  metadata: {name: two, namespace: one}', // 16
  '  spec:', // 17
  '    ports:',
  '    - port: 80', // 19
);

/** The lines the resources of POLICY_AND_LIST answer (pinned by hand from the text above). */
function lineSample(policy: Resource, service: Resource): number[] {
  return [
    policy.locate(['metadata', 'name']),
    policy.locate(['spec', 'rules', 0]),
    policy.locate(['spec', 'rules', 0, 'to', 0, 'operation', 'ports', 0]),
    policy.locate(['spec', 'rules', 3]),
    policy.locate(['status']),
    service.locate(['metadata', 'namespace']),
    service.locate(['spec']),
    service.locate(['spec', 'ports', 0, 'port']),
    service.locate(['nowhere']),
  ];
}
const EXPECTED_LINES = [4, 7, 9, 6, 1, 16, 17, 19, 14];

const source = (text: string): SourceText => ({ text, maxDocuments: LIMITS.maxDocuments });

describe('locate keeps the text, not the parse', () => {
  beforeEach(() => composedForLocate.clear());

  test('the first locate parses the file again, once for all its resources', () => {
    const { resources, errors } = parse(POLICY_AND_LIST);
    expect(errors).toEqual([]);
    const [policy, service] = resources;
    expect([policy!.line, service!.line]).toEqual([1, 14]);
    const before = composedForLocate.reparses;
    expect(lineSample(policy!, service!)).toEqual(EXPECTED_LINES);
    expect(lineSample(policy!, service!)).toEqual(EXPECTED_LINES);
    expect(composedForLocate.reparses).toBe(before + 1);
  });

  test('after its file was evicted from the cache, locate parses again and answers the same lines', () => {
    const [policy, service] = parse(POLICY_AND_LIST).resources;
    expect(lineSample(policy!, service!)).toEqual(EXPECTED_LINES);
    // Locating in more files than the cache holds evicts the first one.
    for (let i = 0; i < composedForLocate.maxFiles + 5; i++) {
      const [other] = parse(lines('apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ns-${i}`)).resources;
      expect(other!.locate(['metadata', 'name'])).toBe(4);
    }
    expect(composedForLocate.size).toBe(composedForLocate.maxFiles);
    const before = composedForLocate.reparses;
    expect(lineSample(policy!, service!)).toEqual(EXPECTED_LINES);
    expect(composedForLocate.reparses).toBe(before + 1);
  });

  test('a file that was cut at maxDocuments is parsed again with the same limit', () => {
    const doc = (i: number) => lines('---', 'apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ns${i}`);
    const result = parseFileContent('m.yaml', Buffer.from([1, 2, 3].map(doc).join('')), { ...LIMITS, maxDocuments: 2 });
    expect(result.resources.map((r) => [r.name, r.locate(['metadata', 'name'])])).toEqual([
      ['ns1', 5],
      ['ns2', 10],
    ]);
  });
});

describe('ComposedCache', () => {
  test('evicts the least recently used file past maxFiles', () => {
    const cache = new ComposedCache(2, 1_000_000);
    const [a, b, c] = ['a: 1\n', 'b: 2\n', 'c: 3\n'].map(source);
    cache.get(a!);
    cache.get(b!);
    cache.get(a!); // a is now the most recently used
    cache.get(c!); // evicts b
    expect([cache.size, cache.reparses]).toEqual([2, 3]);
    cache.get(a!);
    expect(cache.reparses).toBe(3);
    cache.get(b!);
    expect(cache.reparses).toBe(4);
  });

  test('evicts past maxTextChars, but always keeps the file asked for', () => {
    const cache = new ComposedCache(64, 20);
    const small = source('a: 1\n');
    const large = source(`big: ${'x'.repeat(100)}\n`);
    cache.get(small);
    const composed = cache.get(large);
    expect(composed.docs).toHaveLength(1);
    expect(cache.size).toBe(1);
    expect(cache.get(large)).toBe(composed);
    expect(cache.reparses).toBe(2);
  });
});
