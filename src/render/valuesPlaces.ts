import { posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { FieldPath, Resource } from '../manifests/resource.js';

/** One leaf of a values file: its dotted key, value and line. */
interface Leaf {
  key: string;
  value: string;
  line: number;
}

function leaves(text: string): Map<string, Leaf> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const out = new Map<string, Leaf>();
  if (doc.errors.length > 0) return out;
  const walk = (node: unknown, key: string): void => {
    if (isMap(node)) {
      for (const item of node.items) {
        const k = isScalar(item.key) ? String(item.key.value) : undefined;
        if (k !== undefined) walk(item.value, key ? `${key}.${k}` : k);
      }
      return;
    }
    const n = node as Node | null;
    const line = n?.range ? lines.linePos(n.range[0]).line : 1;
    // A list is one value: `.Values` templates read it whole (range, toYaml).
    out.set(key, { key, value: JSON.stringify(isSeq(node) || isScalar(node) ? node.toJSON() : null), line });
  };
  walk(doc.contents, '');
  return out;
}

/** `.Values.a.b` references of a template, as dotted keys. */
function valueRefs(template: string): string[] {
  return [...template.matchAll(/\.Values((?:\.[A-Za-z0-9_-]+)+)/g)].map((m) => m[1]!.slice(1));
}

/** The line of a template holding the last named key of `path`, when one does (templates are text, not YAML). */
function templateLine(template: string, path: FieldPath): number | undefined {
  const key = [...path].reverse().find((k): k is string => typeof k === 'string');
  if (!key) return undefined;
  const i = template.split('\n').findIndex((l) => new RegExp(`^\\s*-?\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).test(l));
  return i < 0 ? undefined : i + 1;
}

/**
 * Provenance through a chart (issue #13 item 3) for the head side's objects: a field of an object
 * whose template changed is on the template's line that names it; of one whose template did not
 * change, on the changed values line its template reads (`.Values.x.y`). Objects of a chart
 * whose files are the same on both sides are left alone, as are objects no such line explains.
 */
export function placeChartObjects(
  resources: readonly Resource[],
  before: ReadonlyMap<string, Buffer>,
  after: ReadonlyMap<string, Buffer>,
  valuesFiles: readonly string[],
): void {
  const text = (m: ReadonlyMap<string, Buffer>, p: string) => m.get(p)?.toString('utf8');
  const changedValues: { file: string; key: string; line: number }[] = [];
  for (const file of valuesFiles) {
    const now = text(after, file);
    if (now === undefined) continue;
    const old = leaves(text(before, file) ?? '');
    for (const leaf of leaves(now).values()) if (old.get(leaf.key)?.value !== leaf.value) changedValues.push({ file, key: leaf.key, line: leaf.line });
  }
  for (const r of resources) {
    const template = r.source;
    if (!template) continue;
    const body = text(after, template);
    if (body === undefined) continue;
    if (body !== text(before, template)) {
      r.place = (path) => ({ file: template, line: templateLine(body, path) ?? 1 });
      continue;
    }
    const refs = valueRefs(body);
    const hit = changedValues.find((v) => refs.some((ref) => v.key === ref || v.key.startsWith(`${ref}.`) || ref.startsWith(`${v.key}.`)));
    if (hit) r.place = () => ({ file: hit.file, line: hit.line });
  }
}

/** The values files a release reads: the chart's own `values.yaml`, then those it is given. */
export const releaseValuesFiles = (chartPath: string, valuesFiles: readonly string[]): string[] => [posix.join(chartPath, 'values.yaml'), ...valuesFiles];
