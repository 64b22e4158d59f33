import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GitCatFile, runGit } from '../../src/sources/gitProcess.js';
import { commitAll, git, initRepo, makeTempDir, removeDir, writeTree } from './tempRepo.js';

describe('GitCatFile', () => {
  let repo: string;

  beforeAll(() => {
    repo = makeTempDir('catfile');
    initRepo(repo);
    writeTree(repo, { 'a.txt': 'alpha\n', 'dir/b.bin': Buffer.from([0, 1, 2, 10, 255]), 'empty.txt': '' });
    commitAll(repo, 'one');
  });

  afterAll(() => removeDir(repo));

  test('answers many reads from one process, in order, binary-safe', async () => {
    const catFile = new GitCatFile(repo);
    try {
      const [a, b, empty, missing, tree, again] = await Promise.all([
        catFile.read('HEAD:a.txt'),
        catFile.read('HEAD:dir/b.bin'),
        catFile.read('HEAD:empty.txt'),
        catFile.read('HEAD:nope.txt'),
        catFile.read('HEAD:dir'),
        catFile.read(git(repo, 'rev-parse', 'HEAD:a.txt')),
      ]);
      expect(a).toEqual({ type: 'blob', content: Buffer.from('alpha\n') });
      expect(b!.content).toEqual(Buffer.from([0, 1, 2, 10, 255]));
      expect(empty).toEqual({ type: 'blob', content: Buffer.alloc(0) });
      expect(missing).toBeUndefined();
      expect(tree!.type).toBe('tree');
      expect(again!.content.toString()).toBe('alpha\n');
    } finally {
      await catFile.close();
    }
  });

  test('a name with a newline is answered as absent, without desynchronising later reads', async () => {
    const catFile = new GitCatFile(repo);
    try {
      expect(await catFile.read('HEAD:a.txt\nHEAD:a.txt')).toBeUndefined();
      expect((await catFile.read('HEAD:a.txt'))!.content.toString()).toBe('alpha\n');
    } finally {
      await catFile.close();
    }
  });

  test('reads after git failed are rejected, not left hanging', async () => {
    const catFile = new GitCatFile(`${repo}/does-not-exist`);
    await expect(catFile.read('HEAD:a.txt')).rejects.toThrow(/git cat-file exited/);
    await catFile.close();
  });
});

describe('runGit', () => {
  test('returns exit code, stdout and stderr', async () => {
    const result = await runGit('/', ['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toMatch(/^git version/);
  });
});
