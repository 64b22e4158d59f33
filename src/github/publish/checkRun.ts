import { randomUUID } from 'node:crypto';
import type { GitHub, PullRequestRef } from '../types.js';
import { fitBytes, OUTPUT_MAX_BYTES, type CheckRunOutcome } from './checkRunPlan.js';
import { isServerError, viewError } from './httpErrors.js';
import { describeError, redactSecrets } from './secrets.js';
import { WriteThrottle } from './writeThrottle.js';

const PATCH_RUN = 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}';
declare const _github: GitHub;
/** The body of a check-run update: what every PATCH of a run may send besides its address. */
export type CheckRunPatch = Omit<NonNullable<Parameters<typeof _github.request<typeof PATCH_RUN>>[1]>, 'owner' | 'repo' | 'check_run_id'>;

/** One PATCH of a check run of `pr`: every update of a run (start, completion, annotation batch) goes through it. */
export function patchCheckRun(github: GitHub, pr: Pick<PullRequestRef, 'owner' | 'repo'>, checkRunId: number, body: CheckRunPatch) {
  return github.request(PATCH_RUN, { ...body, owner: pr.owner, repo: pr.repo, check_run_id: checkRunId });
}

export { planCheckRun, checkRunTitle, ANNOTATION_LEVEL, OUTPUT_MAX_BYTES } from './checkRunPlan.js';
export type { CheckAnnotation, CheckConclusion, CheckRunOutcome, PlanCheckRunOptions } from './checkRunPlan.js';

/** The Checks API takes at most 50 annotations per request; each update appends to the run's list. */
export const ANNOTATIONS_PER_REQUEST = 50;
export const CHECK_NAME = 'mesh-review';

/** How the check-run functions reach GitHub: one throttle for all writes of a review, and a clock. */
export interface CheckRunIo {
  throttle?: WriteThrottle;
  /** Milliseconds since the epoch, for `started_at` / `completed_at`. */
  now?: () => number;
  /** Told about failures that are reported rather than thrown (annotation batches after the verdict). */
  log?: { warn(obj: object, msg?: string): void };
}

export interface StartCheckRunOptions {
  name?: string;
  detailsUrl?: string;
  /** Identifies this attempt's run, so that a POST that failed with a 5xx after GitHub created the run is found, not duplicated. */
  externalId?: string;
}

const iso = (io: CheckRunIo): string => new Date((io.now ?? Date.now)()).toISOString().replace(/\.\d{3}Z$/, 'Z');
const throttleOf = (io: CheckRunIo): WriteThrottle => io.throttle ?? new WriteThrottle();

/**
 * Creates the `mesh-review` run on the head sha, `in_progress`, and returns its id.
 * A 5xx is not blindly retried (that could leave a second run in progress
 * forever): the head's runs are listed first and this attempt's run, found by
 * its `external_id`, is adopted when GitHub did create it.
 */
export async function startCheckRun(github: GitHub, pr: PullRequestRef, options: StartCheckRunOptions = {}, io: CheckRunIo = {}): Promise<number> {
  const throttle = throttleOf(io);
  const name = options.name ?? CHECK_NAME;
  const externalId = options.externalId ?? `mesh-review:${randomUUID()}`;
  const create = () =>
    throttle.write(
      () =>
        github.request('POST /repos/{owner}/{repo}/check-runs', {
          owner: pr.owner,
          repo: pr.repo,
          name,
          head_sha: pr.headSha,
          status: 'in_progress',
          started_at: iso(io),
          external_id: externalId,
          ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
        }),
      { idempotent: false },
    );
  for (let attempt = 0; ; attempt++) {
    try {
      return Number((await create()).data.id);
    } catch (error) {
      if (!isServerError(viewError(error)) || attempt >= 2) throw error;
      const adopted = await findRunByExternalId(github, pr, name, externalId, throttle).catch(() => undefined);
      if (adopted !== undefined) return adopted;
    }
  }
}

async function findRunByExternalId(github: GitHub, pr: PullRequestRef, name: string, externalId: string, throttle: WriteThrottle): Promise<number | undefined> {
  const { data } = await throttle.read(() =>
    github.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      owner: pr.owner,
      repo: pr.repo,
      ref: pr.headSha,
      check_name: name,
      filter: 'all',
      per_page: 100,
    }),
  );
  const run = data.check_runs.find((r) => r.external_id === externalId);
  return run === undefined ? undefined : Number(run.id);
}

/** What `completeCheckRun` did: the verdict is always written (or it throws); annotations may be missing. */
export interface CompleteCheckRunResult {
  /** Annotations GitHub acknowledged. */
  annotationsSent: number;
  /**
   * Annotations of batches that failed after the conclusion was written. A
   * batch refused with a 5xx may or may not have been appended: it is not sent
   * again (a duplicated batch is worse than a missing one).
   */
  annotationsFailed: number;
  /** Why, one line per failed batch, with credentials redacted. */
  errors: string[];
}

