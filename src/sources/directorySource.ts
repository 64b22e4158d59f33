import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { toSafeRepoPath } from './repoPath.js';
import { selectFiles } from './selectFiles.js';
import type { Snapshot, SnapshotFile, SourceConfig } from './snapshot.js';
import { mapLimit, tooLargeReason } from './sourceUtil.js';

export type DirectorySourceConfig = SourceConfig;

export interface DirectorySnapshotOptions {
  /** Shown to people instead of `dir` (e.g. the path as typed on the command line). */
  label?: string;
}

/** Directories not descended at all: they can be huge and never hold the project's manifests. */
const PRUNED_DIRS = new Set(['.git', 'node_modules']);
const READ_CONCURRENCY = 16;

interface WalkEntry {
  path: string;
  isSymlink: boolean;
}

type ReadOutcome = { file: SnapshotFile } | { skipped: { path: string; reason: string } } | undefined;

export async function readDirectorySnapshot(dir: string, config: DirectorySourceConfig, options: DirectorySnapshotOptions = {}): Promise<Snapshot> {
  const root = await resolveRoot(dir);
  const { entries, unreadable } = await walk(root);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const selected = selectFiles([...byPath.keys()].sort(), config);
  const outcomes = await mapLimit(selected, READ_CONCURRENCY, (path) => readSelected(root, byPath.get(path)!, config.limits.maxFileBytes));
  const snapshot: Snapshot = {
    label: options.label ?? dir,
    files: [],
    paths: [...byPath.keys()].sort(),
    skipped: [...unreadable],
    readFile: (path) => readAnyFile(root, path),
  };
  for (const outcome of outcomes) {
    if (outcome === undefined) continue;
    if ('file' in outcome) snapshot.files.push(outcome.file);
    else snapshot.skipped.push(outcome.skipped);
  }
  return snapshot;
}

async function resolveRoot(dir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    throw new Error(`cannot read directory ${dir}: it does not exist`);
  }
  if (!(await stat(root)).isDirectory()) throw new Error(`cannot read directory ${dir}: it is not a directory`);
  return root;
}

interface WalkResult {
  entries: WalkEntry[];
  /** Directories that could not be listed: reported, so their files are not silently missing. */
  unreadable: { path: string; reason: string }[];
}

/**
 * Lists regular files and symlinks under `root`, repo-relative. Iterative, and
 * symlinked directories are not descended, so link cycles cannot loop it.
 */
async function walk(root: string): Promise<WalkResult> {
  const result: WalkResult = { entries: [], unreadable: [] };
  const pending: string[] = [''];
  while (pending.length > 0) {
    const relDir = pending.pop()!;
    let dirents;
    try {
      dirents = await readdir(join(root, relDir), { withFileTypes: true });
    } catch (error) {
      result.unreadable.push({ path: relDir, reason: `directory not readable (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    for (const d of dirents) {
      const rel = relDir === '' ? d.name : `${relDir}/${d.name}`;
      if (d.isDirectory()) {
        if (!PRUNED_DIRS.has(d.name)) pending.push(rel);
      } else if (d.isFile() || d.isSymbolicLink()) {
        result.entries.push({ path: rel, isSymlink: d.isSymbolicLink() });
      }
      // Sockets, FIFOs and devices are skipped: opening a FIFO blocks until someone writes to it.
    }
  }
  return result;
}

async function readSelected(root: string, entry: WalkEntry, maxBytes: number): Promise<ReadOutcome> {
  const abs = join(root, entry.path);
  let target = abs;
  if (entry.isSymlink) {
    const resolved = await resolveSymlinkInside(root, abs);
    if (resolved === undefined) {
      return { skipped: { path: entry.path, reason: 'symlink points outside the directory (or nowhere); not followed' } };
    }
    target = resolved;
  }
  const content = await readBounded(target, maxBytes);
  if (content === 'not-a-file') return undefined;
  if ('size' in content) return { skipped: { path: entry.path, reason: tooLargeReason(content.size, maxBytes), ...(content.id ? { id: content.id } : {}) } };
  return { file: { path: entry.path, content } };
}

/** The link's real target when it stays inside `root`; undefined when it escapes or dangles. */
async function resolveSymlinkInside(root: string, abs: string): Promise<string | undefined> {
  try {
    const real = await realpath(abs);
    return isInside(root, real) ? real : undefined;
  } catch {
    return undefined;
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Reads at most `maxBytes` + 1 bytes: a huge file must never be loaded whole,
 * and the size from stat may be stale (the +1 notices growth past the limit
 * instead of silently truncating). Returns the size seen when too large, and
 * the file's git blob id, streamed through a hash and never held: the review
 * tells an edited unread file from an unchanged one by it (and a directory
 * compares with a git ref, whose ids are the same kind).
 */
async function readBounded(path: string, maxBytes: number): Promise<Buffer | { size: number; id?: string } | 'not-a-file'> {
  // A link may name a FIFO, and opening one blocks: check the type before opening.
  const before = await stat(path).catch(() => undefined);
  if (!before?.isFile()) return 'not-a-file';
  // Opened with O_NONBLOCK so that a file swapped for a FIFO since the stat cannot hang the read either.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return 'not-a-file';
  try {
    const info = await handle.stat();
    if (!info.isFile()) return 'not-a-file';
    if (info.size > maxBytes) return { size: info.size, ...(await blobId(handle, info.size)) };
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.alloc(Math.min(maxBytes + 1, Math.max(info.size + 1, 64 * 1024)));
    while (total <= maxBytes) {
      const want = Math.min(chunk.length, maxBytes + 1 - total);
      const { bytesRead } = await handle.read(chunk, 0, want, total);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, bytesRead)));
      total += bytesRead;
    }
    return total > maxBytes ? { size: total } : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** `git hash-object` of an open file of `size` bytes; none when the file changes size while read. */
async function blobId(handle: FileHandle, size: number): Promise<{ id?: string }> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  const chunk = Buffer.alloc(1024 * 1024);
  let total = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
    if (bytesRead === 0) break;
    hash.update(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > size) return {};
  }
  return total === size ? { id: hash.digest('hex') } : {};
}

async function readAnyFile(root: string, path: string): Promise<Buffer | undefined> {
  const abs = join(root, toSafeRepoPath(path));
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return undefined;
  }
  if (!isInside(root, real)) return undefined;
  const info = await stat(real);
  if (!info.isFile()) return undefined;
  const handle = await open(real, 'r');
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
