/**
 * The engine in a worker thread (piscina loads this file's default export):
 * snapshots in, ReviewResult out. No GitHub I/O here; that stays on the main
 * thread, so a worker can be terminated at any instant without leaving a write half-done.
 */
import { analyseHere, type AnalyseInput } from '../github/reviewPullRequest.js';
import type { ReviewResult } from '../pipeline/reviewResult.js';
import type { Snapshot, SnapshotFile } from '../sources/snapshot.js';

/** A snapshot as it crosses to the worker: data only (a structured clone carries no functions). */
export type WireSnapshot = Omit<Snapshot, 'readFile'>;
export type WireInput = Omit<AnalyseInput, 'base' | 'head'> & { base: WireSnapshot; head: WireSnapshot };

export function toWire(input: AnalyseInput): WireInput {
  const strip = ({ label, files, skipped, paths, extra }: Snapshot): WireSnapshot => ({
    label,
    files,
    skipped,
    ...(paths ? { paths } : {}),
    ...(extra ? { extra } : {}),
  });
  return { ...input, base: strip(input.base), head: strip(input.head) };
}

/**
 * Back to snapshots: a structured clone turns a Buffer into a plain Uint8Array,
 * so contents are wrapped again (no copy). The engine reads no file beyond the
 * snapshot's own (configuration is read on the main thread, from the default
 * branch); `readFile` fails loudly rather than answer "absent".
 */
function fromWire(s: WireSnapshot): Snapshot {
  const wrap = (f: SnapshotFile): SnapshotFile => ({ path: f.path, content: Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength) });
  const extra = (s.extra ?? []).map(wrap);
  const kept = new Map(extra.map((f) => [f.path, f.content]));
  return {
    label: s.label,
    skipped: s.skipped,
    files: s.files.map(wrap),
    ...(s.paths ? { paths: s.paths } : {}),
    extra,
    // Renders read chart files and generator inputs from what the source kept; anything else is not here.
    readFile: (path) => {
      const content = kept.get(path);
      return content ? Promise.resolve(content) : Promise.reject(new Error(`a worker thread cannot read ${path}: the snapshot did not keep it`));
    },
  };
}

export default function analyse(input: WireInput): Promise<ReviewResult> {
  return analyseHere({ ...input, base: fromWire(input.base), head: fromWire(input.head) });
}
