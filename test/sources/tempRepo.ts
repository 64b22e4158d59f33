import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Fixed identity and no user/system config, so the tests behave the same on any machine. */
const GIT_FLAGS = ['-c', 'user.email=test@example.com', '-c', 'user.name=Test', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mesh-review-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', [...GIT_FLAGS, '-C', dir, ...args], { env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** Writes files (a string or a `{ symlink }` target) relative to `dir`, creating folders. */
export function writeTree(dir: string, files: Record<string, string | Buffer | { symlink: string }>): void {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    rmSync(abs, { force: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) symlinkSync(content.symlink, abs);
    else writeFileSync(abs, content);
  }
}

export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export function initRepo(dir: string): void {
  git(dir, 'init', '-q');
}

export function manifest(kind: string, name: string, extra = ''): string {
  return `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}`;
}
