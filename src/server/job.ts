import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What starts a review of a head: `push` (opened, synchronize, reopened,
 * check_suite.requested: one review per pushed head whichever event comes
 * first), `ready` (ready_for_review: the comments held back for a draft are
 * posted) and `rerun:<delivery>` (a user's re-run: a new check run each time, as GitHub expects).
 */
export const ReviewJob = z.object({
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  number: z.number().int(),
  headSha: z.string(),
  trigger: z.string(),
  deliveryId: z.string(),
  /** The check run created as `queued` at the door (absent until GitHub answered). */
  checkRunId: z.number().int().optional(),
  enqueuedAt: z.number(),
});
export type ReviewJob = z.infer<typeof ReviewJob>;

/** One job per head and trigger: the dedupe key of redeliveries and of the same push's several events. */
export const jobKey = (j: Pick<ReviewJob, 'owner' | 'repo' | 'number' | 'headSha' | 'trigger'>): string =>
  `${j.owner}/${j.repo}#${j.number}@${j.headSha}:${j.trigger}`;

/** The pull request a job reviews: newer heads supersede older ones, and its jobs run one at a time. */
export const pullKey = (j: Pick<ReviewJob, 'owner' | 'repo' | 'number'>): string => `${j.owner}/${j.repo}#${j.number}`;

/**
 * The check run's external id: derived from the job key, so that a redelivery
 * or a restarted process finds the run it (or its predecessor) created. It
 * starts as `attemptId` does, so `pullNumberOfExternalId` reads the pull request back.
 */
export const externalIdOf = (j: ReviewJob): string => `mesh-review-pr-${j.number}-${createHash('sha256').update(jobKey(j)).digest('hex').slice(0, 16)}`;
