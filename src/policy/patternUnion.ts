import { CharSet, DFA, type FAIterator, type NodeFactory } from 'refa';
import type { Edge, Lazy } from './lazyAutomaton.js';

/**
 * A union of Istio string matchers: exact values, prefixes (`abc*`), suffixes (`*abc`) and
 * presence (`*`). Istio's StringMatcher has no other shapes (pilot/pkg/security/authz/matcher/string.go),
 * so a policy's value list is such a union.
 */
export interface PatternUnion {
  exact: readonly string[];
  prefix: readonly string[];
  suffix: readonly string[];
  /** `*`: any non-empty value. */
  nonEmpty: boolean;
}

/**
 * The union's DFA, built directly rather than by determinising the union of the patterns' NFAs.
 * Subset construction over thousands of `[^]*abc` NFAs keeps every suffix NFA alive in every
 * subset, which costs quadratic time and memory and more (a 300-principal policy took minutes
 * and 1.5 GB). Here a state is a node of the trie of exact values and prefixes together with
 * a node of the Aho-Corasick automaton of the suffixes. While the input still follows the
 * trie, the Aho-Corasick node is a function of the trie node; once it leaves the trie, only
 * the Aho-Corasick node matters. So the DFA has at most |trie| + |Aho-Corasick| + 1 states,
 * linear in the patterns' total length, and each is built once.
 */
export function patternUnionDfa(u: PatternUnion, maxCharacter: number, factory: NodeFactory<DFA.Node>): DFA {
  return DFA.fromTransitionIterator<number>(patternUnionIterator(u, maxCharacter), { maxCharacter }, factory);
}

/**
 * The same automaton, made only as far as a search walks it: questions about a region cut from
 * a long list (is it empty, a short member) then cost what they visit, not the list's size.
 */
export function patternUnionLazy(u: PatternUnion, maxCharacter: number): Lazy {
  const it = patternUnionIterator(u, maxCharacter);
  const outs: (Edge[] | undefined)[] = [];
  return {
    initial: it.initial,
    isFinal: it.isFinal,
    out: (s) => {
      let edges = outs[s];
      if (!edges) {
        edges = [];
        for (const [to, chars] of it.getOut(s)) for (const r of chars.ranges) edges.push({ min: r.min, max: r.max, to });
        edges.sort((a, b) => a.min - b.min);
        outs[s] = edges;
      }
      return edges;
    },
  };
}

