import { TooManyNodesError, type DFA } from 'refa';

/**
 * A deterministic automaton whose states are made as a search reaches them. Used for Boolean
 * combinations of large value sets (a policy with 20,000 principals, the regions the diff cuts
 * from it): a question such as "is A ∩ B − C empty?" or "what is a short member?" is answered
 * by walking the product from its start, so the work follows what the question visits instead
 * of building and minimising the whole product first.
 *
 * States are small non-negative integers. `out` lists the live transitions as disjoint ranges of
 * character codes, sorted by `min`; a character no range covers leads to the dead state.
 */
export interface Lazy {
  readonly initial: number;
  isFinal(state: number): boolean;
  out(state: number): readonly Edge[];
}

export interface Edge {
  min: number;
  max: number;
  to: number;
}

/** The dead state of a component in a product: it accepts nothing, whatever follows. */
const DEAD = -1;

/**
 * Product states one review may create, over all its searches (config `limits.maxMatcherStates`).
 * Each search makes its own product and drops it, so memory is bounded by what one search visits;
 * the shared budget bounds the time. Past it, refa's TooManyNodesError: the workload's answer is
 * reported as not computable (a finding that fails the gate), never a crash or a hang.
 */
const budget = { left: 2_000_000, limit: 2_000_000 };

export function resetLazyBudget(limit: number): void {
  budget.left = limit;
  budget.limit = limit;
}

function spend(): void {
  if (--budget.left < 0) {
    throw new TooManyNodesError(
      `the value sets of this review need more than ${budget.limit} automaton states (limits.maxMatcherStates); long lists of principals, paths or hosts combined with each other cost the most`,
    );
  }
}

/** A refa DFA as a lazy automaton (its nodes numbered as they are reached). */
export function lazyOfDfa(dfa: DFA): Lazy {
  type Node = DFA['initial'];
  const nodes: Node[] = [dfa.initial];
  const ids = new Map<Node, number>([[dfa.initial, 0]]);
  const outs: (Edge[] | undefined)[] = [];
  const idOf = (n: Node): number => {
    let id = ids.get(n);
    if (id === undefined) {
      id = nodes.length;
      nodes.push(n);
      ids.set(n, id);
    }
    return id;
  };
  return {
    initial: 0,
    isFinal: (s) => dfa.finals.has(nodes[s]!),
    out: (s) => {
      let edges = outs[s];
      if (!edges) {
        edges = [...nodes[s]!.out.entries()].map(([range, to]) => ({ min: range.min, max: range.max, to: idOf(to) }));
        edges.sort((a, b) => a.min - b.min);
        outs[s] = edges;
      }
      return edges;
    },
  };
}

/**
 * The automaton of `pos[0] ∩ pos[1] ∩ … − neg[0] − neg[1] − …` over characters 0..maxCharacter,
 * made lazily. Without a positive component it starts from every string. Its states count
 * against the review's budget; it keeps no transitions, since one search expands a state once.
 */
export function lazyProduct(pos: readonly Lazy[], neg: readonly Lazy[], maxCharacter: number): Lazy {
  const parts = [...pos, ...neg];
  const np = pos.length;
  const tuples: number[][] = [];
  const ids = new Map<string, number>();
  const idOf = (tuple: number[]): number => {
    const key = tuple.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      spend();
      id = tuples.length;
      tuples.push(tuple);
      ids.set(key, id);
    }
    return id;
  };
  const initial = idOf(parts.map((p) => p.initial));
  return {
    initial,
    isFinal: (s) => {
      const t = tuples[s]!;
      for (let i = 0; i < parts.length; i++) {
        const final = t[i] !== DEAD && parts[i]!.isFinal(t[i]!);
        if (i < np ? !final : final) return false;
      }
      return true;
    },
    out: (s) => productOut(tuples[s]!),
  };

  /** Cuts the character range at every boundary of a component's ranges; each piece leads to one tuple. */
  function productOut(t: number[]): Edge[] {
    const lists = t.map((q, i) => (q === DEAD ? [] : parts[i]!.out(q)));
    const cuts = new Set<number>();
    if (np === 0) {
      cuts.add(0);
      cuts.add(maxCharacter + 1);
    }
    for (const list of lists)
      for (const e of list) {
        cuts.add(e.min);
        cuts.add(e.max + 1);
      }
    const points = [...cuts].sort((a, b) => a - b);
    const cursor = lists.map(() => 0);
    const edges: Edge[] = [];
    for (let k = 0; k + 1 < points.length; k++) {
      const lo = points[k]!;
      const hi = points[k + 1]! - 1;
      if (np === 0 && hi > maxCharacter) break;
      const next: number[] = [];
      let live = true;
      for (let i = 0; i < lists.length; i++) {
        const list = lists[i]!;
        while (cursor[i]! < list.length && list[cursor[i]!]!.max < lo) cursor[i]!++;
        const e = list[cursor[i]!];
        const to = e && e.min <= lo ? e.to : DEAD;
        if (to === DEAD && i < np) {
          live = false;
          break;
        }
        next.push(to);
      }
      if (!live) continue;
      const to = idOf(next);
      const last = edges[edges.length - 1];
      if (last && last.to === to && last.max + 1 === lo) last.max = hi;
      else edges.push({ min: lo, max: hi, to });
    }
    return edges;
  }
}

