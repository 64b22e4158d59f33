/**
 * A set of L4 destinations: per protocol (TCP, UDP, SCTP) a union of port
 * intervals within 1..65535, plus named ports that could not be resolved
 * against a pod's containers (a potential pod whose containers the repository
 * does not show): those stay symbolic, `TCP/http`, and only equal names compare
 * equal. Mesh-neutral: NetworkPolicy `ports` (with `endPort`), admin policies'
 * `portRange` and a mesh's port lists all map onto it.
 */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type L4Protocol = (typeof PROTOCOLS)[number];

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

type Interval = readonly [number, number];

const NO_NAMES: ReadonlySet<string> = new Set();
const NO_RANGES: readonly Interval[] = [];
const EVERY_PORT: readonly Interval[] = [[MIN_PORT, MAX_PORT]];

export class PortSet {
  /** Decided once: sets are immutable, and the diff asks these of each one many times. */
  readonly isEmpty: boolean;
  private keyText: string | undefined;

  private constructor(
    readonly ranges: Readonly<Record<L4Protocol, readonly Interval[]>>,
    /** Unresolved named ports, `PROTOCOL/name`. */
    readonly names: ReadonlySet<string>,
  ) {
    this.isEmpty = names.size === 0 && ranges.TCP.length === 0 && ranges.UDP.length === 0 && ranges.SCTP.length === 0;
  }

  // Immutable, so the two sets every decision starts from are made once.
  private static readonly EMPTY = new PortSet({ TCP: NO_RANGES, UDP: NO_RANGES, SCTP: NO_RANGES }, NO_NAMES);
  private static readonly ALL = new PortSet({ TCP: EVERY_PORT, UDP: EVERY_PORT, SCTP: EVERY_PORT }, NO_NAMES);

  static empty(): PortSet {
    return PortSet.EMPTY;
  }

  static all(): PortSet {
    return PortSet.ALL;
  }

  static range(protocol: L4Protocol, lo: number, hi: number = lo): PortSet {
    const a = Math.max(MIN_PORT, lo);
    const b = Math.min(MAX_PORT, hi);
    if (a > b) return PortSet.EMPTY;
    const r = { TCP: NO_RANGES, UDP: NO_RANGES, SCTP: NO_RANGES };
    r[protocol] = [[a, b]];
    return new PortSet(r, NO_NAMES);
  }

  static protocol(protocol: L4Protocol): PortSet {
    return PortSet.range(protocol, MIN_PORT, MAX_PORT);
  }

  static named(protocol: L4Protocol, name: string): PortSet {
    return new PortSet({ TCP: NO_RANGES, UDP: NO_RANGES, SCTP: NO_RANGES }, new Set([`${protocol}/${name}`]));
  }

  get isAll(): boolean {
    return (
      this.names.size === 0 && PROTOCOLS.every((p) => this.ranges[p].length === 1 && this.ranges[p][0]![0] === MIN_PORT && this.ranges[p][0]![1] === MAX_PORT)
    );
  }

  union(o: PortSet): PortSet {
    if (o.isEmpty || this === o) return this;
    if (this.isEmpty) return o;
    return this.combine(
      o,
      (a, b) => normalize([...a, ...b]),
      (inA, inB) => inA || inB,
    );
  }

  intersect(o: PortSet): PortSet {
    // Named ports lie outside every range, so outside ALL too: the shortcuts through ALL hold only without names.
    if (this.isEmpty || this === o || (o === PortSet.ALL && this.names.size === 0)) return this;
    if (o.isEmpty) return PortSet.EMPTY;
    if (this === PortSet.ALL && o.names.size === 0) return o;
    return this.combine(o, intersect, (inA, inB) => inA && inB);
  }

  subtract(o: PortSet): PortSet {
    if (this.isEmpty || o.isEmpty) return this;
    if (this === o || (o === PortSet.ALL && this.names.size === 0)) return PortSet.EMPTY;
    return this.combine(
      o,
      (a, b) => intersect(a, complement(b)),
      (inA, inB) => inA && !inB,
    );
  }

  equals(o: PortSet): boolean {
    return this.key === o.key;
  }

  isSubsetOf(o: PortSet): boolean {
    return this.subtract(o).isEmpty;
  }

  has(protocol: L4Protocol, port: number): boolean {
    return this.ranges[protocol].some(([a, b]) => a <= port && port <= b);
  }

  /** Canonical text: equal sets, equal keys. */
  get key(): string {
    return (this.keyText ??= [
      ...PROTOCOLS.map((p) => `${p}:${this.ranges[p].map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`),
      [...this.names].sort().join(','),
    ].join(';'));
  }

  /** A member, as `TCP 8080` or `TCP port named http`, preferring the candidates (protocol, port). */
  sample(candidates: readonly (readonly [L4Protocol, number])[] = []): { protocol: L4Protocol; port: number | string } | undefined {
    for (const [p, n] of candidates) if (this.has(p, n)) return { protocol: p, port: n };
    for (const p of PROTOCOLS) {
      const first = this.ranges[p][0];
      if (first) return { protocol: p, port: first[0] };
    }
    const name = [...this.names].sort()[0];
    if (!name) return undefined;
    const [protocol, port] = name.split('/') as [L4Protocol, string];
    return { protocol, port };
  }

  /** As netpol-analyzer prints connections: `All Connections`, `TCP 80,8080-8090,UDP 53`. */
  describe(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    const parts: string[] = [];
    for (const p of PROTOCOLS) {
      const rs = this.ranges[p];
      if (rs.length === 0) continue;
      if (rs.length === 1 && rs[0]![0] === MIN_PORT && rs[0]![1] === MAX_PORT) parts.push(p);
      else parts.push(`${p} ${rs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
    }
    for (const n of [...this.names].sort()) parts.push(`${n.replace('/', ' port named ')}`);
    return parts.join(',');
  }

  private combine(o: PortSet, f: (a: readonly Interval[], b: readonly Interval[]) => Interval[], keep: (inA: boolean, inB: boolean) => boolean): PortSet {
    const r = { TCP: f(this.ranges.TCP, o.ranges.TCP), UDP: f(this.ranges.UDP, o.ranges.UDP), SCTP: f(this.ranges.SCTP, o.ranges.SCTP) };
    if (this.names.size === 0 && o.names.size === 0) return new PortSet(r, NO_NAMES);
    const names = new Set([...this.names, ...o.names].filter((n) => keep(this.names.has(n), o.names.has(n))));
    return new PortSet(r, names);
  }
}

function normalize(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

function complement(a: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let next = MIN_PORT;
  for (const [lo, hi] of a) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_PORT) out.push([next, MAX_PORT]);
  return out;
}
