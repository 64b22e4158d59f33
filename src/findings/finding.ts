import { z } from 'zod';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const CATEGORIES = [
  'mtls-weakened',
  'mtls-strengthened',
  'access-broadened',
  'access-narrowed',
  'egress-broadened',
  'ingress-exposed',
  'policy-ambiguous',
  'invalid-manifest',
] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

export const ResourceRef = z.object({
  kind: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
});
export type ResourceRef = z.infer<typeof ResourceRef>;

/** Which side of the PR holds the line that caused a finding. */
export const Side = z.enum(['before', 'after']);
export type Side = z.infer<typeof Side>;

/** The JSON contract of one finding (issue #3, item 6), plus `side` for anchoring review comments. */
export const Finding = z.object({
  ruleId: z.string(),
  category: Category,
  severity: Severity,
  mesh: z.string(),
  workload: z.string().nullable(),
  /** The first (lowest) of `ports` when there are several: one change seen on several ports is one finding. */
  port: z.number().int().nullable(),
  /** Every port the finding covers, lowest first, when it covers more than one (see `portsOf`). */
  ports: z.array(z.number().int()).optional(),
  resource: ResourceRef,
  /**
   * The field inside `resource` that caused it (e.g. `spec.portLevelMtls.9090.mode`): with
   * the rule, workload and resource, the finding's identity across runs (findingFingerprint).
   */
  field: z.string().optional(),
  file: z.string(),
  line: z.number().int(),
  side: Side,
  title: z.string(),
  message: z.string(),
  witness: z.string().nullable(),
  /** Caveats a reviewer should weigh (the engine's assumptions), and why an ignore entry stopped applying. */
  notes: z.array(z.string()).optional(),
  /** The targets (variants: overlays, environments, distributions) it holds in, when it holds in some of them only. */
  targets: z.array(z.string()).optional(),
});
export type Finding = z.infer<typeof Finding>;

/** Every port a finding covers, lowest first: [] for a finding about no single port. */
export const portsOf = (f: Pick<Finding, 'port' | 'ports'>): number[] => f.ports ?? (f.port === null ? [] : [f.port]);

export const ReviewError = z.object({
  file: z.string(),
  line: z.number().int(),
  message: z.string(),
});
export type ReviewError = z.infer<typeof ReviewError>;

export const severityRank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

/** True when `s` is at or above `threshold` (critical > high > ... > info). */
export const atOrAbove = (s: Severity, threshold: Severity): boolean => severityRank(s) >= severityRank(threshold);
