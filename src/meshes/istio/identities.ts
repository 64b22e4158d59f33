import type { MeshIdentities } from '../../policy/layers.js';
import { someAccepted, type Lazy } from '../../policy/lazyAutomaton.js';
import { DIM } from '../../policy/requestSpace.js';
import { escapeRegex, StringSet } from '../../policy/stringSet.js';

const SLASH = '/'.charCodeAt(0);
const NS = [...'/ns/'].map((c) => c.charCodeAt(0));

/**
 * Istio identities are `<trust domain>/ns/<namespace>/sa/<service account>`: a pod of a namespace
 * can only carry one naming it (any trust domain: a superset is safe, it holds less back). Anchored
 * at the trust domain (which holds no `/`), so that sets of many namespaces stay a trie, not a
 * product of "contains" automata.
 */
export const ISTIO_IDENTITIES: MeshIdentities = {
  dim: DIM.principal,
  ofNamespace: (ns) => StringSet.fromRegex(`[^/]*\\/ns\\/${escapeRegex(ns)}\\/[^]*`, `layer-ns:${ns}`),
  namespaced: StringSet.fromRegex('[^/]*\\/ns\\/[^/]*\\/[^]*', 'layer-ns:*'),
  plaintext: '',
  namesNamespace: namespaceTest,
};

/**
 * Whether `set` holds an identity of a namespace, for any namespace, from one walk of its
 * automaton: the states after `<trust domain>/ns/` are found once; a namespace is then a few
 * steps from them and a test that `/` leads somewhere accepting. Exactly
 * `!set.intersect(ofNamespace(ns)).isEmpty`, without a product automaton per namespace.
 */
function namespaceTest(set: StringSet): (namespace: string) => boolean {
  const a = set.walk();
  // Any trust domain: every state a word without `/` reaches from the start.
  const domain = new Set([a.initial]);
  for (const queue = [a.initial]; queue.length > 0;) {
    for (const e of a.out(queue.pop()!)) {
      if ((e.min === SLASH && e.max === SLASH) || domain.has(e.to)) continue;
      domain.add(e.to);
      queue.push(e.to);
    }
  }
  let start: ReadonlySet<number> = domain;
  for (const c of NS) start = step(a, start, c);
  const live = new Map<number, boolean>();
  const isLive = (s: number): boolean => {
    let got = live.get(s);
    if (got === undefined) live.set(s, (got = someAccepted({ ...a, initial: s }) !== undefined));
    return got;
  };
  return (namespace) => {
    if (namespace.includes('/')) return false;
    let states = start;
    for (let i = 0; i < namespace.length && states.size > 0; i++) states = step(a, states, namespace.charCodeAt(i));
    return [...step(a, states, SLASH)].some(isLive);
  };
}

function step(a: Lazy, states: ReadonlySet<number>, char: number): Set<number> {
  const out = new Set<number>();
  for (const s of states) for (const e of a.out(s)) if (e.min <= char && char <= e.max) out.add(e.to);
  return out;
}
