import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { FieldPath } from './resource.js';
import { parseYamlStream } from './yamlStream.js';

/**
 * What a locator needs to find its document again, one per parsed file and
 * shared by all its resources: the decoded text (the exact string that was
 * parsed, so offsets match) and the document limit it was parsed with (so a
 * re-parse numbers documents the same way).
 */
export interface SourceText {
  readonly text: string;
  readonly maxDocuments: number;
}

/** A file's documents as composed, and its line counter. */
export interface ComposedText {
  readonly docs: readonly Document.Parsed[];
  readonly lineCounter: LineCounter;
}

/**
 * Files re-parsed for `locate`, most recently used last. Bounded in files and
 * in text: a composed Document is many times the size of its text, and a
 * review that located fields in dozens of 2 MB files must not keep them all.
 * The entry in use is always kept, whatever its size.
 */
export class ComposedCache {
  /** How many files were parsed again (cache misses), for tests and profiling. */
  reparses = 0;
  private readonly entries = new Map<SourceText, ComposedText>();
  private textChars = 0;

  constructor(
    readonly maxFiles = 64,
    readonly maxTextChars = 8 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(source: SourceText): ComposedText {
    const cached = this.entries.get(source);
    if (cached) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(source);
      this.entries.set(source, cached);
      return cached;
    }
    const { docs, lineCounter } = parseYamlStream(source.text, source.maxDocuments);
    const composed: ComposedText = { docs, lineCounter };
    this.reparses++;
    this.entries.set(source, composed);
    this.textChars += source.text.length;
    for (const oldest of this.entries.keys()) {
      if (oldest === source || (this.entries.size <= this.maxFiles && this.textChars <= this.maxTextChars)) break;
      this.entries.delete(oldest);
      this.textChars -= oldest.text.length;
    }
    return composed;
  }

  clear(): void {
    this.entries.clear();
    this.textChars = 0;
  }
}

/** The cache every Resource's `locate` uses. */
export const composedForLocate = new ComposedCache();

/**
 * A `locate` for one object: the line of the field at `path` (under
 * `prefix`, which places a List item inside its document). Lazy on purpose,
 * and holding only the file's text, not its Documents: those are most of the
 * memory a parse makes, and most resources never need a line (only findings
 * do). The first call re-parses the file (see ComposedCache); that parse is
 * the same as the first one, so the lines are too.
 */
export function makeLocator(source: SourceText, docIndex: number, prefix: FieldPath, objectLine: number): (path: FieldPath) => number {
  return (path) => {
    const { docs, lineCounter } = composedForLocate.get(source);
    const doc = docs[docIndex];
    return doc ? lineOfPath(doc, lineCounter, [...prefix, ...path], objectLine) : objectLine;
  };
}

/**
 * The line of the field at `path` in `doc`. A map field answers with its
 * key's line (`rules:`), not the first line of its value, because that is
 * where a reviewer expects the comment. A missing field answers with its
 * closest existing ancestor, the document itself with `objectLine`.
 */
export function lineOfPath(doc: Document.Parsed, lineCounter: LineCounter, path: FieldPath, objectLine: number): number {
  let node: unknown = doc.contents;
  let line = objectLine;
  for (const segment of path) {
    const step = stepInto(node, segment);
    if (!step) break;
    if (step.offset !== undefined) line = lineCounter.linePos(step.offset).line;
    node = step.node;
  }
  return line;
}

function stepInto(node: unknown, segment: string | number): { node: unknown; offset: number | undefined } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    if (!pair) return undefined;
    const anchor = isScalar(pair.key) ? pair.key : undefined;
    return { node: pair.value, offset: anchor?.range?.[0] };
  }
  if (isSeq(node)) {
    const index = typeof segment === 'number' ? segment : Number(segment);
    const item = Number.isInteger(index) ? node.items[index] : undefined;
    if (item === undefined) return undefined;
    const range = (item as { range?: [number, number, number] }).range;
    return { node: item, offset: range?.[0] };
  }
  return undefined;
}
