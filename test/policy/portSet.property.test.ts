import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PORT, MIN_PORT, PortSet, PROTOCOLS, type L4Protocol } from '../../src/policy/portSet.js';

/**
 * PortSet against a model: an expression tree of the constructors and operations, whose
 * membership is evaluated directly on probe points (every bound, its neighbours, and each
 * name). The shortcuts (shared empty and full sets, identity, names outside every range)
 * must give the same sets as the general interval algebra.
 */
type Expr =
  | { op: 'empty' }
  | { op: 'all' }
  | { op: 'range'; protocol: L4Protocol; lo: number; hi: number }
  | { op: 'protocol'; protocol: L4Protocol }
  | { op: 'named'; protocol: L4Protocol; name: string }
  | { op: 'union' | 'intersect' | 'subtract'; a: Expr; b: Expr };

const protocol = fc.constantFrom(...PROTOCOLS);
const port = fc.oneof(fc.integer({ min: MIN_PORT, max: 40 }), fc.constantFrom(MIN_PORT, MAX_PORT - 1, MAX_PORT), fc.integer({ min: -5, max: MAX_PORT + 5 }));
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Expr>({ op: 'empty' }),
    fc.constant<Expr>({ op: 'all' }),
    fc.record({ op: fc.constant('range' as const), protocol, lo: port, hi: port }),
    fc.record({ op: fc.constant('protocol' as const), protocol }),
    fc.record({ op: fc.constant('named' as const), protocol, name: fc.constantFrom('http', 'grpc') }),
    fc.record({ op: fc.constantFrom('union' as const, 'intersect' as const, 'subtract' as const), a: tie('expr'), b: tie('expr') }),
  ),
}));

function build(e: Expr): PortSet {
  switch (e.op) {
    case 'empty':
      return PortSet.empty();
    case 'all':
      return PortSet.all();
    case 'range':
      return PortSet.range(e.protocol, e.lo, e.hi);
    case 'protocol':
      return PortSet.protocol(e.protocol);
    case 'named':
      return PortSet.named(e.protocol, e.name);
    default:
      return build(e.a)[e.op](build(e.b));
  }
}

type Point = { protocol: L4Protocol; port: number } | { protocol: L4Protocol; name: string };
function member(e: Expr, p: Point): boolean {
  switch (e.op) {
    case 'empty':
      return false;
    case 'all':
      return 'port' in p;
    case 'range':
      return 'port' in p && p.protocol === e.protocol && Math.max(MIN_PORT, e.lo) <= p.port && p.port <= Math.min(MAX_PORT, e.hi);
    case 'protocol':
      return 'port' in p && p.protocol === e.protocol;
    case 'named':
      return 'name' in p && p.protocol === e.protocol && p.name === e.name;
    case 'union':
      return member(e.a, p) || member(e.b, p);
    case 'intersect':
      return member(e.a, p) && member(e.b, p);
    case 'subtract':
      return member(e.a, p) && !member(e.b, p);
  }
}

function probes(e: Expr, into: Point[] = []): Point[] {
  // Ports outside 1..65535 are no ports: only those inside are probed.
  if (e.op === 'range')
    for (const x of [e.lo - 1, e.lo, e.hi, e.hi + 1]) if (x >= MIN_PORT && x <= MAX_PORT) for (const pr of PROTOCOLS) into.push({ protocol: pr, port: x });
  if (e.op === 'named') for (const pr of PROTOCOLS) into.push({ protocol: pr, name: e.name });
  if ('a' in e) {
    probes(e.a, into);
    probes(e.b, into);
  }
  return into;
}
const fixed: Point[] = PROTOCOLS.flatMap((pr) => [MIN_PORT, 2, MAX_PORT - 1, MAX_PORT].map((x) => ({ protocol: pr, port: x })));

const has = (s: PortSet, p: Point): boolean => ('port' in p ? s.has(p.protocol, p.port) : s.names.has(`${p.protocol}/${p.name}`));

describe('PortSet', () => {
  it('holds exactly the ports its expression holds, and its key and emptiness say so', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const s = build(e);
        const points = [...fixed, ...probes(e)];
        for (const p of points) expect(has(s, p), JSON.stringify(p)).toBe(member(e, p));
        expect(s.isEmpty).toBe(PortSet.empty().union(s).key === PortSet.empty().key);
        if (points.every((p) => !member(e, p))) expect(s.isEmpty).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives equal keys to equal sets however they were made', () => {
    fc.assert(
      fc.property(expr, expr, (a, b) => {
        const [x, y] = [build(a), build(b)];
        const equal = x.subtract(y).isEmpty && y.subtract(x).isEmpty;
        expect(x.key === y.key).toBe(equal);
        expect(x.equals(y)).toBe(equal);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps named ports outside every range, the full set included', () => {
    const named = PortSet.named('TCP', 'http');
    expect(named.intersect(PortSet.all()).isEmpty).toBe(true);
    expect(named.subtract(PortSet.all()).key).toBe(named.key);
    expect(PortSet.all().intersect(named.union(PortSet.range('TCP', 80))).key).toBe(PortSet.range('TCP', 80).key);
    expect(PortSet.all().isAll).toBe(true);
    expect(PortSet.all().union(named).isAll).toBe(false);
  });
});
