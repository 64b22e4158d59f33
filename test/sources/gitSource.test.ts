import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { parseLsTree, readGitSnapshot } from '../../src/sources/gitSource.js';
import type { Snapshot } from '../../src/sources/snapshot.js';
import { commitAll, git, initRepo, makeTempDir, manifest, removeDir, writeTree } from './tempRepo.js';

const config = { ...defaultConfig(), limits: { maxFileBytes: 2 * 1024 * 1024, maxDocuments: 100 } };
const paStrict = manifest('PeerAuthentication', 'default', 'spec:\n  mtls:\n    mode: STRICT\n');
const paPermissive = manifest('PeerAuthentication', 'default', 'spec:\n  mtls:\n    mode: PERMISSIVE\n');
/** Larger than a pipe buffer, so cat-file output arrives in many chunks, split mid-body. */
const bigConfigMap = manifest('ConfigMap', 'big', `data:\n${Array.from({ length: 20_000 }, (_, i) => `  k${i}: "${'v'.repeat(40)}"`).join('\n')}\n`);

const contentOf = (snapshot: Snapshot, path: string) => snapshot.files.find((f) => f.path === path)?.content.toString();

describe('readGitSnapshot', () => {
  let repo: string;
  let v1: string;
  let v2: string;

  beforeAll(() => {
    repo = makeTempDir('git');
    initRepo(repo);
    writeTree(repo, {
      'mesh/pa.yaml': paStrict,
      'mesh/copy.yaml': paStrict,
      'mesh/with space.yaml': manifest('Namespace', 'spaced'),
      'mesh/big.yaml': bigConfigMap,
      'huge.yaml': `# ${'x'.repeat(3 * 1024 * 1024)}\n`,
      'unchanged.yaml': manifest('Namespace', 'same'),
      '.github/mesh-review.yml': 'failOn: high\n',
      'README.md': 'hello\n',
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\n',
      'chart/templates/d.yaml': 'name: {{ .Values.name }}\n',
      'links/inside.yaml': { symlink: '../mesh/pa.yaml' },
      'links/outside.yaml': { symlink: '../../elsewhere.yaml' },
    });
    v1 = commitAll(repo, 'v1');
    git(repo, 'tag', 'v1');
    writeTree(repo, { 'mesh/pa.yaml': paPermissive, 'mesh/new.yaml': manifest('Namespace', 'new') });
    git(repo, 'rm', '-q', 'mesh/copy.yaml');
    v2 = commitAll(repo, 'v2');
  });

  afterAll(() => removeDir(repo));

  test('reads the selected files of a tag and labels it with its short sha', async () => {
    const snapshot = await readGitSnapshot(repo, 'v1', config);
    expect(snapshot.label).toBe(`v1 (${v1.slice(0, 7)})`);
    expect(snapshot.files.map((f) => f.path).sort()).toEqual([
      '.github/mesh-review.yml',
      'chart/Chart.yaml',
      'links/inside.yaml',
      'mesh/big.yaml',
      'mesh/copy.yaml',
      'mesh/pa.yaml',
      'mesh/with space.yaml',
      'unchanged.yaml',
    ]);
    expect(contentOf(snapshot, 'mesh/pa.yaml')).toBe(paStrict);
    expect(contentOf(snapshot, 'mesh/copy.yaml')).toBe(paStrict);
    expect(contentOf(snapshot, 'mesh/big.yaml')).toBe(bigConfigMap);
    expect(contentOf(snapshot, 'mesh/with space.yaml')).toBe(manifest('Namespace', 'spaced'));
  });

  test('reads the other version at HEAD', async () => {
    const snapshot = await readGitSnapshot(repo, 'HEAD', config);
    expect(snapshot.label).toBe(`HEAD (${v2.slice(0, 7)})`);
    expect(contentOf(snapshot, 'mesh/pa.yaml')).toBe(paPermissive);
    expect(contentOf(snapshot, 'mesh/new.yaml')).toBe(manifest('Namespace', 'new'));
    expect(contentOf(snapshot, 'mesh/copy.yaml')).toBeUndefined();
  });

  test('a full sha works as a ref', async () => {
    expect((await readGitSnapshot(repo, v1, config)).label).toBe(`${v1} (${v1.slice(0, 7)})`);
  });

  test('files over maxFileBytes are skipped by their ls-tree size', async () => {
    const snapshot = await readGitSnapshot(repo, 'v1', config);
    expect(snapshot.skipped).toContainEqual({
      path: 'huge.yaml',
      reason: `file is ${3 * 1024 * 1024 + 3} bytes, over limits.maxFileBytes (${2 * 1024 * 1024}); not read`,
      // The blob id, so a review can tell an edit of the unread file from no change.
      id: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  test('symlinks: read through inside the tree, reported when leaving it', async () => {
    const snapshot = await readGitSnapshot(repo, 'v1', config);
    expect(contentOf(snapshot, 'links/inside.yaml')).toBe(paStrict);
    expect(snapshot.skipped).toContainEqual({
      path: 'links/outside.yaml',
      reason: 'symlink points outside the repository (or nowhere); not followed',
    });
  });

  test('base and head share one parse cache: unchanged blobs are parsed once', async () => {
    const cache = new ParseCache();
    const parseAll = (s: Snapshot) => s.files.map((f) => cache.parse(f, config.limits));
    const base = await readGitSnapshot(repo, 'v1', config);
    const head = await readGitSnapshot(repo, 'HEAD', config);
    parseAll(base);
    const afterBase = { ...cache.stats };
    parseAll(head);
    // Base: 8 files, 7 distinct contents (copy.yaml = pa.yaml = links/inside.yaml).
    expect(afterBase).toEqual({ parses: 6, hits: 2 });
    // Head adds the changed pa.yaml and new.yaml; everything else is a hit.
    expect(cache.stats.parses - afterBase.parses).toBe(2);
  });

  test('readFile reads any path at that commit; undefined when absent', async () => {
    const snapshot = await readGitSnapshot(repo, 'v1', config);
    expect((await snapshot.readFile('.github/mesh-review.yml'))!.toString()).toBe('failOn: high\n');
    expect((await snapshot.readFile('README.md'))!.toString()).toBe('hello\n');
    expect(await snapshot.readFile('mesh/new.yaml')).toBeUndefined();
    expect(await snapshot.readFile('mesh')).toBeUndefined();
    const head = await readGitSnapshot(repo, 'HEAD', config);
    expect((await head.readFile('mesh/new.yaml'))!.toString()).toBe(manifest('Namespace', 'new'));
  });

  test('readFile refuses paths that leave the repository', async () => {
    const snapshot = await readGitSnapshot(repo, 'v1', config);
    await expect(snapshot.readFile('../x')).rejects.toThrow(/escapes the repository root/);
  });

  test('an unknown ref is a clear error', async () => {
    await expect(readGitSnapshot(repo, 'no-such-branch', config)).rejects.toThrow(/unknown git ref "no-such-branch" in .*: not a branch, tag or commit/);
  });

  test('a ref that looks like an option is refused', async () => {
    await expect(readGitSnapshot(repo, '--output=/tmp/x', config)).rejects.toThrow(/invalid git ref/);
  });

  test('a directory that is not a repository is a clear error', async () => {
    const plain = makeTempDir('plain');
    try {
      await expect(readGitSnapshot(plain, 'HEAD', config)).rejects.toThrow(/is not inside a git repository/);
    } finally {
      removeDir(plain);
    }
  });
});

describe('parseLsTree', () => {
  test('reads modes, types, sizes and paths with spaces and tabs', () => {
    const out = Buffer.from(
      [
        '100644 blob 0123456789abcdef0123456789abcdef01234567      42\ta b.yaml',
        '120000 blob 1123456789abcdef0123456789abcdef01234567       9\tlink.yaml',
        '160000 commit 2123456789abcdef0123456789abcdef01234567       -\tvendor/sub',
        '100644 blob 3123456789abcdef0123456789abcdef01234567 1048576\ttab\there.yaml',
        '',
      ].join('\0'),
    );
    expect(parseLsTree(out)).toEqual([
      { mode: '100644', type: 'blob', oid: '0123456789abcdef0123456789abcdef01234567', size: 42, path: 'a b.yaml' },
      { mode: '120000', type: 'blob', oid: '1123456789abcdef0123456789abcdef01234567', size: 9, path: 'link.yaml' },
      { mode: '160000', type: 'commit', oid: '2123456789abcdef0123456789abcdef01234567', size: undefined, path: 'vendor/sub' },
      { mode: '100644', type: 'blob', oid: '3123456789abcdef0123456789abcdef01234567', size: 1048576, path: 'tab\there.yaml' },
    ]);
  });
});
