import type { Snapshot } from '../sources/snapshot.js';

/**
 * Paths of `head` that the change added or edited: content differs from the
 * same path in `base`, or the path is new. A skipped file (not read, over a
 * limit) counts as edited unless both sides name the same content: by its git
 * blob id, which the git and directory sources give, else by the skip reason,
 * which holds the size (the GitHub archive source gives no id yet, so there an
 * edit that keeps the size exactly is not seen).
 */
export function changedFiles(base: Snapshot, head: Snapshot): Set<string> {
  const before = new Map<string, string | Buffer>();
  for (const f of base.files) before.set(f.path, f.content);
  for (const s of base.skipped) before.set(s.path, skipKey(s));
  const out = new Set<string>();
  for (const f of head.files) {
    const old = before.get(f.path);
    if (!(old instanceof Buffer) || !old.equals(f.content)) out.add(f.path);
  }
  for (const s of head.skipped) if (before.get(s.path) !== skipKey(s)) out.add(s.path);
  return out;
}

const skipKey = (s: Snapshot['skipped'][number]): string => (s.id !== undefined ? `id:${s.id}` : `reason:${s.reason}`);
