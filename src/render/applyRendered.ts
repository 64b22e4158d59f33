import type { ParseError, Resource } from '../manifests/resource.js';
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
export function withRendered(
  rendered: RenderedSides | undefined,
  base: (owned: ReadonlySet<string>) => Loaded,
  head: (owned: ReadonlySet<string>) => Loaded,
): [Loaded, Loaded] {
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

/** Render errors of the head, for the review's errors[] list. */
export function renderErrors(rendered: RenderedSides | undefined): ParseError[] {
  return rendered ? rendered.head.errors : [];
}
