import { describe, expect, test } from 'vitest';
import { toSafeRepoPath } from '../../src/sources/repoPath.js';

describe('toSafeRepoPath', () => {
  test('normalises harmless forms', () => {
    expect(toSafeRepoPath('./a//b/../c.yaml')).toBe('a/c.yaml');
    expect(toSafeRepoPath('a\\b.yaml')).toBe('a/b.yaml');
  });

  test.each(['../x', 'a/../../x', '/etc/passwd', 'C:/x', '.', ''])('refuses %j', (path) => {
    expect(() => toSafeRepoPath(path)).toThrow(/invalid path/);
  });
});
