import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';
import { makeTempDir, manifest, removeDir, writeTree } from './tempRepo.js';

describe('readDirectorySnapshot', () => {
  let root: string;
  let outside: string;
  const config = { ...defaultConfig(), limits: { maxFileBytes: 1000, maxDocuments: 100 } };

  beforeAll(() => {
    root = makeTempDir('dir');
    outside = makeTempDir('outside');
    writeTree(outside, { 'secret.yaml': manifest('Secret', 'outside') });
    writeTree(root, {
      'mesh/pa.yaml': manifest('Namespace', 'a'),
      'mesh/list.json': '{"apiVersion": "v1", "kind": "List", "items": []}',
      'README.md': '# not a manifest',
      'big.yaml': `# ${'x'.repeat(2000)}\n`,
      '.github/mesh-review.yml': 'failOn: high\n',
      '.git/config.yaml': 'ignored: true\n',
      'node_modules/pkg/x.yaml': manifest('Namespace', 'dep'),
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\n',
      'chart/templates/d.yaml': 'name: {{ .Values.name }}\n',
      'links/inside.yaml': { symlink: '../mesh/pa.yaml' },
      'links/outside.yaml': { symlink: `${outside}/secret.yaml` },
      'links/dangling.yaml': { symlink: '../nowhere.yaml' },
      'links/dir': { symlink: '..' },
    });
  });

  afterAll(() => {
    removeDir(root);
    removeDir(outside);
  });

  test('keeps manifest-like files, sorted, with their bytes', async () => {
    const snapshot = await readDirectorySnapshot(root, config);
    expect(snapshot.label).toBe(root);
    expect(snapshot.files.map((f) => f.path)).toEqual(['.github/mesh-review.yml', 'chart/Chart.yaml', 'links/inside.yaml', 'mesh/list.json', 'mesh/pa.yaml']);
    expect(snapshot.files.find((f) => f.path === 'mesh/pa.yaml')!.content.toString()).toBe(manifest('Namespace', 'a'));
  });

  test('a symlink inside the tree is read through; one leaving it is reported, not followed', async () => {
    const snapshot = await readDirectorySnapshot(root, config);
    expect(snapshot.files.find((f) => f.path === 'links/inside.yaml')!.content.toString()).toBe(manifest('Namespace', 'a'));
    expect(snapshot.skipped).toContainEqual({
      path: 'links/outside.yaml',
      reason: 'symlink points outside the directory (or nowhere); not followed',
    });
    expect(snapshot.skipped.map((s) => s.path)).toContain('links/dangling.yaml');
  });

  test('a FIFO, or a link to one, is never opened (it would block)', async () => {
    execFileSync('mkfifo', [join(root, 'pipe.yaml')]);
    writeTree(root, { 'links/pipe.yaml': { symlink: '../pipe.yaml' } });
    try {
      const snapshot = await readDirectorySnapshot(root, config);
      expect(snapshot.files.map((f) => f.path)).not.toContain('pipe.yaml');
      expect(snapshot.files.map((f) => f.path)).not.toContain('links/pipe.yaml');
      expect(await snapshot.readFile('pipe.yaml')).toBeUndefined();
    } finally {
      rmSync(join(root, 'pipe.yaml'));
      rmSync(join(root, 'links/pipe.yaml'));
    }
  });

  test('files over maxFileBytes are skipped with a reason', async () => {
    const snapshot = await readDirectorySnapshot(root, config);
    // With its git blob id (as `git hash-object` computes it), so an edit of the unread file is seen.
    const id = createHash('sha1')
      .update(`blob 2003\0# ${'x'.repeat(2000)}\n`)
      .digest('hex');
    expect(snapshot.skipped).toContainEqual({ path: 'big.yaml', reason: 'file is 2003 bytes, over limits.maxFileBytes (1000); not read', id });
  });

  test('a label can be given', async () => {
    expect((await readDirectorySnapshot(root, config, { label: 'before/' })).label).toBe('before/');
  });

  test('readFile reads any file of the tree, undefined when absent', async () => {
    const snapshot = await readDirectorySnapshot(root, config);
    expect((await snapshot.readFile('README.md'))!.toString()).toBe('# not a manifest');
    expect((await snapshot.readFile('./.github/mesh-review.yml'))!.toString()).toBe('failOn: high\n');
    expect(await snapshot.readFile('missing.yml')).toBeUndefined();
    expect(await snapshot.readFile('mesh')).toBeUndefined();
  });

  test('readFile refuses to leave the tree', async () => {
    const snapshot = await readDirectorySnapshot(root, config);
    await expect(snapshot.readFile('../etc/passwd')).rejects.toThrow(/escapes the repository root/);
    await expect(snapshot.readFile('/etc/passwd')).rejects.toThrow(/must be relative/);
    expect(await snapshot.readFile('links/outside.yaml')).toBeUndefined();
  });

  test('a missing directory is a clear error', async () => {
    await expect(readDirectorySnapshot(`${root}/nope`, config)).rejects.toThrow(/does not exist/);
  });
});
