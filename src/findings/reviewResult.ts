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
});
export type Summary = z.infer<typeof Summary>;

/** The JSON contract of `mesh-review diff --format json` (issue #3, item 6). */
export const ReviewResult = z.object({
  version: z.literal(1),
  summary: Summary,
  findings: z.array(Finding),
  errors: z.array(ReviewError),
});
export type ReviewResult = z.infer<typeof ReviewResult>;
