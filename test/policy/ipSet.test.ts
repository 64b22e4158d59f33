import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IpSet } from '../../src/policy/ipSet.js';

describe('IpSet', () => {
  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3/24', '10.1.2.200', true], // host bits are masked, as Envoy does
    ['0.0.0.0/0', '203.0.113.7', true],
    ['0.0.0.0/0', '2001:db8::1', false], // IPv4 any does not cover IPv6
    ['2001:db8::/32', '2001:db8::1', true],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(IpSet.cidr(cidr)!.has(ip)).toBe(expected);
  });

  it('rejects malformed CIDRs', () => {
    expect(IpSet.cidr('10.0.0.0/33')).toBeUndefined();
    expect(IpSet.cidr('not-an-ip')).toBeUndefined();
  });

  it('subtracts an except block and names a witness outside it', () => {
    const rest = IpSet.cidr('10.0.0.0/8')!.subtract(IpSet.cidr('10.0.0.0/9')!);
    const w = rest.sample()!;
    expect(IpSet.cidr('10.128.0.0/9')!.has(w)).toBe(true);
  });

  it('set identities hold on random IPv4 blocks (property)', () => {
    const block = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
      .map(([a, b, bits]) => IpSet.cidr(`${a}.${b}.0.0/${bits}`)!);
    fc.assert(
      fc.property(block, block, (a, b) => {
        expect(a.subtract(b).union(a.intersect(b)).key).toBe(a.key);
        expect(a.intersect(b).isSubsetOf(a)).toBe(true);
        expect(a.complement().complement().key).toBe(a.key);
      }),
    );
  });
});
