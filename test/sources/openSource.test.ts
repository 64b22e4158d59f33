import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { openSnapshot } from '../../src/sources/openSource.js';
import { commitAll, initRepo, makeTempDir, manifest, removeDir, writeTree } from './tempRepo.js';

const config = defaultConfig();

describe('openSnapshot', () => {
  let repo: string;

  beforeAll(() => {
    repo = makeTempDir('open');
    initRepo(repo);
    writeTree(repo, { 'deploy/ns.yaml': manifest('Namespace', 'committed') });
    commitAll(repo, 'first');
    // Not committed: only the directory snapshot sees it.
    writeTree(repo, { 'fixtures/after/ns.yaml': manifest('Namespace', 'on-disk') });
  });

  afterAll(() => removeDir(repo));

  test('an existing directory is read from disk, labelled as given', async () => {
    const snapshot = await openSnapshot('fixtures/after', config, repo);
    expect(snapshot.label).toBe('fixtures/after');
    expect(snapshot.files.map((f) => f.path)).toEqual(['ns.yaml']);
  });

  test('anything else is a ref of the repository containing cwd, paths from its root', async () => {
    const sub = join(repo, 'deploy');
    mkdirSync(sub, { recursive: true });
    const snapshot = await openSnapshot('HEAD', config, sub);
    expect(snapshot.label).toMatch(/^HEAD \([0-9a-f]{7}\)$/);
    expect(snapshot.files.map((f) => f.path)).toEqual(['deploy/ns.yaml']);
  });

  test('an unknown ref names the ref', async () => {
    await expect(openSnapshot('origin/nope', config, repo)).rejects.toThrow(/unknown git ref "origin\/nope"/);
  });

  test('outside any repository, a spec that is no directory is a clear error', async () => {
    const plain = makeTempDir('norepo');
    try {
      await expect(openSnapshot('main', config, plain)).rejects.toThrow(/"main" is not a directory, and .* is not inside a git repository/);
    } finally {
      removeDir(plain);
    }
  });
});
