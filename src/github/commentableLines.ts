import { structuredPatch } from 'diff';
import type { Snapshot } from '../sources/snapshot.js';
import type { CommentableLines, PullFile } from './types.js';

/** Git's and GitHub's default: the diff GitHub shows has three lines of context. */
const CONTEXT_LINES = 3;
/**
 * Bounds the Myers diff of a file GitHub gave no patch for: its cost grows
 * with the square of the edits explored (about 0.5 s at 2,000 lines changed,
 * 3 s at 5,000, over a minute at 20,000). Past it the file gets no
 * commentable lines and its findings go in the review body, which is better
 * than a stalled review.
 */
const MAX_EDIT_LENGTH = 2000;

export interface CommentableLinesOptions {
  /**
   * False when the file listing was cut short (GitHub lists at most 3,000):
   * files that differ between the snapshots but were not listed then get lines
   * computed from the snapshots. True (the default) means an unlisted file is
   * not in the pull request's diff, e.g. it changed on the base branch only.
   */
  complete?: boolean;
}

export interface PullCommentableLines extends CommentableLines {
  /**
   * The path a review comment on `path` must name: the new path of a renamed
   * file (GitHub anchors both sides of a rename to the new name), else `path`.
   * A finding on the base side of a renamed file names the old path.
   */
  commentPath(path: string): string;
}

interface Sides {
  right: Set<number>;
  left: Set<number>;
}

/** A hunk as both GitHub's patches and `structuredPatch` describe it. */
interface Hunk {
  oldStart: number;
  newStart: number;
  lines: readonly string[];
}

/**
 * The lines of each file a review comment may be anchored to: every line the
 * diff shows, on its side (added and context lines on the right, deleted and
 * context lines on the left). Pure: no requests, same answer for same input.
 */
export function commentableLines(files: readonly PullFile[], base: Snapshot, head: Snapshot, options: CommentableLinesOptions = {}): PullCommentableLines {
  const byPath = new Map<string, Sides>();
  const renamedTo = new Map<string, string>();
  const listed = new Set<string>();
  const baseFiles = contentsOf(base);
  const headFiles = contentsOf(head);

  for (const file of files) {
    listed.add(file.path);
    if (file.previousPath !== undefined) listed.add(file.previousPath);
    if (file.status === 'renamed' && file.previousPath !== undefined) renamedTo.set(file.previousPath, file.path);
    const hunks =
      file.patch !== undefined
        ? parsePatch(file.patch)
        : diffHunks(file.status === 'added' ? '' : baseFiles.get(file.previousPath ?? file.path), file.status === 'removed' ? '' : headFiles.get(file.path));
    if (hunks !== undefined) byPath.set(file.path, linesOf(hunks));
  }

  if (options.complete === false) {
    for (const path of new Set([...baseFiles.keys(), ...headFiles.keys()])) {
      if (listed.has(path)) continue;
      // Both sides were selected under one configuration, so a path missing from one side is added or removed.
      const hunks = diffHunks(baseFiles.has(path) ? baseFiles.get(path) : '', headFiles.has(path) ? headFiles.get(path) : '');
      if (hunks !== undefined && hunks.length > 0) byPath.set(path, linesOf(hunks));
    }
  }

  return {
    get: (path) => byPath.get(path),
    commentPath: (path) => renamedTo.get(path) ?? path,
  };
}

/**
 * What the snapshots know of each path: its text, or `null` when the file
 * exists but was skipped (too large), so that a skipped side is never
 * mistaken for an absent one (which would make every line look added).
 */
function contentsOf(snapshot: Snapshot): Map<string, string | null> {
  const map = new Map<string, string | null>();
  for (const s of snapshot.skipped) map.set(s.path, null);
  for (const f of snapshot.files) map.set(f.path, f.content.toString('utf8'));
  return map;
}

/**
 * The hunks GitHub would show between two texts. Undefined when a side is
 * unknown (not in the snapshot, or skipped as too large): guessing it empty
 * would make every line of the other side look changed.
 */
function diffHunks(oldText: string | null | undefined, newText: string | null | undefined): Hunk[] | undefined {
  if (oldText === undefined || oldText === null || newText === undefined || newText === null) return undefined;
  const patch = structuredPatch('a', 'b', oldText, newText, undefined, undefined, {
    context: CONTEXT_LINES,
    maxEditLength: MAX_EDIT_LENGTH,
  });
  return patch?.hunks;
}

/**
 * Hunks of a GitHub `patch` (one file's unified diff without its `---`/`+++`
 * header). The hunk header's counts bound each hunk, so a context line that
 * lost its leading space to a trailing-whitespace trim cannot shift the rest.
 */
function parsePatch(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: { oldStart: number; newStart: number; lines: string[] } | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of patch.split('\n')) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (header) {
      current = { oldStart: Number(header[1]), newStart: Number(header[3]), lines: [] };
      oldLeft = header[2] === undefined ? 1 : Number(header[2]);
      newLeft = header[4] === undefined ? 1 : Number(header[4]);
      hunks.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith('\\')) {
      current.lines.push(line);
    } else if (line.startsWith('+') && newLeft > 0) {
      current.lines.push(line);
      newLeft--;
    } else if (line.startsWith('-') && oldLeft > 0) {
      current.lines.push(line);
      oldLeft--;
    } else if ((line.startsWith(' ') || line === '') && oldLeft > 0 && newLeft > 0) {
      current.lines.push(line === '' ? ' ' : line);
      oldLeft--;
      newLeft--;
    }
  }
  return hunks;
}

function linesOf(hunks: readonly Hunk[]): Sides {
  const sides: Sides = { right: new Set(), left: new Set() };
  for (const hunk of hunks) {
    let oldLine = hunk.oldStart;
    let newLine = hunk.newStart;
    for (const line of hunk.lines) {
      // `\ No newline at end of file` qualifies the line before it; it is not a line of either file.
      if (line.startsWith('\\')) continue;
      if (line.startsWith('+')) {
        sides.right.add(newLine++);
      } else if (line.startsWith('-')) {
        sides.left.add(oldLine++);
      } else if (line.startsWith(' ')) {
        sides.right.add(newLine++);
        sides.left.add(oldLine++);
      }
    }
  }
  return sides;
}
