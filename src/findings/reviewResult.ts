import { z } from 'zod';
import { Category, Finding, ReviewError, Severity } from './finding.js';

export const Summary = z.object({
  total: z.number().int(),
  bySeverity: z.record(Severity, z.number().int()),
  byCategory: z.record(Category, z.number().int()),
  failOn: Severity,
  /** True when a finding is at or above failOn. */
  failed: z.boolean(),
  worst: Severity.nullable(),
  filesParsed: z.number().int(),
  workloads: z.number().int(),
  errors: z.number().int(),
  /**
   * Objects of kinds Istio removed (rbac.istio.io, authentication.istio.io) in
   * files the change did not touch: ignored by Istio, and said once here rather
   * than as an error on every review. Ones the change adds or edits are findings.
   */
  removedKindsIgnored: z.number().int().optional(),
});
export type Summary = z.infer<typeof Summary>;

/**
 * An object of a security kind mesh-review does not analyse yet (Linkerd,
 * Consul, Cilium, NetworkPolicy) that the change added, edited or deleted. It
 * was read: it is not an error, but nothing about it was checked either.
 */
export const UnanalysedObject = z.object({
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  file: z.string(),
  /** On the head side; for a deleted object, its line in the base version. */
  line: z.number().int(),
  change: z.enum(['added', 'changed', 'deleted']),
  /** The family of kinds, e.g. "Linkerd policy". */
  what: z.string(),
});
export type UnanalysedObject = z.infer<typeof UnanalysedObject>;

/** "NetworkPolicy shop/web-egress changed: mesh-review does not analyse Kubernetes NetworkPolicy yet", for reports. */
export const describeUnanalysed = (o: UnanalysedObject): string =>
  `${o.kind} ${o.namespace}/${o.name} ${o.change === 'deleted' ? 'deleted (the line is in the base version)' : o.change}: mesh-review does not analyse ${o.what} yet`;

/** The one line that stands for every unchanged object of a removed Istio kind. */
export const removedKindsLine = (n: number): string =>
  `${n} ${n === 1 ? 'object' : 'objects'} of kinds Istio removed (rbac.istio.io, authentication.istio.io), in unchanged files: ignored, as Istio ignores them`;

/** The JSON contract of `mesh-review diff --format json` (issue #3, item 6). */
export const ReviewResult = z.object({
  version: z.literal(1),
  summary: Summary,
  findings: z.array(Finding),
  errors: z.array(ReviewError),
  /** Changed objects of kinds not analysed: the reviewer's to check by hand (never a reason to pass green silently). */
  unanalysed: z.array(UnanalysedObject),
});
export type ReviewResult = z.infer<typeof ReviewResult>;
