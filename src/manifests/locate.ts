import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { FieldPath } from './resource.js';

/**
 * A `locate` for one object: the line of the field at `path` (under
 * `prefix`, which places a List item inside its document). Lazy on purpose:
 * the Document and LineCounter are kept, and nothing is computed until a
 * finding asks. A map field answers with its key's line (`rules:`), not the
 * first line of its value, because that is where a reviewer expects the
 * comment. A missing field answers with its closest existing ancestor.
 */
export function makeLocator(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  prefix: FieldPath,
  objectLine: number,
): (path: FieldPath) => number {
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  return (path) => {
    let node: unknown = doc.contents;
    let line = objectLine;
    for (const segment of [...prefix, ...path]) {
      const step = stepInto(node, segment);
      if (!step) break;
      if (step.offset !== undefined) line = lineOf(step.offset);
      node = step.node;
    }
    return line;
  };
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
