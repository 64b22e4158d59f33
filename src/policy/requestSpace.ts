import { IpSet } from './ipSet.js';
import { StringSet } from './stringSet.js';

/**
 * The attributes of a request that policies constrain. Each dimension is a
 * set algebra of its own: strings as regular languages, IPs as ranges. The
 * destination port is not a dimension: access is computed per (workload, port).
 */
export type DimSet = StringSet | IpSet;

/** Fixed dimensions; headers and JWT claims add `header:<name>` / `claim:<name>` ones. */
export const DIM = {
  /** Peer identity as the server sees it: "" for a plaintext (or non-mesh) caller. */
  principal: 'principal',
  requestPrincipal: 'requestPrincipal',
  sourceIp: 'sourceIp',
  remoteIp: 'remoteIp',
  destinationIp: 'destinationIp',
  host: 'host',
  method: 'method',
  path: 'path',
  sni: 'sni',
} as const;

const IP_DIMS = new Set<string>([DIM.sourceIp, DIM.remoteIp, DIM.destinationIp]);

export const isIpDim = (dim: string): boolean => IP_DIMS.has(dim);

/**
 * Everything a dimension can hold. Hosts match case-insensitively, so their
 * values are lower case. An HTTP request always has a method and a path, and
 * the path the proxy matches starts with `/`: a rule `paths: ["/*"]` covers
 * every request, and removing it widens nothing.
 */
export function dimUniverse(dim: string): DimSet {
  if (isIpDim(dim)) return IpSet.all();
  if (dim === DIM.host) return StringSet.fromRegex('[^A-Z]*', 'lowercase');
  if (dim === DIM.path) return StringSet.fromRegex('\\/[^]*', 'http-path');
  if (dim === DIM.method) return StringSet.fromRegex('[^]+', 'nonempty');
  return StringSet.all();
}

/** A conjunction of per-dimension constraints; a missing dimension is unconstrained. */
export type Cube = ReadonlyMap<string, DimSet>;

export function cubeKey(cube: Cube): string {
  return [...cube.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dim, set]) => `${dim}=${set.key}`)
    .join(';');
}

export function intersectSets(a: DimSet, b: DimSet): DimSet {
  if (a instanceof StringSet && b instanceof StringSet) return a.intersect(b);
  if (a instanceof IpSet && b instanceof IpSet) return a.intersect(b);
  throw new TypeError('mixed dimension kinds');
}

export function subtractSets(a: DimSet, b: DimSet): DimSet {
  if (a instanceof StringSet && b instanceof StringSet) return a.subtract(b);
  if (a instanceof IpSet && b instanceof IpSet) return a.subtract(b);
  throw new TypeError('mixed dimension kinds');
}

/** AND of two cubes; undefined when the result is empty. */
export function intersectCubes(a: Cube, b: Cube): Cube | undefined {
  const out = new Map(a);
  for (const [dim, set] of b) {
    const prev = out.get(dim);
    const next = prev ? intersectSets(prev, set) : set;
    if (next.isEmpty) return undefined;
    out.set(dim, next);
  }
  return out;
}
