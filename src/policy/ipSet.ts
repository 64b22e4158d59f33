import ipaddr from 'ipaddr.js';

/**
 * A set of IP addresses as sorted, disjoint, inclusive ranges over one
 * number line: IPv4 occupies [0, 2^32), IPv6 follows it. CIDRs with
 * `except`/`notIpBlocks` are then plain interval arithmetic.
 */
const V4_SIZE = 1n << 32n;
const V6_SIZE = 1n << 128n;
const MAX = V4_SIZE + V6_SIZE - 1n;

type Range = readonly [bigint, bigint];

export class IpSet {
  private constructor(
    readonly ranges: readonly Range[],
    readonly key: string,
  ) {}

  static all(): IpSet {
    return IpSet.of([[0n, MAX]]);
  }

  static empty(): IpSet {
    return IpSet.of([]);
  }

  /** Parses "10.0.0.0/8", "10.1.2.3" or an IPv6 form; undefined when invalid. */
  static cidr(text: string): IpSet | undefined {
    const trimmed = text.trim();
    try {
      const [addr, bits] = trimmed.includes('/')
        ? ipaddr.parseCIDR(trimmed)
        : ((): [ipaddr.IPv4 | ipaddr.IPv6, number] => {
            const a = ipaddr.parse(trimmed);
            return [a, a.kind() === 'ipv4' ? 32 : 128];
          })();
      const width = addr.kind() === 'ipv4' ? 32 : 128;
      const base = toBig(addr);
      const size = 1n << BigInt(width - bits);
      const lo = (base / size) * size;
      const offset = addr.kind() === 'ipv4' ? 0n : V4_SIZE;
      return IpSet.of([[offset + lo, offset + lo + size - 1n]]);
    } catch {
      return undefined;
    }
  }

  static of(ranges: Range[]): IpSet {
    const norm = normalize(ranges);
    return new IpSet(norm, norm.map(([a, b]) => `${a}-${b}`).join(','));
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  has(ip: string): boolean {
    const probe = IpSet.cidr(ip);
    return probe !== undefined && probe.subtract(this).isEmpty;
  }

  union(other: IpSet): IpSet {
    return IpSet.of([...this.ranges, ...other.ranges]);
  }

  intersect(other: IpSet): IpSet {
    const out: Range[] = [];
    let i = 0;
    let j = 0;
    while (i < this.ranges.length && j < other.ranges.length) {
      const [a1, a2] = this.ranges[i]!;
      const [b1, b2] = other.ranges[j]!;
      const lo = a1 > b1 ? a1 : b1;
      const hi = a2 < b2 ? a2 : b2;
      if (lo <= hi) out.push([lo, hi]);
      if (a2 < b2) i++;
      else j++;
    }
    return IpSet.of(out);
  }

  complement(): IpSet {
    const out: Range[] = [];
    let next = 0n;
    for (const [lo, hi] of this.ranges) {
      if (lo > next) out.push([next, lo - 1n]);
      next = hi + 1n;
    }
    if (next <= MAX) out.push([next, MAX]);
    return IpSet.of(out);
  }

  subtract(other: IpSet): IpSet {
    return this.intersect(other.complement());
  }

  isSubsetOf(other: IpSet): boolean {
    return this.subtract(other).isEmpty;
  }

  /** A member, written as an address: prefer one from the candidates. */
  sample(candidates: readonly string[] = []): string | undefined {
    for (const c of candidates) if (this.has(c)) return c;
    const first = this.ranges[0];
    if (!first) return undefined;
    // Prefer a host-looking address over a network address such as 0.0.0.0.
    const pick = first[1] > first[0] ? first[0] + 1n : first[0];
    return format(pick);
  }
}

function normalize(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) {
      if (hi > last[1]) last[1] = hi;
    } else out.push([lo, hi]);
  }
  return out;
}

function toBig(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of addr.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

function format(value: bigint): string {
  if (value < V4_SIZE) {
    const bytes = [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 255n));
    return bytes.join('.');
  }
  let v = value - V4_SIZE;
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) {
    bytes.unshift(Number(v & 255n));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}
