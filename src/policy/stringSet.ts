import { createHash } from 'node:crypto';
import { DFA, ENFA, JS, NFA } from 'refa';
import { accepts, lazyOfDfa, lazyProduct, resetLazyBudget, shortestAccepted, someAccepted, TOO_FAR, type Lazy } from './lazyAutomaton.js';
import { patternUnionDfa, patternUnionLazy, type PatternUnion } from './patternUnion.js';

/**
 * A regular set of strings. Mesh policies match strings by exact value,
 * prefix, suffix or presence; intersections and differences of those are
 * not closed under "prefix/suffix", so sets are minimal DFAs (refa) and
 * every operation is exact.
 */
export class StringSet {
  private constructor(
    dfa: DFA | (() => DFA),
    /** Stable description, used as a cache key and in debugging. */
    readonly key: string,
    /** The regular expression it was built from, when it was (not for results of operations). */
    readonly source?: string,
  ) {
    if (typeof dfa === 'function') this.build = dfa;
    else this.built = dfa;
  }

  private built?: DFA;
  private build?: () => DFA;
  /**
   * The Istio matchers this set is the union of (their keys), when it is one: lets
   * intersect and subtract decide containment from the lists, without product automata.
   */
  patterns?: ReadonlySet<string>;
  /** The union's matchers by shape, kept for a long list so that its automaton can be walked lazily. */
  private matchers?: PatternUnion;
  /**
   * `pos[0] ∩ … − neg[0] − …`, kept as a formula when an operand is large: see `isLazy`.
   * Its members are never formulas themselves except as `neg` (a region subtracted whole).
   */
  private formula?: { pos: readonly StringSet[]; neg: readonly StringSet[] };
  /** The automaton of a set that is no formula (formulas make theirs per search). */
  private lazyAutomaton?: Lazy;
  private emptiness?: boolean;

  /**
   * Large sets are answered lazily: a union of at least LAZY_MIN Istio matchers, and every
   * intersection or difference that involves one. Their questions (empty? member? a short
   * member?) are answered by walking the product automaton from its start, which visits a
   * handful of states where building and minimising the product of a 20,000-principal list
   * with the request space's regions costs seconds each. Small sets keep exact minimal DFAs.
   */
  private get isLazy(): boolean {
    return this.formula !== undefined || (this.matchers !== undefined && (this.patterns?.size ?? 0) >= lazyMin);
  }

  /**
   * The set's automaton, walked lazily. A formula's product is made afresh for each search and
   * dropped after it (so caches of regions never hold products); its terms' automata are kept.
   */
  private lazy(): Lazy {
    const f = this.formula;
    if (f)
      return lazyProduct(
        f.pos.map((x) => x.lazy()),
        f.neg.map((x) => x.lazy()),
        StringSet.MAX_CHAR,
      );
    this.lazyAutomaton ??= this.isLazy ? patternUnionLazy(this.matchers!, StringSet.MAX_CHAR) : lazyOfDfa(this.dfa);
    return this.lazyAutomaton;
  }

  /**
   * The minimal DFA, built on first use: a value of a long list (thousands of principals) is
   * usually only ever read by `unionAll`, which builds the list's automaton from the keys alone.
   */
  get dfa(): DFA {
    if (!this.built) {
      this.built = this.build!();
      this.build = undefined;
    }
    return this.built;
  }

  static readonly MAX_CHAR = 0xffff;

  private static cache = new Map<string, StringSet>();

