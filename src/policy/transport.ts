/** Server-side transport of a (workload, port), strongest first (mesh-semantics 1.3). */
export const TRANSPORT_MODES = ['STRICT', 'PERMISSIVE', 'PLAINTEXT', 'UNMANAGED'] as const;
export type TransportMode = (typeof TRANSPORT_MODES)[number];

const RANK: Record<TransportMode, number> = { STRICT: 3, PERMISSIVE: 2, PLAINTEXT: 1, UNMANAGED: 0 };

/** Negative when `after` is weaker than `before`. PLAINTEXT and UNMANAGED are equal for transport. */
export function compareTransport(before: TransportMode, after: TransportMode): number {
  const r = (m: TransportMode) => (Math.min(RANK[m], 1) === 0 ? 1 : RANK[m]);
  return r(after) - r(before);
}

export function describeTransport(mode: TransportMode): string {
  switch (mode) {
    case 'STRICT':
      return 'mTLS required';
    case 'PERMISSIVE':
      return 'mTLS or plaintext';
    case 'PLAINTEXT':
      return 'plaintext only (mTLS disabled)';
    case 'UNMANAGED':
      return 'no proxy: plaintext, no mesh policy';
  }
}
