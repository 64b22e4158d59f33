import type { AccessPolicy, Clause } from './access.js';
import type { Cube } from './requestSpace.js';

/** Whether one concrete request (a value per dimension; absent = empty) falls in a cube. */
export function cubeHas(cube: Cube, request: Readonly<Record<string, string>>): boolean {
  for (const [dim, set] of cube) if (!set.has(request[dim] ?? '')) return false;
  return true;
}

/** The policy's verdict on one concrete request, in Istio's evaluation order. */
export function decideRequest(p: AccessPolicy, request: Readonly<Record<string, string>>): boolean {
  if (!cubeHas(p.universe, request)) return false;
  if (!p.enforced) return true;
  const any = (cs: Clause[]) => cs.some((c) => cubeHas(c.cube, request));
  if (any(p.custom) || any(p.deny)) return false;
  return p.allow === null || any(p.allow);
}
