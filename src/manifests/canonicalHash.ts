import { createHash, type Hash } from 'node:crypto';

/** Thrown when a value nests deeper than allowed (aliases can nest deeper than the text looks). */
export class NestingTooDeepError extends Error {}

/** Pieces are batched before hashing: many tiny `update` calls are slow, one giant string costs memory. */
const FLUSH_AT = 64 * 1024;

/**
 * sha1 of a canonical JSON form of `value` (object keys sorted at every
 * level), so two documents that differ only in formatting, quoting, key
 * order, comments or anchors hash the same. Streamed into the hash because
 * alias expansion can make the JSON form far larger than the file.
 */
export function canonicalHash(value: unknown, maxDepth: number): string {
  const hash = createHash('sha1');
  const sink = { hash, pending: '' };
  writeCanonical(value, 0, maxDepth, sink);
  hash.update(sink.pending);
  return hash.digest('hex');
}

interface Sink {
  hash: Hash;
  pending: string;
}

function emit(sink: Sink, piece: string): void {
  sink.pending += piece;
  if (sink.pending.length >= FLUSH_AT) {
    sink.hash.update(sink.pending);
    sink.pending = '';
  }
}

function writeCanonical(value: unknown, depth: number, maxDepth: number, sink: Sink): void {
  if (depth > maxDepth) throw new NestingTooDeepError(`nested deeper than ${maxDepth} levels`);
  if (value === null || value === undefined) return emit(sink, 'null');
  if (typeof value === 'number') return emit(sink, Number.isFinite(value) ? JSON.stringify(value) : String(value));
  if (typeof value === 'bigint') return emit(sink, value.toString());
  if (typeof value !== 'object') return emit(sink, JSON.stringify(value));
  // The types below only appear under a `%YAML 1.1` directive (timestamps, !!binary, !!set, !!omap).
  if (value instanceof Date) return emit(sink, JSON.stringify(value.toISOString()));
  if (value instanceof Uint8Array) return emit(sink, JSON.stringify(Buffer.from(value).toString('base64')));
  if (value instanceof Set) return writeArray([...value], depth, maxDepth, sink);
  if (value instanceof Map) return writeObject(Object.fromEntries(value), depth, maxDepth, sink);
  if (Array.isArray(value)) return writeArray(value, depth, maxDepth, sink);
  return writeObject(value as Record<string, unknown>, depth, maxDepth, sink);
}

function writeArray(items: readonly unknown[], depth: number, maxDepth: number, sink: Sink): void {
  emit(sink, '[');
  items.forEach((item, i) => {
    if (i > 0) emit(sink, ',');
    writeCanonical(item, depth + 1, maxDepth, sink);
  });
  emit(sink, ']');
}

function writeObject(object: Record<string, unknown>, depth: number, maxDepth: number, sink: Sink): void {
  emit(sink, '{');
  Object.keys(object)
    .sort()
    .forEach((key, i) => {
      if (i > 0) emit(sink, ',');
      emit(sink, `${JSON.stringify(key)}:`);
      writeCanonical(object[key], depth + 1, maxDepth, sink);
    });
  emit(sink, '}');
}
