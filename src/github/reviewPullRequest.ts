import { renderSides } from '../render/renderSides.js';
import { randomUUID } from 'node:crypto';
import type { ConfigResult } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import { ParseCache } from '../manifests/parseCache.js';
import { reviewSnapshots } from '../pipeline/review.js';
import type { ReviewResult } from '../pipeline/reviewResult.js';
import { PROJECT_URL } from '../report/projectUrl.js';
import { hasManifestExtension, selectFiles } from '../sources/selectFiles.js';
import { commentableLines } from './commentableLines.js';
import {
  awaitsSettling,
  completeCheckRun,
  CHECK_NAME,
  failCheckRun,
  failureOutput,
  planCheckRun,
  planReview,
  publishReview,
  readExistingThreads,
  startCheckRun,
  syncReview,
  WriteThrottle,
  type CheckRunOutcome,
  type PublishReviewOutcome,
  type ReviewPlan,
} from './publish/index.js';
import { describeError } from './publish/secrets.js';
import { listPullFiles } from './pullFiles.js';
import { fetchSnapshot } from './snapshot.js';
import type { GitHub, PullRequestRef } from './types.js';
import type { Snapshot } from '../sources/snapshot.js';
import { StoppedReview } from './stoppedReview.js';
import { completeStoppedRun, markInProgress } from './publish/checkRunLifecycle.js';

const DOCS_BASE_URL = PROJECT_URL;

/** The subset of pino (Probot's logger) the review uses. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ReviewPullRequestInput {
  github: GitHub;
  pr: PullRequestRef;
  /** `changed_files` of the pull request: tells whether GitHub's file list is complete. */
  changedFiles: number;
  /** Reads the configuration of the default branch (never the head). */
  loadConfig: () => Promise<ConfigResult>;
  log: Log;
  /** `publish` writes the check run and the review; `dry-run` only reads and plans (the `pr` command). */
  mode: 'publish' | 'dry-run';
  deliveryId?: string;
  /**
   * The login the app posts as (`my-app[bot]`), read only when earlier threads
   * are: only markers it wrote count, so a marker pasted by someone else cannot
   * silence a finding. Absent or unknown: any author's marker counts.
   */
  appLogin?: () => Promise<string | undefined>;
  throttle?: WriteThrottle;
  /** The whole review must end within this time, or the check run ends with the timeout. */
  timeoutMs?: number;
  now?: () => number;
  /**
   * A run created earlier (`queued`, by the server at the webhook, or left by an
   * interrupted attempt): the review takes it over instead of creating one.
   */
  checkRunId?: number;
  /** The run's external id and the review's marker; a fresh one per attempt when absent. */
  attemptId?: string;
  /**
   * Runs the engine. Default: on this thread. The server runs it in a worker
   * thread with time and memory bounds; a bound rejects with a `StoppedReview`.
   */
  analyse?: (input: AnalyseInput, signal: AbortSignal) => Promise<ReviewResult>;
  /** Aborted (with a `StoppedReview` as reason) when a newer push or a shutdown stops this review. */
  signal?: AbortSignal;
}

/** What the engine needs: transferable data only (a worker thread receives a structured clone). */
export interface AnalyseInput {
  base: Snapshot;
  head: Snapshot;
  config: Config;
  /** Milliseconds since the epoch, when a clock is injected. */
  now?: number;
}

/** The engine on the calling thread. */
/** Kustomize roots and Helm charts are rendered here too: in a worker thread, the tools run as its child processes. */
export const analyseHere = async (input: AnalyseInput): Promise<ReviewResult> => {
  const cache = new ParseCache();
  const rendered = await renderSides(input.base, input.head, input.config, cache);
  return reviewSnapshots({
    base: input.base,
    head: input.head,
    config: input.config,
    cache,
    rendered,
    ...(input.now !== undefined ? { now: new Date(input.now) } : {}),
  });
};

export interface ReviewPullRequestOutcome {
  check: CheckRunOutcome;
  checkRunId: number | undefined;
  result: ReviewResult | undefined;
  /** What was (or, in a dry run, would be) posted as the review. */
  plan: ReviewPlan | undefined;
  published: PublishReviewOutcome | undefined;
}