/**
 * Completes the run with `outcome`: the first PATCH sets the conclusion with
 * the first ≤ 50 annotations, further PATCHes append the rest 50 at a time.
 * The conclusion goes first so that a failure while appending annotations can
 * never leave the run in progress. Summary and text are cut to 65,535 UTF-8 bytes.
 *
 * Only the first PATCH can throw. Once it succeeded the verdict stands: a
 * later batch that fails is reported in the result (and to `io.log`), never
 * thrown, so that the caller's error path cannot overwrite the conclusion.
 * Appending is not idempotent, so a batch is retried only after a rate limit
 * (403/429: GitHub refused it, nothing was written), never after a 5xx, and
 * Octokit's retry plugin is told not to retry it either.
 */
export async function completeCheckRun(
  github: GitHub,
  pr: PullRequestRef,
  checkRunId: number,
  outcome: CheckRunOutcome,
  io: CheckRunIo = {},
): Promise<CompleteCheckRunResult> {
  const throttle = throttleOf(io);
  const base = {
    title: oneLineTitle(outcome.title),
    summary: fitBytes(outcome.summary, OUTPUT_MAX_BYTES),
    ...(outcome.text !== undefined ? { text: fitBytes(outcome.text, OUTPUT_MAX_BYTES) } : {}),
  };
  const batches = chunk(outcome.annotations, ANNOTATIONS_PER_REQUEST);
  const [first = [], ...rest] = batches;
  // Read once, outside the retried request: a retry after a 5xx sends the same body (when the review ended).
  const completedAt = iso(io);
  await throttle.write(() =>
    patchCheckRun(github, pr, checkRunId, {
      status: 'completed',
      conclusion: outcome.conclusion,
      completed_at: completedAt,
      output: { ...base, ...(first.length > 0 ? { annotations: first } : {}) },
    }),
  );
  const result: CompleteCheckRunResult = { annotationsSent: first.length, annotationsFailed: 0, errors: [] };
  for (const [i, batch] of rest.entries()) {
    try {
      await throttle.write(
        () =>
          patchCheckRun(github, pr, checkRunId, {
            output: { ...base, annotations: batch },
            // Probot's retry plugin would repeat a 5xx blindly; an append must not be.
            request: { retries: 0 },
          }),
        { idempotent: false },
      );
      result.annotationsSent += batch.length;
    } catch (error) {
      // The next batches are different annotations: they are still worth sending.
      result.annotationsFailed += batch.length;
      const reason = `annotation batch ${i + 2} of ${batches.length} (${batch.length} annotations): ${describeError(error)}`;
      result.errors.push(reason);
      io.log?.warn({ err: reason, checkRunId }, 'annotations could not be appended to the completed check run; its conclusion stands');
    }
  }
  return result;
}

export interface FailCheckRunOptions {
  name?: string;
  detailsUrl?: string;
}

/**
 * Ends the run after a crash, a timeout or an API error, with `conclusion`
 * (`failure` fails closed; `neutral` counts as passing a required check) and
 * the reason, with anything that looks like a credential redacted. Completes
 * `checkRunId` when there is one, and otherwise (or when that update fails)
 * creates a completed run. Returns the id of the run it completed.
 */
export async function failCheckRun(
  github: GitHub,
  pr: PullRequestRef,
  checkRunId: number | undefined,
  reason: unknown,
  conclusion: 'failure' | 'neutral',
  options: FailCheckRunOptions = {},
  io: CheckRunIo = {},
): Promise<number> {
  const throttle = throttleOf(io);
  const output = failureOutput(reason, conclusion);
  // Read once: a retried request sends the same body.
  const completedAt = iso(io);
  if (checkRunId !== undefined) {
    try {
      await throttle.write(() =>
        patchCheckRun(github, pr, checkRunId, {
          status: 'completed',
          conclusion,
          completed_at: completedAt,
          output,
        }),
      );
      return checkRunId;
    } catch {
      // The run may be gone or the update refused: a new completed run still ends the check.
    }
  }
  const { data } = await throttle.write(() =>
    github.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: pr.owner,
      repo: pr.repo,
      name: options.name ?? CHECK_NAME,
      head_sha: pr.headSha,
      status: 'completed',
      conclusion,
      completed_at: completedAt,
      output,
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
    }),
  );
  return Number(data.id);
}

const REASON_MAX_BYTES = 8 * 1024;

export function failureOutput(reason: unknown, conclusion: 'failure' | 'neutral'): { title: string; summary: string } {
  const text = fitBytes(describeError(reason), REASON_MAX_BYTES);
  const verdict =
    conclusion === 'failure'
      ? 'The check fails closed (`github.onError: failure`): re-run it once the cause is fixed.'
      : 'The check is neutral (`github.onError: neutral`), which GitHub counts as passing a required check.';
  const summary = ['## ⚠️ mesh-review could not review this pull request', '', verdict, '', '```text', text.replace(/`{3,}/g, '``\u200b`'), '```', ''].join(
    '\n',
  );
  return { title: 'mesh-review could not complete the review', summary: fitBytes(redactSecrets(summary), OUTPUT_MAX_BYTES) };
}

function oneLineTitle(s: string): string {
  return redactSecrets(s.replace(/[\r\n]+/g, ' '));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