  static fromRegex(source: string, key = `re:${source}`): StringSet {
    const hit = StringSet.cache.get(key);
    if (hit) return hit;
    const set = new StringSet(
      () => {
        const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: '' }).parse();
        const dfa = DFA.fromFA(NFA.fromRegex(expression, { maxCharacter }), nodes());
        dfa.minimize();
        return dfa;
      },
      key,
      source,
    );
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

  /**
   * The union of many sets at once. Folding `union` over a long list (a policy
   * with thousands of principals) rebuilds a growing automaton each step, which
   * is quadratic; here the expressions' NFAs are joined and determinised once.
   */
  static unionAll(sets: readonly StringSet[]): StringSet {
    const unique = [...new Map(sets.map((s) => [s.key, s])).values()];
    if (unique.length === 0) return StringSet.empty();
    if (unique.length === 1) return unique[0]!;
    if (unique.length === 2) return unique[0]!.union(unique[1]!);
    const key = `any:${createHash('sha1')
      .update(unique.map((s) => s.key).join('\u0000'))
      .digest('hex')}`;
    const hit = StringSet.cache.get(key);
    if (hit) return hit;
    const patterns = asPatternUnion(unique);
    if (patterns) {
      const set = makeSet(() => {
        const dfa = patternUnionDfa(patterns, StringSet.MAX_CHAR, nodes());
        dfa.minimize();
        return dfa;
      }, key);
      set.patterns = new Set(unique.flatMap((u) => [...patternKeys(u)]));
      set.matchers = patterns;
      if (StringSet.cache.size > 50_000) StringSet.cache.clear();
      StringSet.cache.set(key, set);
      return set;
    }
    if (unique.some((s) => s.source === undefined)) {
      // Results of operations have no expression: a balanced fold keeps the work n log n.
      const mid = unique.length >> 1;
      return StringSet.unionAll(unique.slice(0, mid)).union(StringSet.unionAll(unique.slice(mid)));
    }
    let nfa: NFA | undefined;
    for (const s of unique) {
      const { expression, maxCharacter } = JS.Parser.fromLiteral({ source: s.source!, flags: '' }).parse();
      const next = NFA.fromRegex(expression, { maxCharacter });
      if (nfa) nfa.unionInto(next);
      else nfa = next;
    }
    const dfa = DFA.fromFA(nfa!, nodes());
    dfa.minimize();
    const set = makeSet(dfa, key);
    if (StringSet.cache.size > 50_000) StringSet.cache.clear();
    StringSet.cache.set(key, set);
    return set;
  }

  /**
   * An Envoy URI template (`envoy.path.match.uri_template`), the matcher Istio's
   * pathGenerator emits for a path with `{*}` or `{**}` (model/generator.go ->
   * matcher.PathTemplateMatcher, which rewrites `{*}` to `*` and `{**}` to `**`).
   * Envoy's uri_template_internal.cc (parseURLPatternSyntax, toRegexPattern):
   * the template starts with `/` and is split at `/` into segments; `*` is one
   * non-empty segment `[pchar]+`, `**` is `[pchar/]*` (zero or more segments,
   * so `/a/**` matches `/a/` and `/a/b/c` but not `/a`), no operator may follow
   * `**`; anything else is a literal segment of pchars; an operator followed by
   * text without `/` makes that text a suffix (`/**.mpd`); a trailing `/` is an
   * empty last segment. pchar = `a-zA-Z0-9-._~%!$&'()+,;:@=` (kLiteral): no `*`.
   * The whole path (query and fragment removed) must match (RE2::FullMatch).
   * Returns undefined for a template Envoy refuses to parse.
   */
  static uriTemplate(template: string): StringSet | undefined {
    const source = uriTemplateRegex(template.replaceAll('{**}', '**').replaceAll('{*}', '*'));
    return source === undefined ? undefined : StringSet.fromRegex(source, `tpl:${template}`);
  }

  get isEmpty(): boolean {
    if (!this.isLazy) return this.dfa.isEmpty;
    // Every Istio matcher matches something, so a union of them is never empty.
    if (!this.formula) return false;
    this.emptiness ??= someAccepted(this.lazy()) === undefined;
    return this.emptiness;
  }

  has(value: string): boolean {
    const f = this.formula;
    if (f) return f.pos.every((x) => x.has(value)) && !f.neg.some((x) => x.has(value));
    return this.isLazy ? accepts(this.lazy(), value) : this.dfa.test(toWord(value));
  }

  intersect(other: StringSet): StringSet {
    // Identities of the algebra, decided from the keys: no product automaton for the common cases.
    if (other.key === 'all' || other.key === this.key) return this;
    if (this.key === 'all') return other;
    if (this.key === 'none' || other.key === 'none') return StringSet.empty();
    // A union of matchers whose every matcher the other union also holds is contained in it.
    if (containsPatterns(other, this)) return this;
    if (containsPatterns(this, other)) return other;
    if (this.isLazy || other.isLazy) return formula([...terms(this).pos, ...terms(other).pos], [...terms(this).neg, ...terms(other).neg]);
    return binary('&', this, other, () => {
      const dfa = DFA.fromIntersection(this.dfa, other.dfa, nodes());
      dfa.minimize();
      return dfa;
    });
  }

  subtract(other: StringSet): StringSet {
    if (other.key === 'all' || other.key === this.key || this.key === 'none') return StringSet.empty();
    if (other.key === 'none') return this;
    if (containsPatterns(other, this)) return StringSet.empty();
    // (A ∪ extra) − A = extra − A: only the matchers this union adds need a product with the other.
    if (containsPatterns(this, other)) {
      const extra = [...patternKeys(this)].filter((k) => !patternKeys(other).has(k));
      return StringSet.unionAll(extra.map(fromPatternKey)).subtract(other);
    }
    if (this.isLazy || other.isLazy) return formula(terms(this).pos, [...terms(this).neg, other]);
    return binary('-', this, other, () => {
      const complement = other.dfa.copy(nodes());
      complement.complement();
      const dfa = DFA.fromIntersection(this.dfa, complement, nodes());
      dfa.minimize();
      return dfa;
    });
  }

  union(other: StringSet): StringSet {
    if (this.key === 'all' || other.key === 'none' || other.key === this.key) return this;
    if (other.key === 'all' || this.key === 'none') return other;
    return binary('|', this, other, () => {
      // A ∪ B = ¬(¬A ∩ ¬B): refa's DFA has intersection and complement.
      const a = this.dfa.copy(nodes());
      a.complement();
      const b = other.dfa.copy(nodes());
      b.complement();
      const dfa = DFA.fromIntersection(a, b, nodes());
      dfa.complement();
      dfa.minimize();
      return dfa;
    });
  }

  /**
   * `{ to + w : from + w ∈ this }`: the members that start with `from`, with that start
   * rewritten to `to` (members without it are dropped). Exact for any regular set; used
   * to carry an identity's trust domain over to another (Istio trust-domain bundle).
   */
  replacePrefix(from: string, to: string): StringSet {
    return binary(`>${JSON.stringify(from)}>${JSON.stringify(to)}>`, this, StringSet.empty(), () => {
      let state: DFA.Node | undefined = this.dfa.initial;
      for (const c of toWord(from)) {
        state = state.out.get(c);
        if (!state) return StringSet.empty().dfa.copy(nodes());
      }
      const options = { maxCharacter: this.dfa.maxCharacter };
      const iter = this.dfa.transitionIterator();
      const rest = ENFA.fromTransitionIterator({ ...iter, initial: state }, options, new ENFA.LimitedNodeFactory(maxStates));
      rest.prepend(DFA.fromWords([toWord(to)], options));
      const dfa = DFA.fromFA(rest, nodes());
      dfa.minimize();
      return dfa;
    });
  }

  /** The set's automaton, walked lazily (states made as a search reaches them). */
  walk(): Lazy {
    return this.lazy();
  }

  /**
   * Whether the two sets share a member, answered by walking their product from its start:
   * no product automaton is built, minimised or cached. For a question asked many times over
   * (may any identity of this namespace pass?) where only the yes or no is wanted.
   */
  meets(other: StringSet): boolean {
    if (this.key === 'none' || other.key === 'none') return false;
    if (other.key === 'all' || other.key === this.key) return !this.isEmpty;
    if (this.key === 'all') return !other.isEmpty;
    return !formula([...terms(this).pos, ...terms(other).pos], [...terms(this).neg, ...terms(other).neg]).isEmpty;
  }

  isSubsetOf(other: StringSet): boolean {
    return this.subtract(other).isEmpty;
  }

  /** A member of the set: the first candidate that belongs, else the shortest word. */
  sample(candidates: readonly string[] = []): string | undefined {
    for (const c of candidates) if (this.has(c)) return c;
    if (!this.isLazy) return shortestAccepted(lazyOfDfa(this.dfa)) as string | undefined;
    // A shortest member of a large set may lie deep in a large product: look for one within a
    // bounded breadth-first search, else take the member a depth-first search spells.
    const shortest = shortestAccepted(this.lazy(), SHORTEST_VISITS);
    return shortest === TOO_FAR ? someAccepted(this.lazy()) : shortest;
  }

  /** A formula's terms; any other set is its own single positive term. */
  static termsOf(s: StringSet): { pos: readonly StringSet[]; neg: readonly StringSet[] } {
    return s.formula ?? { pos: [s], neg: [] };
  }

  /** Builds a formula set (no automaton until one is asked for). */
  static fromFormula(pos: readonly StringSet[], neg: readonly StringSet[], key: string): StringSet {
    const set = makeSet(() => materialize(pos, neg), key);
    set.formula = { pos, neg };
    return set;
  }
}

