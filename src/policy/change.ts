import type { Workload } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';
import type { Origin } from './access.js';

/** What caused a change in effective policy; each cause has one finding rule. */
export const CAUSES = [
  'transport-weakened',
  'transport-strengthened',
  'sidecar-removed',
  'port-bypassed',
  'plaintext-allowed',
  'policies-unenforceable',
  'deny-weakened',
  'custom-removed',
  'allow-broadened',
  'allow-all-restored',
  'policy-dry-run',
  'access-narrowed',
  'client-plaintext',
  'client-tls-breaks',
  'egress-broadened',
  'egress-tls-removed',
  'ingress-exposed',
  'ambiguous',
  'invalid',
  'unanalysable',
  'netpol-ingress-broadened',
  'netpol-isolation-lost',
  'netpol-egress-broadened',
] as const;
export type Cause = (typeof CAUSES)[number];

/** One difference in effective policy between the two sides, before rules give it a severity and words. */
export interface PolicyChange {
  cause: Cause;
  mesh: string;
  workload: Workload | null;
  port: number | null;
  /**
   * Every port whose answer changed this same way (groupPorts), lowest first, when
   * there are several; `port` is then the first of them.
   */
  ports?: number[];
  /** The field that caused it, and on which side that field lives (a deleted policy lives in `before`). */
  anchor: Origin;
  side: 'before' | 'after';
  before: string;
  after: string;
  witness: string | null;
  /** Scope of the deciding policy, for severity: a mesh-wide change weighs more. */
  scope: 'mesh' | 'namespace' | 'workload' | 'port' | 'client' | undefined;
  detail: string | undefined;
  /** Why this change weighs one level more (the workload is reachable from outside), if it does. */
  escalation?: string;
  /** Other resources involved (e.g. the competing policies of an ambiguity). */
  related?: Resource[];
  /** Caveats a reviewer should weigh (the engine's assumption where the mesh leaves doubt). */
  notes?: string[];
}

/** The tags of a change whose `detail` is a space-separated list of them (e.g. `governed ambient`). */
export const detailTags = (c: Pick<PolicyChange, 'detail'>): string[] => (c.detail ?? '').split(' ').filter(Boolean);

/** `detail` with one more tag. */
export const withTag = (detail: string | undefined, tag: string): string => [...detailTags({ detail }).filter((t) => t !== tag), tag].join(' ');
