import { posix } from 'node:path';
import { GitCatFile, runGit } from './gitProcess.js';
import { toSafeRepoPath } from './repoPath.js';
import { selectFiles } from './selectFiles.js';
import type { Snapshot, SourceConfig } from './snapshot.js';
import { tooLargeReason } from './sourceUtil.js';

export type GitSourceConfig = SourceConfig;

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  /** Undefined for submodules (git prints "-"). */
  size: number | undefined;
  path: string;
}

const SYMLINK_MODE = '120000';
/** Bounds link chains (and cycles) the way the kernel's ELOOP does. */
const MAX_LINK_HOPS = 8;

export async function readGitSnapshot(repoDir: string, ref: string, config: GitSourceConfig): Promise<Snapshot> {
  const sha = await resolveCommit(repoDir, ref);
  const entries = await listTree(repoDir, sha);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const selected = selectFiles(
    entries.map((e) => e.path),
    config,
  );
  const snapshot: Snapshot = {
    label: `${ref} (${sha.slice(0, 7)})`,
    files: [],
    paths: entries.map((e) => e.path),
    skipped: [],
    readFile: (path) => readGitFile(repoDir, sha, path),
  };
  const catFile = new GitCatFile(repoDir);
  try {
    await readSelected(catFile, byPath, selected, config.limits.maxFileBytes, snapshot);
  } finally {
    await catFile.close();
  }
  return snapshot;
}

/** Resolves `ref` to a commit sha, with errors a person can act on (the CLI exits 2 on them). */
export async function resolveCommit(repoDir: string, ref: string): Promise<string> {
  // A ref starting with "-" would be read as an option.
  if (ref === '' || ref.startsWith('-')) throw new Error(`invalid git ref ${JSON.stringify(ref)}`);
  const result = await runGit(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (result.code === 0) return result.stdout.toString('utf8').trim();
  if (/not a git repository/i.test(result.stderr)) throw new Error(`${repoDir} is not inside a git repository`);
  if (/cannot change to/i.test(result.stderr)) throw new Error(`cannot read git repository ${repoDir}: ${result.stderr}`);
  throw new Error(`unknown git ref "${ref}" in ${repoDir}: not a branch, tag or commit${result.stderr ? ` (${result.stderr})` : ''}`);
}

export async function listTree(repoDir: string, sha: string): Promise<TreeEntry[]> {
  const result = await runGit(repoDir, ['ls-tree', '-r', '-l', '-z', sha]);
  if (result.code !== 0) throw new Error(`git ls-tree ${sha} failed: ${result.stderr}`);
  return parseLsTree(result.stdout);
}

/** Parses `git ls-tree -r -l -z`: `<mode> <type> <oid> <padded size>\t<path>\0`. */
export function parseLsTree(output: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.toString('utf8').split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid, size] = record.slice(0, tab).split(/ +/);
    if (!mode || !type || !oid || size === undefined) continue;
    entries.push({ mode, type, oid, size: size === '-' ? undefined : Number(size), path: record.slice(tab + 1) });
  }
  return entries;
}

async function readSelected(
  catFile: GitCatFile,
  byPath: ReadonlyMap<string, TreeEntry>,
  selected: readonly string[],
  maxBytes: number,
  snapshot: Snapshot,
): Promise<void> {
  const targets = await Promise.all(selected.map((path) => resolveEntry(catFile, byPath, byPath.get(path)!)));
  // Identical blobs at several paths are requested once.
  const blobs = new Map<string, Promise<Buffer | undefined>>();
  const reads = selected.map(async (path, i) => {
    const target = targets[i]!;
    if (typeof target === 'string') {
      snapshot.skipped.push({ path, reason: target });
      return undefined;
    }
    if (target === undefined || target.type !== 'blob') return undefined;
    if (target.size !== undefined && target.size > maxBytes) {
      snapshot.skipped.push({ path, reason: tooLargeReason(target.size, maxBytes), id: target.oid });
      return undefined;
    }
    let blob = blobs.get(target.oid);
    if (!blob) {
      blob = catFile.read(target.oid).then((o) => o?.content);
      blobs.set(target.oid, blob);
    }
    const content = await blob;
    return content === undefined ? undefined : { path, content };
  });
  for (const file of await Promise.all(reads)) if (file) snapshot.files.push(file);
}

/**
 * Follows a symlink entry to the tree entry it names, like the directory
 * source does on disk: a link inside the tree is read through, one that
 * leaves the tree (or dangles, or loops) is reported as skipped (a string).
 */
async function resolveEntry(catFile: GitCatFile, byPath: ReadonlyMap<string, TreeEntry>, entry: TreeEntry): Promise<TreeEntry | string | undefined> {
  let current = entry;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    if (current.mode !== SYMLINK_MODE) return current;
    const link = await catFile.read(current.oid);
    if (!link) return undefined;
    const target = linkTargetPath(current.path, link.content.toString('utf8'));
    const next = target === undefined ? undefined : byPath.get(target);
    if (!next) return 'symlink points outside the repository (or nowhere); not followed';
    current = next;
  }
  return 'symlink chain too long (or a cycle); not followed';
}

/** Repo-relative path a link names, or undefined when it is absolute or climbs out of the tree. */
function linkTargetPath(linkPath: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return joined;
}

async function readGitFile(repoDir: string, sha: string, path: string): Promise<Buffer | undefined> {
  const safe = toSafeRepoPath(path);
  const catFile = new GitCatFile(repoDir);
  try {
    const object = await catFile.read(`${sha}:${safe}`);
    return object?.type === 'blob' ? object.content : undefined;
  } finally {
    await catFile.close();
  }
}