/**
 * Identifies one attempt (the check run's `external_id`, the review's marker).
 * Unique per attempt: a redelivery carries the same delivery id, and a 5xx is
 * resolved by looking for *this* attempt's run or review, not an earlier one's.
 * It names the pull request because GitHub lists no pull request in the
 * `check_run` and `check_suite` events of a fork's head: a re-run finds it here.
 */
export function attemptId(pr: Pick<PullRequestRef, 'number'>, deliveryId: string | undefined): string {
  // The unique part comes before the delivery id: a review marker keeps the first 64 characters.
  const delivery = (deliveryId ?? '').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 36);
  return `mesh-review-pr-${pr.number}-${randomUUID().slice(0, 8)}${delivery ? `-${delivery}` : ''}`;
}

/** The pull request number an `attemptId` names, if `externalId` is one. */
export function pullNumberOfExternalId(externalId: string | null | undefined): number | undefined {
  const m = /^mesh-review-pr-(\d+)-/.exec(externalId ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The pull requests this app's runs in a check suite were for (read from their external ids): a re-requested suite names none. */
export async function pullsOfOurRuns(github: GitHub, repo: { owner: string; repo: string }, suiteId: number): Promise<number[]> {
  const { data } = await github.request('GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs', {
    owner: repo.owner,
    repo: repo.repo,
    check_suite_id: suiteId,
    check_name: CHECK_NAME,
    filter: 'all',
    per_page: 100,
  });
  return [...new Set(data.check_runs.map((r) => pullNumberOfExternalId(r.external_id)).filter((n): n is number => n !== undefined))];
}

class ReviewTimeout extends Error {
  constructor(ms: number) {
    super(`the review did not finish within ${Math.round(ms / 1000)} s`);
  }
}

/**
 * One pull request, end to end: a check run that always ends completed, and one
 * review per head commit. The app and `mesh-review pr` share every line of it;
 * only the GitHub client and `mode` differ.
 */
export async function reviewPullRequest(input: ReviewPullRequestInput): Promise<ReviewPullRequestOutcome> {
  const { github, pr, log } = input;
  const throttle = input.throttle ?? new WriteThrottle();
  const io = { throttle, ...(input.now ? { now: input.now } : {}) };
  const publish = input.mode === 'publish';
  let checkRunId: number | undefined;
  // Until the configuration is read, an error fails closed.
  let onError: Config['github']['onError'] = 'failure';
  const attempt = input.attemptId ?? attemptId(pr, input.deliveryId);
  try {
    if (publish && input.checkRunId !== undefined) {
      checkRunId = input.checkRunId;
      await markInProgress(github, pr, checkRunId, throttle);
    } else if (publish) checkRunId = await startCheckRun(github, pr, { externalId: attempt }, io);
    // A timeout ends the check; the abort stops the downloads (and the analysis) it leaves behind.
    const abort = new AbortController();
    const signal = input.signal ? AbortSignal.any([abort.signal, input.signal]) : abort.signal;
    const work = run(input, signal, (c) => (onError = c.github.onError));
    const outcome = await withTimeout(whileNotStopped(work, input.signal), input.timeoutMs).finally(() => abort.abort());
    if (publish && checkRunId !== undefined) await completeCheckRun(github, pr, checkRunId, outcome.check, { ...io, log });
    const published = publish && outcome.reviewable ? await publishReviewSafely(input, outcome.reviewable, throttle, attempt) : undefined;
    if (publish && outcome.check === NOTHING_CHANGED) await settleAllThreads(input, throttle);
    return { check: outcome.check, checkRunId, result: outcome.reviewable?.result, plan: outcome.plan ?? published?.plan, published };
  } catch (e) {
    if (e instanceof StoppedReview) return stopped(input, e, checkRunId, throttle);
    log.error({ err: describeError(e), pr: `${pr.owner}/${pr.repo}#${pr.number}`, head: pr.headSha }, 'review failed');
    const check = { conclusion: onError, title: 'mesh-review could not complete', summary: describeError(e), annotations: [] } as CheckRunOutcome;
    if (publish) {
      try {
        if (input.checkRunId !== undefined && checkRunId === input.checkRunId) {
          // The server's own run: only it may carry the verdict (a second run would outlive a later
          // completion of this one). If it cannot be completed now, the caller's reconciler retries.
          await completeStoppedRun(github, pr, checkRunId, { conclusion: onError, ...failureOutput(e, onError), rerun: true }, throttle);
        } else checkRunId = await failCheckRun(github, pr, checkRunId, e, onError, {}, io);
      } catch (e2) {
        log.error({ err: describeError(e2), head: pr.headSha }, 'the check run could not be completed');
        if (input.checkRunId !== undefined) checkRunId = undefined;
      }
    }
    return { check, checkRunId, result: undefined, plan: undefined, published: undefined };
  }
}

/** Rejects with the stop's reason as soon as `signal` aborts: the review's own work is abandoned (its signal stops it). */
function whileNotStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A review stopped by a bound, a newer push or a shutdown: its run is completed as the stop says, never left open. */
async function stopped(
  input: ReviewPullRequestInput,
  stop: StoppedReview,
  checkRunId: number | undefined,
  throttle: WriteThrottle,
): Promise<ReviewPullRequestOutcome> {
  const { github, pr, log } = input;
  log.warn({ pr: `${pr.owner}/${pr.repo}#${pr.number}`, head: pr.headSha, reason: stop.outcome.title }, 'review stopped');
  const check: CheckRunOutcome = {
    conclusion: stop.outcome.conclusion === 'neutral' ? 'neutral' : 'failure',
    title: stop.outcome.title,
    summary: stop.outcome.summary,
    annotations: [],
  };
  if (input.mode === 'publish' && checkRunId !== undefined) {
    try {
      await completeStoppedRun(github, pr, checkRunId, stop.outcome, throttle);
    } catch (e) {
      log.error({ err: describeError(e), head: pr.headSha }, 'the stopped check run could not be completed');
      throw e;
    }
  }
  return { check, checkRunId, result: undefined, plan: undefined, published: undefined };
}

/** A finished analysis, ready to become a review. */
interface Reviewable {
  result: ReviewResult;
  config: Config;
  commentable: ReturnType<typeof commentableLines>;
  renames: ReadonlyMap<string, string>;
}

interface WorkOutcome {
  check: CheckRunOutcome;
  reviewable?: Reviewable;
  /** Set in a dry run, where planning is the last step. */
  plan?: ReviewPlan;
}

async function run(input: ReviewPullRequestInput, signal: AbortSignal, onConfig: (c: Config) => void): Promise<WorkOutcome> {
  const { github, pr } = input;
  // The file list comes first: a pull request that touches no manifest-like file
  // (YAML, JSON) cannot change what any configuration selects, so it passes
  // without reading the configuration (two or three requests in all).
  const listing = await listPullFiles(github, pr, input.changedFiles, input.throttle);
  const touched = listing.files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
  if (listing.complete && !touched.some(hasManifestExtension)) return { check: NOTHING_CHANGED };
  const loaded = await input.loadConfig();
  if ('error' in loaded) {
    // A file that could not be fetched is not an invalid one; both fail the check, naming the problem.
    const unread = /: could not be read: /.test(loaded.error);
    return {
      check: {
        conclusion: 'failure',
        title: unread ? 'mesh-review configuration could not be read' : 'Invalid mesh-review configuration',
        summary: `The configuration on the default branch ${unread ? 'could not be read' : 'is invalid'}:\n\n\`\`\`\n${loaded.error}\n\`\`\``,
        annotations: [],
      },
    };
  }
  const config = loaded.config;
  onConfig(config);
  if (listing.complete && selectFiles(touched, config).length === 0) {
    // Nothing the engine reads changed: the effective policy cannot have changed either.
    return { check: NOTHING_CHANGED };
  }
  // GitHub diffs a pull request against the merge base: the base branch's tip would count
  // changes merged there since as this PR's, in reverse.
  const baseSha = await mergeBase(github, pr);
  const [base, head] = await Promise.all([
    fetchSnapshot(github, { owner: pr.owner, repo: pr.repo }, baseSha, config, { signal, throttle: input.throttle }),
    fetchSnapshot(github, { owner: pr.owner, repo: pr.repo }, pr.headSha, config, { signal, throttle: input.throttle }),
  ]);
  const analyse = input.analyse ?? analyseHere;
  const result = await analyse({ base, head, config, ...(input.now ? { now: input.now() } : {}) }, signal);
  const check = planCheckRun(result, config.failOn, { docsBaseUrl: DOCS_BASE_URL, onUnanalysed: config.github.onUnanalysed });
  // A truncated listing (more than 3,000 files) leaves files without a patch: their lines come from the snapshots.
  const commentable = commentableLines(listing.files, base, head, { complete: listing.complete });
  // A finding on the base side of a renamed file is commented on the new path, side LEFT.
  const renames = new Map(listing.files.filter((f) => f.status === 'renamed' && f.previousPath !== undefined).map((f) => [f.previousPath!, f.path] as const));
  const reviewable = { result, config, commentable, renames };
  if (input.mode === 'dry-run') {
    const appLogin = await input.appLogin?.();
    const existing = await readExistingThreads(github, pr, appLogin ? { appLogin } : {});
    const plan = planReview(result, commentable, existing, reviewOptions(reviewable));
    return { check, reviewable, plan };
  }
  return { check, reviewable };
}

const NOTHING_CHANGED: CheckRunOutcome = {
  conclusion: 'success',
  title: 'No mesh configuration changed',
  summary: 'This pull request changes no manifest that mesh-review reads.',
  annotations: [],
};

const reviewOptions = ({ config, renames }: Reviewable) => ({ maxComments: config.github.maxInlineComments, docsBaseUrl: DOCS_BASE_URL, renames });

/**
 * A pull request that no longer changes any manifest (its weakening was reverted)
 * has no finding left: the app's open threads are settled, resolved or answered,
 * so that none blocks a merge under "require conversation resolution". One
 * GraphQL read when there is nothing to settle.
 */
async function settleAllThreads(input: ReviewPullRequestInput, throttle: WriteThrottle): Promise<void> {
  try {
    const appLogin = await input.appLogin?.();
    const existing = await readExistingThreads(input.github, input.pr, { throttle, ...(appLogin ? { appLogin } : {}) });
    const open = existing.threads.filter(awaitsSettling);
    if (open.length === 0) return;
    await publishReview(input.github, input.pr, { comments: [], bodyFindings: [], newBodyFindings: [], fixedThreads: open }, { throttle });
  } catch (e) {
    input.log.warn({ err: describeError(e), pr: input.pr.number }, 'the threads of fixed findings could not be settled; the check run stands');
  }
}

/** The review is published after the check run is complete: a failure here leaves the gate's verdict standing. */
async function publishReviewSafely(
  input: ReviewPullRequestInput,
  reviewable: Reviewable,
  throttle: WriteThrottle,
  runId: string,
): Promise<(PublishReviewOutcome & { plan: ReviewPlan }) | undefined> {
  const { result, config, commentable } = reviewable;
  if (input.pr.draft && !config.github.commentOnDrafts) {
    input.log.info({ pr: input.pr.number }, 'draft pull request: inline comments wait for ready_for_review');
    return undefined;
  }
  try {
    const appLogin = await input.appLogin?.();
    return await syncReview(input.github, input.pr, result, commentable, {
      ...reviewOptions(reviewable),
      throttle,
      ...(appLogin ? { appLogin } : {}),
      runId,
    });
  } catch (e) {
    input.log.warn({ err: describeError(e), pr: input.pr.number }, 'review comments could not be posted; the check run stands');
    return undefined;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  if (!ms) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReviewTimeout(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The commit the pull request's diff starts from; the base sha when the comparison is unavailable. */
async function mergeBase(github: GitHub, pr: PullRequestRef): Promise<string> {
  try {
    const { data } = await github.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      owner: pr.owner,
      repo: pr.repo,
      basehead: `${pr.baseSha}...${pr.headSha}`,
      per_page: 1,
    });
    return data.merge_base_commit?.sha ?? pr.baseSha;
  } catch {
    return pr.baseSha;
  }
}
