import { createHash, hash as hashOnce, type Hash } from 'node:crypto';

/** Thrown when a value nests deeper than allowed (aliases can nest deeper than the text looks). */
export class NestingTooDeepError extends Error {}

/** Pieces are batched before hashing: many tiny `update` calls are slow, one giant string costs memory. */
const FLUSH_AT = 64 * 1024;

/**
 * sha1 of a canonical JSON form of `value` (object keys sorted at every
 * level), so two documents that differ only in formatting, quoting, key
 * order, comments or anchors hash the same. Streamed into the hash because
 * alias expansion can make the JSON form far larger than the file; a form
 * that stays under FLUSH_AT (nearly every object) is hashed in one call,
 * without a Hash object.
 */
export function canonicalHash(value: unknown, maxDepth: number): string {
  const sink: Sink = { hash: undefined, pending: '', maxDepth };
  writeCanonical(value, 0, sink);
  if (sink.hash === undefined) return hashOnce('sha1', sink.pending, 'hex');
  sink.hash.update(sink.pending);
  return sink.hash.digest('hex');
}

interface Sink {
  /** Created at the first flush. */
  hash: Hash | undefined;
  pending: string;
  readonly maxDepth: number;
}

function flushIfLong(sink: Sink): void {
  if (sink.pending.length < FLUSH_AT) return;
  sink.hash ??= createHash('sha1');
  sink.hash.update(sink.pending);
  sink.pending = '';
}

/**
 * Object keys as JSON, with the colon. Kubernetes objects use a few hundred
 * distinct keys over and over, so quoting each once is worth a lookup;
 * bounded, so that a file of millions of distinct keys cannot grow it.
 */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function writeCanonical(value: unknown, depth: number, sink: Sink): void {
  if (depth > sink.maxDepth) throw new NestingTooDeepError(`nested deeper than ${sink.maxDepth} levels`);
  switch (typeof value) {
    case 'string':
      sink.pending += JSON.stringify(value);
      break;
    case 'number':
      sink.pending += Number.isFinite(value) ? JSON.stringify(value) : String(value);
      break;
    case 'boolean':
      sink.pending += value ? 'true' : 'false';
      break;
    case 'bigint':
      sink.pending += value.toString();
      break;
    case 'undefined':
      sink.pending += 'null';
      break;
    case 'object':
      writeObjectValue(value, depth, sink);
      break;
    default:
      // Not produced by YAML; kept as the JSON form would have it.
      sink.pending += String(JSON.stringify(value));
  }
  flushIfLong(sink);
}

function writeObjectValue(value: object | null, depth: number, sink: Sink): void {
  if (value === null) {
    sink.pending += 'null';
    return;
  }
  if (Array.isArray(value)) return writeArray(value, depth, sink);
  // The types below only appear under a `%YAML 1.1` directive (timestamps, !!binary, !!set, !!omap).
  if (value instanceof Date) {
    sink.pending += JSON.stringify(value.toISOString());
    return;
  }
  if (value instanceof Uint8Array) {
    sink.pending += JSON.stringify(Buffer.from(value).toString('base64'));
    return;
  }
  if (value instanceof Set) return writeArray([...value], depth, sink);
  if (value instanceof Map) return writeObject(Object.fromEntries(value as Map<PropertyKey, unknown>), depth, sink);
  writeObject(value as Record<string, unknown>, depth, sink);
}

function writeArray(items: readonly unknown[], depth: number, sink: Sink): void {
  sink.pending += '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) sink.pending += ',';
    writeCanonical(items[i], depth + 1, sink);
  }
  sink.pending += ']';
}

function writeObject(object: Record<string, unknown>, depth: number, sink: Sink): void {
  const keys = Object.keys(object).sort();
  sink.pending += '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) sink.pending += ',';
    sink.pending += quotedKey(key);
    writeCanonical(object[key], depth + 1, sink);
  }
  sink.pending += '}';
}
