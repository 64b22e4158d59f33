import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ISTIO_IDENTITIES } from '../../../src/meshes/istio/identities.js';
import { setLazyThreshold, StringSet } from '../../../src/policy/stringSet.js';

/**
 * The network layer asks, for every source namespace, whether a mesh decision's identities name it.
 * `namespacesIn(set).has` answers from one walk of the set's automaton and `meets` from a walk of the
 * product; both must say exactly what `!set.intersect(ofNamespace(ns)).isEmpty` says.
 */
afterAll(() => setLazyThreshold(64));

// Namespaces that are prefixes of each other and trust domains with and without dots: where a walk can go wrong.
const namespaces = ['a', 'ab', 'b', 'ns', 'a.b'];
const segment = fc.constantFrom('a', 'ab', 'b', 'ns', 'a.b', 'x', '');
const principal = fc
  .tuple(fc.constantFrom('cluster.local', 'td', '', 'spiffe://x'), segment, fc.constantFrom('sa', 'ns'), segment)
  .map(([td, ns, kw, sa]) => `${td}/ns/${ns}/${kw}/${sa}`);
const pattern = fc.oneof(
  principal,
  principal.map((p) => `${p.slice(0, Math.max(0, p.length - 3))}*`),
  principal.map((p) => `*${p.slice(Math.min(p.length, 6))}`),
  fc.constantFrom('*', 'cluster.local/ns/a*', '*/ns/ab/sa/x', '*/sa/a', '', 'a/ns/'),
);
const list = fc.array(pattern, { minLength: 1, maxLength: 6 }).map((ps) => StringSet.unionAll(ps.map((p) => StringSet.istioPattern(p))));
const set = fc.oneof(
  list,
  fc.tuple(list, list).map(([x, y]) => x.subtract(y)),
  fc.tuple(list, list).map(([x, y]) => x.intersect(y)),
  list.map((x) => x.union(StringSet.literal(''))),
);

describe('Istio identities: which namespaces a set of identities names', () => {
  for (const lazy of [false, true]) {
    it(`namespacesIn(set).has and meets agree with the intersection (${lazy ? 'lazy lists and formulas' : 'minimal DFAs'})`, () => {
      setLazyThreshold(lazy ? 2 : 64);
      fc.assert(
        fc.property(set, (s) => {
          const names = ISTIO_IDENTITIES.namespacesIn(s);
          for (const ns of namespaces) {
            const exact = !s.intersect(ISTIO_IDENTITIES.ofNamespace(ns)).isEmpty;
            expect(names.has(ns), `${s.key} names ${ns}`).toBe(exact);
            expect(s.meets(ISTIO_IDENTITIES.ofNamespace(ns)), `${s.key} meets ${ns}`).toBe(exact);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  for (const lazy of [false, true]) {
    it(`namespacesIn(set).list lists exactly the namespaces named, and a pod of any namespace but some passes as the exact set says (${lazy ? 'lazy' : 'DFAs'})`, () => {
      setLazyThreshold(lazy ? 2 : 64);
      const except = fc.subarray(namespaces);
      fc.assert(
        fc.property(set, except, (s, but) => {
          const names = ISTIO_IDENTITIES.namespacesIn(s);
          const named = names.list();
          if (named !== 'many') {
            for (const ns of named) expect(names.has(ns), `${s.key} lists ${ns}`).toBe(true);
            for (const ns of namespaces) expect(named.has(ns), `${s.key} lists ${ns}?`).toBe(names.has(ns));
          }
          // As layers.ts asks it: an identity of no namespace in `but`.
          const others = StringSet.all().subtract(StringSet.unionAll(but.map((ns) => ISTIO_IDENTITIES.ofNamespace(ns))));
          const exact = s.meets(others);
          const fast =
            names.has('mesh-review-probe') ||
            named === 'many' ||
            [...named].some((ns) => !but.includes(ns)) ||
            s.meets(StringSet.all().subtract(ISTIO_IDENTITIES.namespaced));
          // Never says fewer pass than do; with minimal automata, exactly as many.
          if (exact) expect(fast, s.key).toBe(true);
          if (!lazy) expect(fast, s.key).toBe(exact);
        }),
        { numRuns: 150 },
      );
    });
  }

  it.each([
    ['a principal names its namespace only', ['cluster.local/ns/web/sa/frontend'], ['web'], ['we', 'web2', 'batch']],
    ['any identity names every namespace', ['*'], ['web', 'batch', 'x.y'], []],
    ['a namespace prefix', ['cluster.local/ns/team-*'], ['team-a', 'team-'], ['team', 'web']],
    ['a suffix names every namespace that can end before it', ['*/sa/default'], ['web', 'batch'], []],
    ['plaintext names none', [''], [], ['web', '']],
    ['a namespace name never holds a slash', ['cluster.local/ns/a/b/sa/x'], ['a'], ['a/b']],
  ])('%s', (_why, patterns, named, notNamed) => {
    const names = ISTIO_IDENTITIES.namespacesIn(StringSet.unionAll(patterns.map((p) => StringSet.istioPattern(p))));
    for (const ns of named) expect(names.has(ns), ns).toBe(true);
    for (const ns of notNamed) expect(names.has(ns), ns).toBe(false);
  });
});
