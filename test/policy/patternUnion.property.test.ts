import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeRegex, StringSet } from '../../src/policy/stringSet.js';

/** The same union as one regular expression, determinised the general way (refa's NFA → DFA). */
function viaRegex(patterns: string[]): StringSet {
  const parts = patterns.map((p) => {
    if (p === '*') return '[^]+';
    if (p.endsWith('*')) return `${escapeRegex(p.slice(0, -1))}[^]*`;
    if (p.startsWith('*')) return `[^]*${escapeRegex(p.slice(1))}`;
    return escapeRegex(p);
  });
  return StringSet.fromRegex(parts.length ? `(?:${parts.join('|')})` : '[]', `test-re:${JSON.stringify(patterns)}`);
}

// A small alphabet makes prefixes, suffixes and exact values overlap often, which is where a direct construction can go wrong.
const value = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.'), maxLength: 5 });
const pattern = fc.oneof(
  value,
  value.map((v) => `${v}*`),
  value.map((v) => `*${v}`),
  fc.constant('*'),
);

describe('a union of Istio matchers (exact, prefix, suffix, presence), built directly', () => {
  it('is the same language as the general construction', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 3, maxLength: 12 }), fc.array(value, { maxLength: 20 }), (patterns, probes) => {
        const fast = StringSet.unionAll(patterns.map(StringSet.istioPattern));
        const slow = viaRegex(patterns);
        expect(fast.subtract(slow).isEmpty).toBe(true);
        expect(slow.subtract(fast).isEmpty).toBe(true);
        for (const p of probes) expect(fast.has(p)).toBe(slow.has(p));
      }),
      { numRuns: 400 },
    );
  });

  it('a union that holds every matcher of another: intersection and difference decided from the lists agree with the automata', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 3, maxLength: 8 }), fc.array(pattern, { minLength: 1, maxLength: 3 }), (common, extra) => {
        const small = StringSet.unionAll(common.map(StringSet.istioPattern));
        const large = StringSet.unionAll([...common, ...extra].map(StringSet.istioPattern));
        const [smallRe, largeRe] = [viaRegex(common), viaRegex([...common, ...extra])];
        const same = (a: StringSet, b: StringSet) => a.subtract(b).isEmpty && b.subtract(a).isEmpty;
        expect(same(large.intersect(small), smallRe.intersect(largeRe))).toBe(true);
        expect(same(small.intersect(large), smallRe)).toBe(true);
        expect(small.subtract(large).isEmpty).toBe(true);
        expect(same(large.subtract(small), largeRe.subtract(smallRe))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps exact values exact and a suffix anchored at the end', () => {
    const set = StringSet.unionAll(['cluster.local/ns/a/sa/x', 'cluster.local/ns/b/*', '*/sa/admin'].map(StringSet.istioPattern));
    expect(set.has('cluster.local/ns/a/sa/x')).toBe(true);
    expect(set.has('cluster.local/ns/a/sa/xy')).toBe(false);
    expect(set.has('cluster.local/ns/b/sa/anything')).toBe(true);
    expect(set.has('other.domain/ns/c/sa/admin')).toBe(true);
    expect(set.has('other.domain/ns/c/sa/admin2')).toBe(false);
    expect(set.has('')).toBe(false);
  });

  it('a thousand mixed principals stay a small automaton (linear in their length)', () => {
    const ps = Array.from(
      { length: 1000 },
      (_, i) => [`cluster.local/ns/n${i % 37}/sa/s${i}`, `cluster.local/ns/n${i % 37}/sa/s${i}*`, `*/ns/n${i % 37}/sa/s${i}`][i % 3]!,
    );
    const set = StringSet.unionAll(ps.map(StringSet.istioPattern));
    const length = ps.reduce((n, p) => n + p.length, 0);
    expect([...set.dfa.nodes()].length).toBeLessThan(2 * length);
    expect(set.has('x.y/ns/n5/sa/s5')).toBe(true);
    expect(set.has('x.y/ns/n5/sa/s6')).toBe(false);
  });
});
