import type { MeshIdentities, NamespacesIn } from '../../policy/layers.js';
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
  namespacesIn,
};

/**
 * Which namespaces `set` holds an identity of, from one walk of its automaton: the states after
 * `<trust domain>/ns/` are found once; a namespace is then a few steps from them and a test that
 * `/` leads somewhere accepting (`has`, exactly `!set.intersect(ofNamespace(ns)).isEmpty`, without
 * a product automaton per namespace); `list` spells them all out, or says there are many.
 */
function namespacesIn(set: StringSet): NamespacesIn {
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
  const ends = (states: ReadonlySet<number>): boolean => [...step(a, states, SLASH)].some(isLive);
  return {
    has: (namespace) => {
      if (namespace.includes('/')) return false;
      let states = start;
      for (let i = 0; i < namespace.length && states.size > 0; i++) states = step(a, states, namespace.charCodeAt(i));
      return ends(states);
    },
    // Spelled out one character at a time: a wide range of characters, or a name longer than
    // Kubernetes allows, stands for more names than any list (a namespace prefix, any identity).
    list: () => {
      const out = new Set<string>();
      const spell = (states: ReadonlySet<number>, prefix: string): boolean => {
        if (ends(states)) out.add(prefix);
        if (out.size > MAX_NAMED) return false;
        const next = new Map<number, Set<number>>();
        for (const s of states)
          for (const e of a.out(s)) {
            if (e.min === SLASH && e.max === SLASH) continue;
            if (e.max - e.min >= MAX_RANGE) return false;
            for (let c = e.min; c <= e.max; c++) {
              if (c === SLASH) continue;
              let to = next.get(c);
              if (!to) next.set(c, (to = new Set()));
              to.add(e.to);
            }
          }
        if (next.size > 0 && prefix.length >= MAX_NAMESPACE_LENGTH) return false;
        for (const [c, to] of next) if (!spell(to, prefix + String.fromCharCode(c))) return false;
        return true;
      };
      return spell(start, '') ? out : 'many';
    },
  };
}

/** Kubernetes namespace names are DNS labels. */
const MAX_NAMESPACE_LENGTH = 63;
/** Widest range of characters spelled out one by one (minimal automata merge `a` and `b` into one edge). */
const MAX_RANGE = 16;
/** Most namespaces spelled out of one set; more read as "many". */
const MAX_NAMED = 1000;

function step(a: Lazy, states: ReadonlySet<number>, char: number): Set<number> {
  const out = new Set<number>();
  for (const s of states) for (const e of a.out(s)) if (e.min <= char && char <= e.max) out.add(e.to);
  return out;
}
