import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeRegex, setLazyThreshold, StringSet } from '../../src/policy/stringSet.js';

/**
 * Long matcher lists are answered lazily (formulas walked as product automata, simplified from the
 * lists); everything else by minimal DFAs. Lowering the threshold to 3 sends every list of this test
 * down the lazy path, and each answer is compared with the same expression over plain regular
 * expressions, which always take the DFA path.
 */
beforeAll(() => setLazyThreshold(3));
afterAll(() => setLazyThreshold(64));

const asRegex = (p: string): string =>
  p === '*' ? '[^]+' : p.endsWith('*') ? `${escapeRegex(p.slice(0, -1))}[^]*` : p.startsWith('*') ? `[^]*${escapeRegex(p.slice(1))}` : escapeRegex(p);

// A small alphabet makes the lists overlap and contain each other often, which is where simplification can go wrong.
const value = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 4 });
const pattern = fc.oneof(
  value,
  value.map((v) => `${v}*`),
  value.map((v) => `*${v}`),
  fc.constant('*'),
);
const regex = fc.constantFrom('(?:[^/]+\\/[^/]+)?', '[^/]*', 'a[^]*b', '[^]+', '(?:ab)*');

type Leaf = { list: string[] } | { re: string };
type Expr = Leaf | { op: '&' | '-' | '|'; a: Expr; b: Expr };

const shared = fc.array(pattern, { minLength: 3, maxLength: 6 });
const leaf = (common: string[]): fc.Arbitrary<Leaf> =>
  fc.oneof(
    fc.array(pattern, { maxLength: 3 }).map((extra) => ({ list: [...common, ...extra] })),
    fc.subarray(common, { minLength: 3 }).map((list) => ({ list })),
    fc.array(pattern, { minLength: 3, maxLength: 6 }).map((list) => ({ list })),
    regex.map((re) => ({ re })),
  );
const expr = (common: string[]): fc.Arbitrary<Expr> =>
  fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf(common),
      fc.record({ op: fc.constantFrom('&', '-', '&', '-', '|'), a: tie('e'), b: tie('e') }) as fc.Arbitrary<Expr>,
    ),
  })).e;

function evaluate(e: Expr, lazy: boolean): StringSet {
  if ('list' in e) {
    if (!lazy) return StringSet.fromRegex(`(?:${e.list.map(asRegex).join('|')})`, `eager:${JSON.stringify(e.list)}`);
    return StringSet.unionAll(e.list.map(StringSet.istioPattern));
  }
  if ('re' in e) return StringSet.fromRegex(e.re);
  const [a, b] = [evaluate(e.a, lazy), evaluate(e.b, lazy)];
  return e.op === '&' ? a.intersect(b) : e.op === '-' ? a.subtract(b) : a.union(b);
}

describe('large value sets answered lazily', () => {
  it('agree with minimal DFAs on emptiness, membership and the length of a shortest member', () => {
    fc.assert(
      fc.property(
        shared.chain((common) => expr(common)),
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 6 }), { maxLength: 12 }),
        (e, probes) => {
          const lazy = evaluate(e, true);
          const eager = evaluate(e, false);
          expect(lazy.isEmpty).toBe(eager.isEmpty);
          for (const p of probes) expect(lazy.has(p)).toBe(eager.has(p));
          const sample = lazy.sample();
          if (eager.isEmpty) expect(sample).toBeUndefined();
          else {
            expect(eager.has(sample!)).toBe(true);
            expect(sample!.length).toBe(eager.sample()!.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a region a PR adds to a long list is decided from the new matchers', () => {
    const old = StringSet.unionAll(['cluster.local/ns/a/sa/x', 'cluster.local/ns/b/*', '*/sa/admin'].map(StringSet.istioPattern));
    const grown = StringSet.unionAll(['cluster.local/ns/a/sa/x', 'cluster.local/ns/b/*', '*/sa/admin', 'cluster.local/ns/evil/*'].map(StringSet.istioPattern));
    const peers = StringSet.fromRegex('(?:[^/]+\\/ns\\/[^/]+\\/sa\\/[^/]+)?');
    const added = peers.intersect(grown).subtract(old);
    expect(added.isEmpty).toBe(false);
    expect(added.sample()).toBe('cluster.local/ns/evil/sa/a');
    expect(peers.intersect(old).subtract(grown).isEmpty).toBe(true);
  });
});