/** States a witness search of a large set visits before it settles for any member over a shortest one. */
const SHORTEST_VISITS = 20_000;

/** Lists of matchers at least this long are answered lazily (see `isLazy`); tests lower it to cover the lazy paths. */
let lazyMin = 64;

export function setLazyThreshold(n: number): void {
  lazyMin = n;
}

const terms = (s: StringSet) => StringSet.termsOf(s);

/**
 * `∩ pos − ∪ neg`, simplified where the matcher lists decide it (P ⊆ Q read from the lists):
 * P ∩ Q = P, P − Q = ∅, ¬P ∩ ¬Q = ¬Q, and (P ∪ E) − P = E − P, so the region a PR adds to a
 * long list is walked over its new matchers only.
 */
function formula(pos: readonly StringSet[], neg: readonly StringSet[]): StringSet {
  let p = dedupe(pos).filter((x) => x.key !== 'all');
  let n = dedupe(neg).filter((x) => x.key !== 'none');
  if (p.some((x) => x.key === 'none') || n.some((x) => x.key === 'all')) return StringSet.empty();
  for (;;) {
    if (p.some((x) => n.some((y) => containsPatterns(y, x) || y.key === x.key))) return StringSet.empty();
    const q = p.filter((x) => !p.some((y) => y !== x && containsPatterns(x, y) && !(containsPatterns(y, x) && y.key > x.key)));
    const m = n.filter((x) => !n.some((y) => y !== x && containsPatterns(y, x) && !(containsPatterns(x, y) && y.key > x.key)));
    // (P ∪ E) − P = E − P: a positive term that contains a negative one keeps only its extra matchers.
    const r = q.map((x) => {
      const inner = m.find((y) => containsPatterns(x, y));
      if (!inner) return x;
      const extra = [...patternKeys(x)].filter((k) => !patternKeys(inner).has(k));
      return StringSet.unionAll(extra.map(fromPatternKey));
    });
    const changed = q.length !== p.length || m.length !== n.length || r.some((x, i) => x !== q[i]);
    p = r;
    n = m;
    if (!changed) break;
  }
  if (p.length === 0 && n.length === 0) return StringSet.all();
  if (p.length === 1 && n.length === 0) return p[0]!;
  const sortKeys = (xs: StringSet[]) => xs.map((x) => x.key).sort();
  const key = `(&${sortKeys(p).join('&')}${n.length > 0 ? `-${sortKeys(n).join('-')}` : ''})`;
  const hit = opCache.get(key);
  if (hit) return hit;
  const set = StringSet.fromFormula(p, n, key);
  if (opCache.size > 100_000) opCache.clear();
  opCache.set(key, set);
  return set;
}

