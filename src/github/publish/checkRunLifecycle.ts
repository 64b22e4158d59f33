import type { GitHub, PullRequestRef } from '../types.js';
import { fitBytes, OUTPUT_MAX_BYTES } from './checkRunPlan.js';
import { CHECK_NAME, patchCheckRun } from './checkRun.js';
import { redactSecrets } from './secrets.js';
import { WriteThrottle } from './writeThrottle.js';

/**
 * The check run's life when a queue stands between the webhook and the review:
 * created `queued` at the door, marked `in_progress` when a worker takes it,
 * and completed by the review, or here when the review was stopped (a bound,
 * a newer push, a shutdown). Every write goes through the installation's throttle.
 */

/** The identifier of the check run's "Re-run" button (`check_run.requested_action`). */
export const RERUN_ACTION = 'rerun';

/**
 * GitHub shows these as buttons on the check run; a click sends
 * `check_run.requested_action` with the identifier. Limits: label 20,
 * description 40, identifier 20 characters.
 * https://docs.github.com/en/rest/checks/runs#create-a-check-run (`actions`)
 */
export const RERUN_ACTIONS = [{ label: 'Re-run', description: 'Review this pull request again', identifier: RERUN_ACTION }];

const iso = (now: number = Date.now()): string => new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface ExistingRun {
  id: number;
  status: string;
  externalId: string | null;
}

/** The head's `mesh-review` run with this external id, if GitHub has one (a redelivery, or a restart, reuses it). */
export async function findRun(
  github: GitHub,
  pr: Pick<PullRequestRef, 'owner' | 'repo' | 'headSha'>,
  externalId: string,
  throttle: WriteThrottle,
): Promise<ExistingRun | undefined> {
  return (await headRuns(github, pr, throttle)).find((r) => r.externalId === externalId);
}

export interface HeadRun extends ExistingRun {
  /** When GitHub says the run started (ms since the epoch; NaN when absent). */
  startedAt: number;
}

/** The head's runs named `mesh-review`, every trigger's. */
export async function headRuns(github: GitHub, pr: Pick<PullRequestRef, 'owner' | 'repo' | 'headSha'>, throttle: WriteThrottle): Promise<HeadRun[]> {
  const { data } = await throttle.read(() =>
    github.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      owner: pr.owner,
      repo: pr.repo,
      ref: pr.headSha,
      check_name: CHECK_NAME,
      filter: 'all',
      per_page: 100,
    }),
  );
  return data.check_runs.map((r) => ({
    id: Number(r.id),
    status: r.status,
    externalId: r.external_id,
    startedAt: r.started_at ? Date.parse(r.started_at) : NaN,
  }));
}

/** Creates the head's run as `queued`: GitHub shows at once that the push was seen. */
export async function createQueuedRun(
  github: GitHub,
  pr: Pick<PullRequestRef, 'owner' | 'repo' | 'headSha'>,
  externalId: string,
  throttle: WriteThrottle,
): Promise<number> {
  const { data } = await throttle.write(
    () =>
      github.request('POST /repos/{owner}/{repo}/check-runs', {
        owner: pr.owner,
        repo: pr.repo,
        name: CHECK_NAME,
        head_sha: pr.headSha,
        status: 'queued',
        external_id: externalId,
        output: { title: 'Queued', summary: 'mesh-review has received this push and will review it shortly.' },
        // A 5xx is not repeated blindly: the next delivery or the reconciler finds the run by its external id.
        request: { retries: 0 },
      }),
    { idempotent: false },
  );
  return Number(data.id);
}

/** The review has started on this run. */
export async function markInProgress(github: GitHub, pr: Pick<PullRequestRef, 'owner' | 'repo'>, checkRunId: number, throttle: WriteThrottle): Promise<void> {
  const startedAt = iso(); // once: a retry after a 5xx sends the same body
  await throttle.write(() =>
    patchCheckRun(github, pr, checkRunId, {
      status: 'in_progress',
      started_at: startedAt,
    }),
  );
}

export interface StoppedOutcome {
  conclusion: 'failure' | 'neutral' | 'cancelled';
  title: string;
  summary: string;
  /** Offer the "Re-run" button. */
  rerun: boolean;
}

/** Completes a run the review did not complete itself (stopped by a bound, superseded, interrupted). */
export async function completeStoppedRun(
  github: GitHub,
  pr: Pick<PullRequestRef, 'owner' | 'repo'>,
  checkRunId: number,
  outcome: StoppedOutcome,
  throttle: WriteThrottle,
): Promise<void> {
  const completedAt = iso(); // once: a retry after a 5xx sends the same body
  await throttle.write(() =>
    patchCheckRun(github, pr, checkRunId, {
      status: 'completed',
      conclusion: outcome.conclusion,
      completed_at: completedAt,
      output: { title: redactSecrets(outcome.title), summary: fitBytes(redactSecrets(outcome.summary), OUTPUT_MAX_BYTES) },
      ...(outcome.rerun ? { actions: RERUN_ACTIONS } : {}),
    }),
  );
}