/**
 * An accepted string, or undefined when there is none: a depth-first search that stops at the
 * first final state. Narrow ranges (the characters a value list names) are tried before wide ones
 * (everything else): members of sets cut from matcher lists are spelled by their matchers, and the
 * wide ranges lead into the suffix automaton's states, the largest part of the product.
 */
export function someAccepted(a: Lazy): string | undefined {
  const via = new Map<number, { from: number; char: number }>();
  const stack = [a.initial];
  const seen = new Set<number>(stack);
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (a.isFinal(s)) {
      const chars: number[] = [];
      for (let n = s; n !== a.initial; n = via.get(n)!.from) chars.push(via.get(n)!.char);
      return String.fromCharCode(...chars.reverse());
    }
    const edges = [...a.out(s)].sort((x, y) => y.max - y.min - (x.max - x.min));
    for (const e of edges) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      via.set(e.to, { from: s, char: readableIn(e) });
      stack.push(e.to);
    }
  }
  return undefined;
}

const readableIn = (e: Edge): number => {
  for (let i = 0; i < PREFERRED.length; i++) {
    const c = PREFERRED.charCodeAt(i);
    if (c >= e.min && c <= e.max) return c;
  }
  return e.min;
};

/** Whether the automaton accepts `value`. */
export function accepts(a: Lazy, value: string): boolean {
  let s = a.initial;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const e = a.out(s).find((x) => x.min <= c && c <= x.max);
    if (!e) return false;
    s = e.to;
  }
  return a.isFinal(s);
}

const READABLE = 'abcdefghijklmnopqrstuvwxyz0123456789-./_ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Printable ASCII outside READABLE, tried next (a path witness like `/admin/*` beats `/admin/\u0000`). */
const PRINTABLE = '~:@=!$&\'()+,;%*|^[]\\<>{}`"#? ';
const PREFERRED = READABLE + PRINTABLE;
const rank = (c: string): number => {
  const i = PREFERRED.indexOf(c);
  return i >= 0 ? i : PREFERRED.length + c.charCodeAt(0);
};

/**
 * A shortest accepted string, by breadth-first search: linear in the states it visits.
 * (Enumerating words instead grows exponentially with the length of the shortest word for
 * suffix-shaped languages.) Witnesses are read by people, so each step takes a readable
 * character when its range allows one.
 */
export function shortestAccepted(a: Lazy, maxVisits = Infinity): string | undefined | typeof TOO_FAR {
  const via = new Map<number, { from: number; char: string }>();
  const seen = new Set<number>([a.initial]);
  const wordOf = (s: number): string => {
    let word = '';
    for (let n = s; n !== a.initial;) {
      const step = via.get(n)!;
      word = step.char + word;
      n = step.from;
    }
    return word;
  };
  let frontier: number[] = [a.initial];
  while (frontier.length > 0) {
    // Of the shortest members found, the most readable: states that are not minimised away can
    // reach equally short members by different characters.
    const finals = frontier.filter((s) => a.isFinal(s)).map(wordOf);
    if (finals.length > 0) return finals.reduce((best, w) => (compareReadable(w, best) < 0 ? w : best));
    if (seen.size > maxVisits) return TOO_FAR;
    const next: number[] = [];
    for (const s of frontier) {
      // Per target state, the most readable character of all the ranges leading there.
      const best = new Map<number, string>();
      for (const e of a.out(s)) {
        if (seen.has(e.to)) continue;
        const char = [...PREFERRED].find((c) => c.charCodeAt(0) >= e.min && c.charCodeAt(0) <= e.max) ?? String.fromCharCode(e.min);
        const prev = best.get(e.to);
        if (prev === undefined || rank(char) < rank(prev)) best.set(e.to, char);
      }
      for (const [to, char] of best) {
        seen.add(to);
        via.set(to, { from: s, char });
        next.push(to);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** shortestAccepted stopped at its visit limit before the shortest members' depth. */
export const TOO_FAR = Symbol('too far');

function compareReadable(x: string, y: string): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = rank(x[i]!) - rank(y[i]!);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