function patternUnionIterator(u: PatternUnion, maxCharacter: number): FAIterator<number, ReadonlyMap<number, CharSet>> {
  const all = CharSet.all(maxCharacter);
  const exactEmpty = u.exact.includes('');
  if (u.prefix.includes('') || (u.nonEmpty && exactEmpty)) return { initial: 0, getOut: () => new Map([[0, all]]), isFinal: () => true, stableOut: true };
  if (u.nonEmpty) {
    // Any non-empty value: an accepting sink after the first character; the empty word only when an exact "" says so.
    return { initial: 0, getOut: (s) => new Map(s === 0 || s === 1 ? [[1, all]] : []), isFinal: (s) => s === 1 || (s === 0 && exactEmpty), stableOut: true };
  }
  const trie = new Trie();
  for (const v of u.exact) trie.add(v).exact = true;
  for (const v of u.prefix) trie.add(v).prefixEnd = true;
  const ac = new AhoCorasick(u.suffix);

  // A product state is (trie node or OFF, Aho-Corasick node), numbered as it is first reached.
  const OFF = -1;
  const ALL = 0;
  const ids = new Map<string, number>();
  const states: { t: number; q: number }[] = [{ t: OFF, q: OFF }]; // 0: after a complete prefix, everything is accepted
  const idOf = (t: number, q: number): number => {
    if (t !== OFF && trie.nodes[t]!.prefixEnd) return ALL;
    const key = `${t},${q}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = states.length;
      states.push({ t, q });
      ids.set(key, id);
    }
    return id;
  };
  // Most states share a handful of character sets (one next character, its complement): made once each.
  const charSets = new Map<string, CharSet>();
  const charSet = (list: number[], negate = false): CharSet => {
    list.sort((a, b) => a - b);
    const key = `${negate ? '!' : ''}${list.join(',')}`;
    let set = charSets.get(key);
    if (!set) {
      set = CharSet.fromCharacters(maxCharacter, list);
      if (negate) set = set.negate();
      charSets.set(key, set);
    }
    return set;
  };
  const initial = idOf(0, 0);
  return {
    initial,
    stableOut: true,
    isFinal: (s) => {
      if (s === ALL) return true;
      const { t, q } = states[s]!;
      return (t !== OFF && trie.nodes[t]!.exact) || ac.accepts(q);
    },
    getOut: (s) => {
      if (s === ALL) return new Map([[ALL, all]]);
      const { t, q } = states[s]!;
      const chars = new Set<number>(ac.explicitChars(q));
      if (t !== OFF) for (const c of trie.nodes[t]!.children.keys()) chars.add(c);
      const byTarget = new Map<number, number[]>();
      for (const c of chars) {
        const target = idOf(t === OFF ? OFF : (trie.nodes[t]!.children.get(c) ?? OFF), ac.step(q, c));
        let list = byTarget.get(target);
        if (!list) byTarget.set(target, (list = []));
        list.push(c);
      }
      const out = new Map<number, CharSet>();
      for (const [target, list] of byTarget) out.set(target, charSet(list));
      // Any other character leaves the trie and restarts the suffix search.
      const rest = charSet([...chars], true);
      if (!rest.isEmpty) {
        const target = idOf(OFF, 0);
        out.set(target, out.has(target) ? out.get(target)!.union(rest) : rest);
      }
      return out;
    },
  };
}

interface TrieNode {
  children: Map<number, number>;
  exact: boolean;
  prefixEnd: boolean;
}

class Trie {
  readonly nodes: TrieNode[] = [{ children: new Map(), exact: false, prefixEnd: false }];

  add(value: string): TrieNode {
    let n = 0;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      let next = this.nodes[n]!.children.get(c);
      if (next === undefined) {
        next = this.nodes.length;
        this.nodes.push({ children: new Map(), exact: false, prefixEnd: false });
        this.nodes[n]!.children.set(c, next);
      }
      n = next;
    }
    return this.nodes[n]!;
  }
}

/** Aho-Corasick over the suffixes: node q accepts when a suffix ends exactly at the input's end. */
class AhoCorasick {
  private readonly goto: Map<number, number>[] = [new Map<number, number>()];
  private readonly fail: number[] = [0];
  private readonly final: boolean[] = [false];
  private readonly explicit = new Map<number, readonly number[]>();
  private readonly steps = new Map<string, number>();

  constructor(suffixes: readonly string[]) {
    for (const s of suffixes) {
      let n = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        let next = this.goto[n]!.get(c);
        if (next === undefined) {
          next = this.goto.length;
          this.goto.push(new Map<number, number>());
          this.fail.push(0);
          this.final.push(false);
          this.goto[n]!.set(c, next);
        }
        n = next;
      }
      this.final[n] = true;
    }
    // Breadth-first failure links; a node also accepts when a node on its failure chain does.
    const queue: number[] = [...this.goto[0]!.values()];
    for (let i = 0; i < queue.length; i++) {
      const n = queue[i]!;
      for (const [c, child] of this.goto[n]!) {
        let f = this.fail[n]!;
        while (f !== 0 && !this.goto[f]!.has(c)) f = this.fail[f]!;
        const target = this.goto[f]!.get(c);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        if (this.final[this.fail[child]]) this.final[child] = true;
        queue.push(child);
      }
    }
  }

  accepts(q: number): boolean {
    return q >= 0 && this.final[q]!;
  }

  /** The characters that lead anywhere but the root from q: the goto keys along its failure chain. */
  explicitChars(q: number): readonly number[] {
    const hit = this.explicit.get(q);
    if (hit) return hit;
    const chars = new Set<number>(this.goto[q]!.keys());
    if (q !== 0) for (const c of this.explicitChars(this.fail[q]!)) chars.add(c);
    const list = [...chars];
    this.explicit.set(q, list);
    return list;
  }

  step(q: number, c: number): number {
    const key = `${q},${c}`;
    const hit = this.steps.get(key);
    if (hit !== undefined) return hit;
    let n = q;
    let next = this.goto[n]!.get(c);
    while (next === undefined && n !== 0) {
      n = this.fail[n]!;
      next = this.goto[n]!.get(c);
    }
    const to = next ?? 0;
    this.steps.set(key, to);
    return to;
  }
}
