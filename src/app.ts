import type { Context, Probot } from 'probot';
import { loadAppConfig } from './github/appConfig.js';
import { CHECK_NAME, WriteThrottle, type WriteThrottleOptions } from './github/publish/index.js';
import { describeError } from './github/publish/secrets.js';
import { pullNumberOfExternalId, pullsOfOurRuns, reviewPullRequest } from './github/reviewPullRequest.js';
import { pullRequestRef, type GitHub, type PullRequestData } from './github/types.js';

/** Probot answers GitHub after 9 s and keeps running; a review still ends, one way or another, in this time. */
const REVIEW_TIMEOUT_MS = 5 * 60 * 1000;

type PullRequestPayload = Context<'pull_request'>['payload']['pull_request'];

/**
 * What a test (or an embedding) may change; production uses the defaults.
 * No environment variable: `probot run` loads the default export, which is
 * `createApp()` with nothing overridden.
 */
export interface AppOptions {
  /**
   * Options of the write throttle. One throttle per installation, shared by its
   * reviews, so that writes stay about a second apart (GitHub's advice against
   * secondary rate limits) however many pull requests are reviewed at once.
   */
  throttle?: WriteThrottleOptions;
  /** Default 5 minutes. */
  timeoutMs?: number;
}

/** The Probot app: thin wiring from GitHub events to the shared review. */
export function createApp(options: AppOptions = {}): (probot: Probot) => void {
  const throttles = new Map<number, WriteThrottle>();
  const throttleFor = (installationId: number): WriteThrottle => {
    let throttle = throttles.get(installationId);
    if (!throttle) throttles.set(installationId, (throttle = new WriteThrottle(options.throttle)));
    return throttle;
  };

  /**
   * Jobs for one head commit run one after another, so that a `pull_request` and a
   * `check_suite` event for the same push, or a redelivery, see what the other posted.
   */
  const queues = new Map<string, Promise<unknown>>();
  function serialized<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(job, job);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  }
  const keyOf = (context: Context, sha: string) => {
    // Context of every event types owner and repo as never (some events have no repository); these all have one.
    const { owner, repo }: { owner: string; repo: string } = context.repo();
    return `${owner}/${repo}@${sha}`;
  };

  /**
   * The app's own login (`<slug>[bot]`), read once per process with the app's
   * JWT (`GET /app`) and only when a review reads earlier threads. If it cannot
   * be read, the review goes on and any author's marker counts, with a warning:
   * a missing inline comment is better than a review that never ends.
   */
  let login: Promise<string | undefined> | undefined;
  const appLogin = (probot: Probot) => (): Promise<string | undefined> =>
    (login ??= probot
      .auth()
      .then((octokit) => octokit.request('GET /app'))
      .then(({ data }) => (data?.slug ? `${data.slug}[bot]` : undefined))
      .catch((error: unknown) => {
        login = undefined;
        probot.log.warn({ err: describeError(error) }, "the app's login could not be read; threads are recognised by their markers alone");
        return undefined;
      }));

  /** Runs the review; the caller holds the queue of `pr.head.sha`. */
  const review = (context: Context, pr: PullRequestData, probot: Probot) =>
    reviewPullRequest({
      github: withoutBlindRetries(context.octokit),
      pr: pullRequestRef(pr),
      changedFiles: pr.changed_files ?? 0,
      loadConfig: () => loadAppConfig((file) => context.config(file)),
      log: context.log,
      mode: 'publish',
      deliveryId: context.id,
      appLogin: appLogin(probot),
      throttle: throttleFor((context.payload as { installation?: { id?: number } }).installation?.id ?? 0),
      timeoutMs: options.timeoutMs ?? REVIEW_TIMEOUT_MS,
    });

  /** Reviews the pull request as it is now (its head may have moved on since the event). */
  const reviewCurrent = async (context: Context, number: number, probot: Probot) => {
    const pull = await fetchPull(context, number);
    await serialized(keyOf(context, pull.head.sha), () => review(context, pull, probot));
  };

  /**
   * `owner/repo@sha#number`: the pull request heads whose review a
   * `check_suite.requested` started in this process. The same push also sends
   * `pull_request.synchronize`, which stands down for them: whichever of the
   * two events reaches the head's queue first reviews it, and the other sees
   * that and does nothing (one check run per pushed head). Bounded: the oldest
   * entries go first.
   */
  const suiteReviewed = new Set<string>();
  const SUITE_REVIEWED_MAX = 10_000;
  const markSuiteReviewed = (key: string) => {
    suiteReviewed.add(key);
    if (suiteReviewed.size > SUITE_REVIEWED_MAX) suiteReviewed.delete(suiteReviewed.values().next().value!);
  };

  /**
   * `check_suite.requested`: review the pull request unless its head already has
   * a run. The check and the review are ONE job in the head's queue, so that no
   * `pull_request` event for the same head can start a review in between. If the
   * pull request's head has moved on since the push, the new head is checked
   * and reviewed the same way, in its own queue (after this job, not inside it).
   */
  const reviewRequestedSuite = async (context: Context, headSha: string, number: number, probot: Probot) => {
    const checkAndReview = async (sha: string, known?: PullRequestData): Promise<PullRequestData | undefined> => {
      const key = `${keyOf(context, sha)}#${number}`;
      if (suiteReviewed.has(key) || (await hasRun(context, sha))) return undefined;
      const pull = known ?? (await fetchPull(context, number));
      if (pull.head.sha !== sha) return pull;
      markSuiteReviewed(key);
      await review(context, pull, probot);
      return undefined;
    };
    const movedTo = await serialized(keyOf(context, headSha), () => checkAndReview(headSha));
    if (movedTo) await serialized(keyOf(context, movedTo.head.sha), () => checkAndReview(movedTo.head.sha, movedTo));
  };

  return (probot: Probot): void => {
    probot.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], async (context) => {
      const pull = context.payload.pull_request as PullRequestPayload & PullRequestData;
      const key = keyOf(context, pull.head.sha);
      await serialized(key, async () => {
        if (context.payload.action === 'synchronize' && suiteReviewed.has(`${key}#${pull.number}`)) {
          context.log.info({ pr: pull.number, head: pull.head.sha }, 'this push is already reviewed (check_suite.requested)');
          return;
        }
        await review(context, pull, probot);
      });
    });

    probot.on('check_run.rerequested', async (context) => {
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      // GitHub leaves `pull_requests` empty when the head is in a fork; the run's external id names the pull request.
      const fromExternalId = pullNumberOfExternalId(run.external_id);
      const numbers = run.pull_requests.length > 0 ? run.pull_requests.map((p) => p.number) : fromExternalId !== undefined ? [fromExternalId] : [];
      for (const number of numbers) await reviewCurrent(context, number, probot);
    });

    probot.on(['check_suite.requested', 'check_suite.rerequested'], async (context) => {
      const suite = context.payload.check_suite;
      const ctx = context as unknown as Context;
      let numbers = suite.pull_requests.map((p) => p.number);
      // As for check runs, a fork's suite lists no pull request: a re-run finds it through the run we created.
      if (numbers.length === 0 && context.payload.action === 'rerequested') numbers = await pullsOfOurRuns(ctx.octokit, ctx.repo(), suite.id);
      for (const number of numbers) {
        // A push to a pull request also sends `pull_request.synchronize`; run once per head commit.
        if (context.payload.action === 'requested') await reviewRequestedSuite(ctx, suite.head_sha, number, probot);
        else await reviewCurrent(ctx, number, probot);
      }
    });
  };
}

