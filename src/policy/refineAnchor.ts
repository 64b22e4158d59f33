import type { FieldPath, Resource } from '../manifests/resource.js';
import type { Origin } from './access.js';

export interface RefineOptions {
  /**
   * When nothing differs below the origin but the object changed elsewhere,
   * point at the first change in its `spec` (then `metadata`): a policy whose
   * deciding field is untouched changed its effect through another field (a
   * selector, `exportTo`), and that field is the cause.
   */
  elsewhere?: boolean;
}

/**
 * Narrows an anchor inside an edited object to the first field that differs
 * from its previous version, so a comment lands on the added `- "*"`, not on
 * the rule that holds it. Returns the origin unchanged when nothing differs below it
 * (and, with `elsewhere`, nowhere else in the object).
 */
export function refineAnchor(origin: Origin, previous: Resource | undefined, options: RefineOptions = {}): Origin {
  if (!previous) return origin;
  const now = valueAt(origin.resource.body, origin.path);
  const then = valueAt(previous.body, origin.path);
  const extra = firstDifference(then, now);
  if (extra && extra.length > 0) return { resource: origin.resource, path: [...origin.path, ...extra] };
  if (extra === undefined && options.elsewhere) {
    for (const top of ['spec', 'metadata'] as const) {
      const elsewhere = firstDifference(previous.body[top], origin.resource.body[top]);
      if (elsewhere) return { resource: origin.resource, path: [top, ...elsewhere] };
    }
  }
  return origin;
}

/** The value at `path` inside `v`, if every step exists. */
export function valueAt(v: unknown, path: FieldPath): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function firstDifference(before: unknown, after: unknown): (string | number)[] | undefined {
  if (same(before, after)) return undefined;
  if (Array.isArray(after)) {
    const old: unknown[] = Array.isArray(before) ? (before as unknown[]) : [];
    for (let i = 0; i < after.length; i++) {
      // An entry that existed anywhere before is not the change (lists are sets here).
      if (old.some((o) => same(o, after[i]))) continue;
      const counterpart = old[i];
      const deeper = counterpart !== undefined && typeof after[i] === 'object' ? firstDifference(counterpart, after[i]) : undefined;
      return [i, ...(deeper ?? [])];
    }
    return [];
  }
  if (after !== null && typeof after === 'object') {
    const old = before !== null && typeof before === 'object' && !Array.isArray(before) ? (before as Record<string, unknown>) : {};
    for (const [k, v] of Object.entries(after as Record<string, unknown>)) {
      if (!same(old[k], v)) return [k, ...(firstDifference(old[k], v) ?? [])];
    }
    return [];
  }
  return [];
}
