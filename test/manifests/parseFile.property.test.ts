import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseFileContent, type ParseLimits } from '../../src/manifests/parseFile.js';

const LIMITS: ParseLimits = { maxFileBytes: 64 * 1024, maxDocuments: 50 };

/** Pieces that reach the parser's interesting corners: documents, Lists, aliases, tags, templates, BOMs, comments. */
const YAMLISH_TOKENS = [
  'apiVersion: v1\n',
  'kind: Namespace\n',
  'kind: List\n',
  'kind: PodList\n',
  'items:\n',
  'metadata:\n',
  '  name: x\n',
  '  namespace: ns\n',
  'name: ',
  '- ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '# Source: c/templates/a.yaml\n',
  '# comment\n',
  '{{ .Values.x }}',
  '{{- range . }}',
  '&a ',
  '*a',
  '*b',
  '<<: *a\n',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!custom ',
  '? ',
  ': ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '|\n',
  '>-\n',
  '1',
  '0x1F',
  '.nan',
  '2001-12-14t21:59:43.10-05:00',
  'null',
  '~',
  '\uFEFF',
  '\u0000',
  '\\',
  '//',
  '/*',
  '"apiVersion": "v1", ',
  '"kind": "List", "items": [',
];

const yamlish = fc.array(fc.constantFrom(...YAMLISH_TOKENS), { maxLength: 60 }).map((parts) => parts.join(''));

/** The contract under test: a result with well-formed errors, whatever the input; locate never throws either. */
function checkTotal(path: string, bytes: Uint8Array): void {
  const result = parseFileContent(path, Buffer.from(bytes), LIMITS);
  expect(Array.isArray(result.resources)).toBe(true);
  for (const error of result.errors) {
    expect(error.file).toBe(path);
    expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
    expect(typeof error.message).toBe('string');
  }
  for (const resource of result.resources) {
    expect(resource.locate(['metadata', 'name'])).toBeGreaterThanOrEqual(1);
    expect(resource.locate(['spec', 0, 'x'])).toBeGreaterThanOrEqual(1);
    expect(resource.hash).toMatch(/^[0-9a-f]{40}$/);
  }
}

describe('parseFileContent never throws', () => {
  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => checkTotal('r.yaml', bytes)),
      { numRuns: 300 },
    );
  });

  test('random strings (any code points)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 512 }), fc.boolean(), (text, json) =>
        checkTotal(json ? 'r.json' : 'r.yaml', Buffer.from(text, 'utf8')),
      ),
      { numRuns: 300 },
    );
  });

  test('random YAML-ish token soup', () => {
    fc.assert(
      fc.property(yamlish, fc.boolean(), (text, json) => checkTotal(json ? 'r.json' : 'r.yaml', Buffer.from(text, 'utf8'))),
      { numRuns: 1000 },
    );
  });

  test('random JSON values as .json and .yaml', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: value });
        checkTotal('r.json', Buffer.from(text));
        const result = parseFileContent('r.json', Buffer.from(text), LIMITS);
        // JSON that JavaScript reads is JSON the parser reads: exactly one resource.
        expect(result.errors).toEqual([]);
        expect(result.resources).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});