const dedupe = (xs: readonly StringSet[]): StringSet[] => [...new Map(xs.map((x) => [x.key, x])).values()];

/** The formula's minimal DFA, for the operations that need one (unions, prefix rewriting). */
function materialize(pos: readonly StringSet[], neg: readonly StringSet[]): DFA {
  let dfa = pos.length > 0 ? pos[0]!.dfa.copy(nodes()) : StringSet.all().dfa.copy(nodes());
  for (const x of pos.slice(1)) dfa = DFA.fromIntersection(dfa, x.dfa, nodes());
  for (const x of neg) {
    const complement = x.dfa.copy(nodes());
    complement.complement();
    dfa = DFA.fromIntersection(dfa, complement, nodes());
  }
  dfa.minimize();
  return dfa;
}

/**
 * States one automaton may have. refa's default (10,000) is reached by honest
 * policies with a few thousand principals; the bound stays, so that a hostile
 * one fails with `TooManyNodesError` (reported, not fatal) instead of taking
 * all memory.
 */
let maxStates = 2_000_000;
const nodes = () => new DFA.LimitedNodeFactory(maxStates);

/** Sets the bound on the states of one automaton (config `limits.maxMatcherStates`). */
export function setMaxStates(n: number): void {
  maxStates = n;
  resetLazyBudget(n);
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

/**
 * The sets as one union of Istio matchers, when every one of them is an exact value, a prefix,
 * a suffix or presence (their keys say so: `istioPattern` and `literal` name them), else undefined.
 */
function asPatternUnion(sets: readonly StringSet[]): PatternUnion | undefined {
  const u = { exact: [] as string[], prefix: [] as string[], suffix: [] as string[], nonEmpty: false };
  for (const s of sets) {
    if (s.key === 'nonempty') u.nonEmpty = true;
    else if (s.key === 'none') continue;
    else if (s.key.startsWith('lit:')) u.exact.push(s.key.slice(4));
    else if (s.key.startsWith('pre:')) u.prefix.push(s.key.slice(4, -1));
    else if (s.key.startsWith('suf:')) u.suffix.push(s.key.slice(5));
    else return undefined;
  }
  return u;
}

/** The matcher keys of a set that is an Istio matcher or a union of them; empty otherwise. */
function patternKeys(s: StringSet): ReadonlySet<string> {
  if (s.patterns) return s.patterns;
  return asPatternUnion([s]) && s.key !== 'none' ? new Set([s.key]) : new Set();
}

/** Whether every matcher of `inner` is one of `outer`'s (so inner ⊆ outer); false when either is no matcher union. */
function containsPatterns(outer: StringSet, inner: StringSet): boolean {
  const o = patternKeys(outer);
  const i = patternKeys(inner);
  if (o.size === 0 || i.size === 0 || i.size > o.size) return false;
  for (const k of i) if (!o.has(k)) return false;
  return true;
}

/** The single-matcher set a key names (inverse of the keys istioPattern and literal give). */
function fromPatternKey(key: string): StringSet {
  if (key === 'nonempty') return StringSet.istioPattern('*');
  if (key.startsWith('lit:')) return StringSet.literal(key.slice(4));
  return StringSet.istioPattern(key.slice(4));
}

function makeSet(dfa: DFA | (() => DFA), key: string): StringSet {
  // The constructor is private to keep construction going through the caches.
  return Reflect.construct(StringSet as unknown as new (d: DFA | (() => DFA), k: string) => StringSet, [dfa, key]);
}

/** Envoy's kLiteral (uri_template_internal.cc): RFC 3986 pchar without `*`. */
const URI_PCHAR = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";
const URI_LITERAL = new RegExp(`^[${URI_PCHAR}]+$`);

/** parseURLPatternSyntax + toRegexPattern of Envoy's uri_template library, as one JS regex source. */
function uriTemplateRegex(pattern: string): string | undefined {
  if (!/^\/[\x21-\x7e]*$/.test(pattern)) return undefined; // "^/[[:graph:]]*$"
  const segments: string[] = [];
  let suffix = '';
  let rest = pattern.slice(1);
  let afterTextGlob = false;
  const literal = (text: string): string | undefined => (URI_LITERAL.test(text) ? escapeRegex(text) : undefined);
  while (rest.length > 0) {
    if (rest.startsWith('*')) {
      if (afterTextGlob) return undefined; // validateNoOperatorAfterTextGlob
      const text = rest.startsWith('**');
      afterTextGlob = text;
      segments.push(text ? `[${URI_PCHAR}/]*` : `[${URI_PCHAR}]+`);
      rest = rest.slice(text ? 2 : 1);
    } else {
      // Variables ({name=...}) are never produced by Istio: a `{` left over is not a template Istio generates.
      const lit = rest.split('/', 1)[0]!;
      const re = literal(lit);
      if (re === undefined) return undefined;
      segments.push(re);
      rest = rest.slice(lit.length);
    }
    if (rest.length === 0) break;
    if (rest === '/') {
      segments.push('');
      break;
    }
    if (rest.startsWith('/')) {
      rest = rest.slice(1);
      continue;
    }
    // Text right after an operator, up to the end: a suffix ("Prefix match not supported" if a `/` follows).
    if (rest.includes('/')) return undefined;
    const re = literal(rest);
    if (re === undefined) return undefined;
    suffix = re;
    break;
  }
  return `\\/${segments.join('\\/')}${suffix}`;
}

export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function toWord(value: string): number[] {
  const word: number[] = [];
  for (let i = 0; i < value.length; i++) word.push(value.charCodeAt(i));
  return word;
}
