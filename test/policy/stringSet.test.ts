import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringSet } from '../../src/policy/stringSet.js';

describe('StringSet.istioPattern (Istio value matching)', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['abc*', 'abcd', true],
    ['abc*', 'abc', true],
    ['abc*', 'xabc', false],
    ['*abc', 'xabc', true],
    ['*abc', 'abcx', false],
    ['*', 'x', true],
    ['*', '', false], // "*" means present and non-empty
    ['a*b', 'a*b', true], // an inner * is a literal
    ['a*b', 'axb', false],
    ['/api/v1.0', '/api/v1x0', false], // regex metacharacters are literal
  ])('%s matches %j: %s', (pattern, value, expected) => {
    expect(StringSet.istioPattern(pattern).has(value)).toBe(expected);
  });

  it('computes prefix minus suffix exactly, with a member as witness', () => {
    const diff = StringSet.istioPattern('cluster.local/ns/foo/*').subtract(StringSet.istioPattern('*/sa/bar'));
    const w = diff.sample()!;
    expect(w.startsWith('cluster.local/ns/foo/')).toBe(true);
    expect(w.endsWith('/sa/bar')).toBe(false);
  });

  it('prefers a candidate that belongs to the set', () => {
    expect(StringSet.istioPattern('/api/*').sample(['/admin', '/api/users'])).toBe('/api/users');
  });

  it('an empty difference has no witness', () => {
    const d = StringSet.istioPattern('/api/v1/*').subtract(StringSet.istioPattern('/api/*'));
    expect(d.isEmpty).toBe(true);
    expect(d.sample()).toBeUndefined();
  });

  const pattern = fc
    .tuple(fc.constantFrom('', '*'), fc.stringMatching(/^[a-c/]{0,4}$/), fc.constantFrom('', '*'))
    .map(([a, s, b]) => (a && b ? `*${s}` : `${a}${s}${b}`));

  it('agrees with direct matching on random patterns and values (property)', () => {
    const direct = (p: string, v: string) =>
      p === '*' ? v.length > 0 : p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : p.startsWith('*') ? v.endsWith(p.slice(1)) : v === p;
    fc.assert(
      fc.property(pattern, pattern, fc.stringMatching(/^[a-c/]{0,5}$/), (p, q, v) => {
        const a = StringSet.istioPattern(p);
        const b = StringSet.istioPattern(q);
        expect(a.has(v)).toBe(direct(p, v));
        expect(a.intersect(b).has(v)).toBe(direct(p, v) && direct(q, v));
        expect(a.subtract(b).has(v)).toBe(direct(p, v) && !direct(q, v));
        expect(a.union(b).has(v)).toBe(direct(p, v) || direct(q, v));
      }),
      { numRuns: 200 },
    );
  });
});

describe('StringSet.unionAll', () => {
  const pattern = fc.oneof(fc.stringMatching(/^[a-c/]{0,4}$/), fc.stringMatching(/^[a-c/]{0,3}\*$/), fc.stringMatching(/^\*[a-c/]{0,3}$/), fc.constant('*'));

  it('is the union of its parts, however many (the same set as folding union)', () => {
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 12 }), fc.array(fc.stringMatching(/^[a-c/]{0,5}$/), { maxLength: 20 }), (patterns, probes) => {
        const sets = patterns.map((p) => StringSet.istioPattern(p));
        const all = StringSet.unionAll(sets);
        const folded = sets.reduce((acc, s) => acc.union(s), StringSet.empty());
        expect(all.subtract(folded).isEmpty && folded.subtract(all).isEmpty).toBe(true);
        for (const probe of probes) expect(all.has(probe)).toBe(sets.some((s) => s.has(probe)));
      }),
    );
  });

  it('joins results of operations too (no expression to join)', () => {
    const a = StringSet.istioPattern('a*').subtract(StringSet.literal('ab'));
    const all = StringSet.unionAll([a, StringSet.literal('ab'), StringSet.literal('x'), StringSet.istioPattern('*z')]);
    for (const [probe, want] of [
      ['ab', true],
      ['a', true],
      ['x', true],
      ['yz', true],
      ['y', false],
    ] as const)
      expect(all.has(probe)).toBe(want);
  });

  it('takes thousands of principals in one set (folding union was quadratic and stalled the review)', () => {
    const principals = Array.from({ length: 1000 }, (_, i) => StringSet.istioPattern(`cluster.local/ns/ns${i}/sa/sa${i}`));
    const all = StringSet.unionAll(principals);
    expect(all.has('cluster.local/ns/ns999/sa/sa999')).toBe(true);
    expect(all.has('cluster.local/ns/ns999/sa/sa998')).toBe(false);
  });
});
