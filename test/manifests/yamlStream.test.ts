import { describe, expect, test } from 'vitest';
import { parseYamlStream } from '../../src/manifests/yamlStream.js';

describe('parseYamlStream', () => {
  test('the globals it sets for the parse are restored, the environment object included', () => {
    const env = process.env;
    const limit = Error.stackTraceLimit;
    for (const text of ['a: 1\n---\nb: [2\n', '\t: : ]]] {{ - ? !!x &\n'.repeat(50), '']) {
      parseYamlStream(text, 10);
      expect(process.env).toBe(env);
      expect(Error.stackTraceLimit).toBe(limit);
    }
  });

  test('stops composing after maxDocuments', () => {
    const { docs, truncated } = parseYamlStream('a: 1\n---\nb: 2\n---\nc: 3\n', 2);
    expect(docs.map((d) => d.toJS())).toEqual([{ a: 1 }, { b: 2 }]);
    expect(truncated).toBe(true);
  });
});
