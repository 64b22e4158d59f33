import type { AccessPolicy, Clause } from './access.js';
import type { Cube } from './requestSpace.js';

/** Whether one concrete request (a value per dimension; absent = empty) falls in a cube. */
export function cubeHas(cube: Cube, request: Readonly<Record<string, string>>): boolean {
  for (const [dim, set] of cube) if (!set.has(request[dim] ?? '')) return false;
  return true;
}

/**
 * The policy's verdict on one concrete request, in Istio's evaluation order (CUSTOM, DENY, ALLOW):
 * `checked` when DENY and ALLOW let it through but a CUSTOM rule sends it to an external
 * authorizer first, whose answer the repository cannot show.
 */
export function requestVerdict(p: AccessPolicy, request: Readonly<Record<string, string>>): 'denied' | 'checked' | 'allowed' {
  if (!cubeHas(p.universe, request)) return 'denied';
  if (!p.enforced) return 'allowed';
  const any = (cs: Clause[]) => cs.some((c) => cubeHas(c.cube, request));
  if (any(p.deny) || (p.allow !== null && !any(p.allow))) return 'denied';
  return any(p.custom) ? 'checked' : 'allowed';
}

/** Whether the request is certainly allowed (no external authorizer left to refuse it). */
export function decideRequest(p: AccessPolicy, request: Readonly<Record<string, string>>): boolean {
  return requestVerdict(p, request) === 'allowed';
}
