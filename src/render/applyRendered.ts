import type { ParseError, Resource } from '../manifests/resource.js';
import type { PolicyChange } from '../policy/change.js';
import type { RenderedSide } from './renderSides.js';

export interface RenderedSides {
  base: RenderedSide;
  head: RenderedSide;
}

interface Loaded {
  resources: Resource[];
  errors: ParseError[];
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Joins rendered targets with the plain manifests of each side. A target that failed to
 * render on one side is UNKNOWN there, never deleted: that side takes the other side's
 * objects of the target (so nothing reads as removed or added), and the failure itself is
 * a finding (renderFailures). Render errors join the side's errors.
 */
export function withRendered(rendered: RenderedSides | undefined, base: (owned: ReadonlySet<string>) => Loaded, head: (owned: ReadonlySet<string>) => Loaded): [Loaded, Loaded] {
  if (!rendered) return [base(NONE), head(NONE)];
  const b = base(rendered.base.owned);
  const h = head(rendered.head.owned);
  const pick = (own: RenderedSide, other: RenderedSide): Resource[] => [
    ...own.resources.filter((r) => !r.target || !own.failed.has(r.target)),
    ...other.resources.filter((r) => r.target && own.failed.has(r.target) && !other.failed.has(r.target)),
  ];
  return [
    { resources: [...b.resources, ...pick(rendered.base, rendered.head)], errors: [...b.errors] },
    { resources: [...h.resources, ...pick(rendered.head, rendered.base)], errors: [...h.errors] },
  ];
}

/**
 * A target that fails to render after the change (and rendered, or failed differently, before)
 * is an analysis-incomplete finding: its objects cannot be checked, so the review fails closed.
 * A target that already failed the same way before is listed in errors only (not this PR's doing).
 */
export function renderFailures(rendered: RenderedSides | undefined): PolicyChange[] {
  if (!rendered) return [];
  const old = new Set(rendered.base.errors.map((e) => `${e.file}|${e.message}`));
  return rendered.head.errors
    .filter((e) => !old.has(`${e.file}|${e.message}`))
    .map((e): PolicyChange => {
      const pseudo: Resource = { apiVersion: 'v1', kind: 'File', name: e.file, namespace: undefined, body: {}, file: e.file, docIndex: 0, line: e.line, hash: '', locate: () => e.line };
      return { cause: 'unanalysable', mesh: 'none', workload: null, port: null, anchor: { resource: pseudo, path: [] }, side: 'after', before: '', after: '', witness: null, scope: undefined, detail: e.message };
    });
}

/** Render errors of the head, for the review's errors[] list. */
export function renderErrors(rendered: RenderedSides | undefined): ParseError[] {
  return rendered ? rendered.head.errors : [];
}
