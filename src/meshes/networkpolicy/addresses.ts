import { IpSet } from '../../policy/ipSet.js';

/** Where pod addresses come from in practice: RFC 1918, shared (CGNAT), link-local, and IPv6 unique-local and link-local ranges. */
let internal: IpSet | undefined;
export function internalAddresses(): IpSet {
  return (internal ??= ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10']
    .map((c) => IpSet.cidr(c)!)
    .reduce((a, b) => a.union(b)));
}
