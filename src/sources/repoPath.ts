import { posix } from 'node:path';

/**
 * Normalises a repo-relative path for reading and refuses any that would
 * leave the snapshot: `readFile` takes paths from configuration and PR
 * content, so `../` or an absolute path must never reach the disk or git.
 */
export function toSafeRepoPath(path: string): string {
  const slashed = path.replace(/\\/g, '/');
  if (slashed.includes('\0')) throw new Error(`invalid path ${JSON.stringify(path)}: contains a NUL byte`);
  if (posix.isAbsolute(slashed) || /^[A-Za-z]:/.test(slashed)) {
    throw new Error(`invalid path ${JSON.stringify(path)}: must be relative to the repository root`);
  }
  const normalized = posix.normalize(slashed).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../')) {
    throw new Error(`invalid path ${JSON.stringify(path)}: escapes the repository root`);
  }
  if (normalized === '.' || normalized === '') {
    throw new Error(`invalid path ${JSON.stringify(path)}: names the repository root, not a file`);
  }
  return normalized;
}