/** The app `probot run` loads: production defaults. */
const app: (probot: Probot) => void = createApp();
export default app;

/**
 * Probot's retry plugin repeats any request that failed with a 5xx, POSTs
 * included. Creating a check run, a review or a reply is not safe to repeat
 * blindly (GitHub may have done it before failing; a duplicate check run would
 * stay `in_progress` forever), so the shared code retries those itself after
 * checking what exists; for them the plugin is turned off. Reads, PATCHes and
 * GraphQL keep it.
 */
export function withoutBlindRetries(octokit: Context['octokit']): GitHub {
  const request = (route: string, params?: Record<string, unknown>) =>
    route.startsWith('POST /repos/')
      ? octokit.request(route, { ...params, request: { ...(params?.request as object | undefined), retries: 0 } })
      : octokit.request(route, params);
  return { request: request as unknown as GitHub['request'], graphql: octokit.graphql };
}

async function fetchPull(context: Context, number: number): Promise<PullRequestData> {
  const { owner, repo } = context.repo();
  const { data } = await context.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number });
  return data;
}

async function hasRun(context: Context, sha: string): Promise<boolean> {
  const { owner, repo } = context.repo();
  const { data } = await context.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner,
    repo,
    ref: sha,
    check_name: CHECK_NAME,
    per_page: 1,
  });
  return data.total_count > 0;
}
