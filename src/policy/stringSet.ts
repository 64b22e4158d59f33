import { DFA, JS, NFA } from 'refa';

/**
 * A regular set of strings. Mesh policies match strings by exact value,
 * prefix, suffix or presence; intersections and differences of those are
 * not closed under "prefix/suffix", so sets are minimal DFAs (refa) and
 * every operation is exact.
 */
export class StringSet {
  private constructor(
    readonly dfa: DFA,
    /** Stable description, used as a cache key and in debugging. */
    readonly key: string,
  ) {}

  static readonly MAX_CHAR = 0xffff;

  private static cache = new Map<string, StringSet>();

  static fromRegex(source: string, key = `re:${source}`): StringSet {
    const hit = StringSet.cache.get(key);
    if (hit) return hit;
    const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: '' }).parse();
    const dfa = DFA.fromFA(NFA.fromRegex(expression, { maxCharacter }));
    dfa.minimize();
    const set = new StringSet(dfa, key);
    if (StringSet.cache.size > 50_000) StringSet.cache.clear();
    StringSet.cache.set(key, set);
    return set;
  }

  static all(): StringSet {
    return StringSet.fromRegex('[^]*', 'all');
  }

  static empty(): StringSet {
    return StringSet.fromRegex('[]', 'none');
  }

  static literal(value: string): StringSet {
    return StringSet.fromRegex(escapeRegex(value), `lit:${value}`);
  }

  /**
   * Istio's string match: "abc" exact, "abc*" prefix, "*abc" suffix, "*" any
   * non-empty value. A "*" elsewhere is not a wildcard (it is a literal).
   */
  static istioPattern(pattern: string): StringSet {
    if (pattern === '*') return StringSet.fromRegex('[^]+', 'nonempty');
    if (pattern.endsWith('*')) return StringSet.fromRegex(`${escapeRegex(pattern.slice(0, -1))}[^]*`, `pre:${pattern}`);
    if (pattern.startsWith('*')) return StringSet.fromRegex(`[^]*${escapeRegex(pattern.slice(1))}`, `suf:${pattern}`);
    return StringSet.literal(pattern);
  }

  get isEmpty(): boolean {
    return this.dfa.isEmpty;
  }

  has(value: string): boolean {
    return this.dfa.test(toWord(value));
  }

  intersect(other: StringSet): StringSet {
    return binary('&', this, other, () => {
      const dfa = DFA.fromIntersection(this.dfa, other.dfa);
      dfa.minimize();
      return dfa;
    });
  }

  subtract(other: StringSet): StringSet {
    return binary('-', this, other, () => {
      const complement = other.dfa.copy();
      complement.complement();
      const dfa = DFA.fromIntersection(this.dfa, complement);
      dfa.minimize();
      return dfa;
    });
  }

  union(other: StringSet): StringSet {
    return binary('|', this, other, () => {
      // A ∪ B = ¬(¬A ∩ ¬B): refa's DFA has intersection and complement.
      const a = this.dfa.copy();
      a.complement();
      const b = other.dfa.copy();
      b.complement();
      const dfa = DFA.fromIntersection(a, b);
      dfa.complement();
      dfa.minimize();
      return dfa;
    });
  }

  isSubsetOf(other: StringSet): boolean {
    return this.subtract(other).isEmpty;
  }

  /** A member of the set: the first candidate that belongs, else the shortest word. */
  sample(candidates: readonly string[] = []): string | undefined {
    for (const c of candidates) if (this.has(c)) return c;
    return shortestMember(this.dfa);
  }
}

const opCache = new Map<string, StringSet>();

function binary(op: string, a: StringSet, b: StringSet, build: () => DFA): StringSet {
  const key = `(${a.key}${op}${b.key})`;
  const hit = opCache.get(key);
  if (hit) return hit;
  const set = makeSet(build(), key);
  if (opCache.size > 100_000) opCache.clear();
  opCache.set(key, set);
  return set;
}

function makeSet(dfa: DFA, key: string): StringSet {
  // The constructor is private to keep construction going through the caches.
  return Reflect.construct(StringSet as unknown as new (d: DFA, k: string) => StringSet, [dfa, key]);
}

export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function toWord(value: string): number[] {
  const word: number[] = [];
  for (let i = 0; i < value.length; i++) word.push(value.charCodeAt(i));
  return word;
}

const READABLE = 'abcdefghijklmnopqrstuvwxyz0123456789-./_ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A shortest member, by breadth-first search over the DFA's states: linear in its
 * size. (Enumerating refa's word sets instead grows exponentially with the length
 * of the shortest word for suffix-shaped languages.) Witnesses are read by people,
 * so each step takes a readable character when its range allows one.
 */
function shortestMember(dfa: DFA): string | undefined {
  type Node = DFA['initial'];
  const via = new Map<Node, { from: Node; char: string }>();
  const seen = new Set<Node>([dfa.initial]);
  let frontier: Node[] = [dfa.initial];
  while (frontier.length > 0) {
    const next: Node[] = [];
    for (const node of frontier) {
      if (dfa.finals.has(node)) {
        let word = '';
        for (let n = node; n !== dfa.initial; ) {
          const step = via.get(n)!;
          word = step.char + word;
          n = step.from;
        }
        return word;
      }
      for (const [range, to] of node.out.entries()) {
        if (seen.has(to)) continue;
        seen.add(to);
        const readable = [...READABLE].find((c) => c.charCodeAt(0) >= range.min && c.charCodeAt(0) <= range.max);
        via.set(to, { from: node, char: readable ?? String.fromCharCode(range.min) });
        next.push(to);
      }
    }
    frontier = next;
  }
  return undefined;
}
