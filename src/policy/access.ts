import type { FieldPath, Resource } from '../manifests/resource.js';
import { cubeKey, type Cube } from './requestSpace.js';

/** Where a decision came from: a resource and the field inside it. */
export interface Origin {
  resource: Resource;
  path: FieldPath;
}

export type Effect = 'ALLOW' | 'DENY' | 'CUSTOM';

/** One rule of one policy, as a set of requests it matches. */
export interface Clause {
  effect: Effect;
  cube: Cube;
  /** Equal keys mean the same rule semantically, whatever resource holds it. */
  key: string;
  origin: Origin;
}

/**
 * The canonical access decision of a (workload, port, protocol) on one side.
 * Istio's order, which every mesh adapter maps onto: outside `universe` →
 * refused by transport; not `enforced` → everything admitted; DENY match →
 * denied; no ALLOW policy → allowed; an ALLOW clause matches → allowed; and an
 * allowed request that a CUSTOM clause matches is first sent to an external
 * authorizer whose answer is unknown (diffAccess.ts `decide`): CUSTOM only narrows.
 */
export interface AccessPolicy {
  /** Requests the transport admits at all (e.g. STRICT mTLS admits only authenticated peers). */
  universe: Cube;
  universeOrigin: Origin | undefined;
  /** False when no proxy enforces policy (no sidecar, port bypassed). */
  enforced: boolean;
  enforcementOrigin: Origin | undefined;
  /** null = no ALLOW policy applies (allow by default); [] = ALLOW policies with no rules (deny all). */
  allow: Clause[] | null;
  /** The ALLOW policies that apply, even those without rules: removing the last one restores allow-all. */
  allowOrigins: Origin[];
  deny: Clause[];
  custom: Clause[];
}

export function makeClause(effect: Effect, cube: Cube, origin: Origin): Clause {
  return { effect, cube, origin, key: `${effect}|${cubeKey(cube)}` };
}

/** A fingerprint of the decision function: equal fingerprints decide every request alike. */
export function accessFingerprint(p: AccessPolicy): string {
  const keys = (cs: Clause[]) =>
    cs
      .map((c) => c.key)
      .sort()
      .join('&');
  return [
    cubeKey(p.universe),
    p.enforced ? 'E' : 'U',
    p.allow === null ? 'open' : `allow[${keys(p.allow)}]`,
    `deny[${keys(p.deny)}]`,
    `custom[${keys(p.custom)}]`,
  ].join('#');
}
