import type { Context, Probot } from 'probot';
import { withoutBlindRetries } from '../app.js';
import { loadAppConfig } from '../github/appConfig.js';
import { CHECK_NAME, completeStoppedRun, createQueuedRun, headRuns, RERUN_ACTION, WriteThrottle, type HeadRun } from '../github/publish/index.js';
import { describeError } from '../github/publish/secrets.js';
import { pullNumberOfExternalId, pullsOfOurRuns, reviewPullRequest, type AnalyseInput } from '../github/reviewPullRequest.js';
import { StoppedReview } from '../github/stoppedReview.js';
import { pullRequestRef, type GitHub, type PullRequestData } from '../github/types.js';
import type { ReviewResult } from '../pipeline/reviewResult.js';
import { FairQueue } from './fairQueue.js';
import type { InflightStore } from './inflightStore.js';
import { externalIdOf, jobKey, pullKey, type ReviewJob } from './job.js';
import { redeliverFailed } from './redeliver.js';
import { RedisReviewQueue } from './redisQueue.js';

type Octokit = Context['octokit'];

/** What a handler needs of a delivery. */
interface Delivery {
  id: string;
  installationId: number;
  owner: string;
  repo: string;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

/** The fields of the events the server handles (GitHub's webhook payloads, read loosely). */
interface EventPayload {
  action?: string;
  installation?: { id?: number };
  repository?: { name?: string; owner?: { login?: string } };
  pull_request?: { number: number; head: { sha: string } };
  check_suite?: { id: number; head_sha: string; pull_requests: Array<{ number: number }> };
  check_run?: { name: string; head_sha: string; external_id: string | null; pull_requests: Array<{ number: number }> };
  requested_action?: { identifier?: string };
}

export interface ReviewServiceOptions {
  store: InflightStore;
  /** Runs the engine (the worker pool); absent: on the main thread. */
  analyse?: (input: AnalyseInput, signal: AbortSignal) => Promise<ReviewResult>;
  /** Reviews running at once (their GitHub I/O; the analyses wait for a worker thread). */
  concurrency: number;
  /** The whole review's bound (downloads included). */
  timeoutMs: number;
  /** How often jobs left in the record (a check run whose completion failed) are taken up again. */
  reconcileMs: number;
  /** Least time between two writes of one installation (GitHub's advice: about a second). */
  writeIntervalMs?: number;
  /** Failed webhook deliveries younger than this are redelivered at start (and each reconcile after). 0: never. */
  redeliverWindowMs?: number;
  /** More than one replica: BullMQ on this Redis instead of the in-process queue and the on-disk record. */
  redisUrl?: string;
}

const superseded = (): StoppedReview =>
  new StoppedReview({
    conclusion: 'neutral',
    title: 'Superseded by a newer push',
    summary: 'A newer commit was pushed to this pull request; its review replaces this one.',
    rerun: false,
  });

const interrupted = (): StoppedReview =>
  new StoppedReview({
    conclusion: 'failure',
    title: 'Interrupted: mesh-review was restarted during this review',
    summary:
      'The server was stopped (a deploy or a restart) before this review finished. The check fails closed; press **Re-run** to review the pull request again.',
    rerun: true,
  });

/**
 * The app as a server runs it: webhook handlers only record and enqueue (GitHub
 * is answered at once); a check run is created `queued` per head and trigger
 * right away; reviews run from a fair queue, their analyses in worker threads.
 * Every job is in the on-disk record until its check run is completed.
 */
export class ReviewService {
  private readonly queue: FairQueue;
  private readonly throttles = new Map<number, WriteThrottle>();
  /** Check runs being created at the door, by job key. */
  private readonly announcing = new Map<string, Promise<{ id: number; completed: boolean } | undefined>>();
  /** Job keys completed in this process (bounded): a redelivery of a finished head is not reviewed again. */
  private readonly finished = new Set<string>();
  private reconciler: NodeJS.Timeout | undefined;
  private probot: Probot | undefined;
  private login: Promise<string | undefined> | undefined;
  private stopping = false;

  private readonly redis: RedisReviewQueue | undefined;

  constructor(private readonly options: ReviewServiceOptions) {
    this.queue = new FairQueue(
      options.concurrency,
      (job, signal) => this.run(job, signal),
      (job, reason) => void this.stopQueued(job, reason),
    );
    this.redis = options.redisUrl
      ? new RedisReviewQueue(options.redisUrl, (job, signal) => this.run(job, signal), {
          concurrency: options.concurrency,
          lockMs: options.timeoutMs + 60_000,
          isAnnouncedHere: (job) => this.announcing.has(jobKey(job)),
          superseded: (job) => this.movedOn(job).then((moved) => (moved ? superseded() : undefined)),
        })
      : undefined;
  }

  /** The Probot instance whose app credentials, logger and config plugin the reviews use. */
  attach(probot: Probot): void {
    this.probot = probot;
  }

  /**
   * A verified delivery. Dispatched here rather than through `probot.on`:
   * Probot builds each event's context with an installation client first,
   * which fetches an installation token before any handler runs, so GitHub
   * would wait for a token request. Enqueuing needs only the payload.
   */
  async receive(event: { id: string; name: string; payload: unknown }): Promise<void> {
    const payload = event.payload as EventPayload;
    const installationId = payload.installation?.id;
    const owner = payload.repository?.owner?.login;
    const repo = payload.repository?.name;
    if (installationId === undefined || owner === undefined || repo === undefined) return;
    const at: Delivery = {
      id: event.id,
      installationId,
      owner,
      repo,
      log: this.probot!.log.child({ delivery: event.id, event: `${event.name}.${payload.action}` }),
    };
    const kind = `${event.name}.${payload.action}`;
    if (['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'].includes(kind) && payload.pull_request) {
      const pull = payload.pull_request;
      await this.accept(at, pull.number, pull.head.sha, payload.action === 'ready_for_review' ? 'ready' : 'push');
    } else if ((kind === 'check_suite.requested' || kind === 'check_suite.rerequested') && payload.check_suite) {
      const suite = payload.check_suite;
      let numbers = suite.pull_requests.map((p) => p.number);
      // A fork's suite lists no pull request: a re-run finds it through the runs we created.
      if (numbers.length === 0 && payload.action === 'rerequested') numbers = await pullsOfOurRuns(await this.octokit(at.installationId), at, suite.id);
      for (const n of numbers) await this.accept(at, n, suite.head_sha, payload.action === 'requested' ? 'push' : `rerun:${event.id}`);
    } else if ((kind === 'check_run.rerequested' || kind === 'check_run.requested_action') && payload.check_run) {
      const run = payload.check_run;
      if (run.name !== CHECK_NAME) return;
      if (payload.action === 'requested_action' && payload.requested_action?.identifier !== RERUN_ACTION) return;
      // GitHub leaves `pull_requests` empty when the head is in a fork; the run's external id names the pull request.
      const fromExternalId = pullNumberOfExternalId(run.external_id);
      const numbers = run.pull_requests.length > 0 ? run.pull_requests.map((p) => p.number) : fromExternalId !== undefined ? [fromExternalId] : [];
      for (const n of numbers) await this.accept(at, n, run.head_sha, `rerun:${event.id}`);
    }
  }

  /** Takes up the jobs a previous process left (kill -9, a failed completion) and keeps doing so periodically. */
  start(): void {
    let since = Date.now() - (this.options.redeliverWindowMs ?? 0);
    this.redis?.start();
    const reconcile = () => {
      if (!this.redis) this.requeueRecorded();
      if (!this.options.redeliverWindowMs) return;
      const from = since;
      since = Date.now();
      redeliverFailed(this.probot!, from)
        .then((n) => n > 0 && this.probot!.log.info({ redelivered: n }, 'asked GitHub to redeliver failed webhook deliveries'))
        .catch((e: unknown) => this.probot!.log.warn({ err: describeError(e) }, 'failed deliveries could not be listed or redelivered'));
    };
    reconcile();
    this.reconciler = setInterval(reconcile, this.options.reconcileMs);
    this.reconciler.unref();
  }

  /**
   * Stop taking work; running reviews get `graceMs` to finish, the rest are
   * completed as interrupted (with a Re-run button). Queued jobs stay in the
   * record: their runs are `queued`, never in progress, and the next process takes them up.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.reconciler);
    if (this.redis) await this.redis.stop(graceMs);
    else await this.queue.stop(graceMs, interrupted);
  }

  get backlog(): { queued: number; running: number } {
    return this.redis ? this.redis.backlog : this.queue.size;
  }

  private requeueRecorded(): void {
    for (const job of this.options.store.load()) {
      const key = jobKey(job);
      if (this.queue.has(key)) continue;
      this.queue.add(job, superseded);
    }
  }

  private async accept(context: Delivery, number: number, headSha: string, trigger: string): Promise<void> {
    if (this.stopping) return;
    const { installationId, owner, repo } = context;
    const job: ReviewJob = { installationId, owner, repo, number, headSha, trigger, deliveryId: context.id, enqueuedAt: Date.now() };
    const key = jobKey(job);
    const known = this.finished.has(key) || this.queue.has(key);
    // Another replica may be reviewing an older head of this pull request: it watches this key.
    if (this.redis && !known && (trigger === 'push' || trigger === 'ready')) await this.redis.setLatestHead(job);
    // On disk (or in Redis) before GitHub is answered: a crash from here on is recovered.
    if (known || (this.redis ? !(await this.redis.add(job)) : (this.options.store.put(job), false))) {
      context.log.info({ job: key }, 'this head and trigger is already queued or reviewed');
      return;
    }
    // Created at once, not when a review slot frees up; the review waits for it (set before
    // the queue can start the job, so that the job finds it).
    const announced = this.announce(job)
      .then(async (run) => {
        await this.redis?.setCheckRun(job, run.id);
        return run;
      })
      .catch((e: unknown) => {
        context.log.warn({ err: describeError(e), job: key }, 'the queued check run could not be created; the review creates it');
        return undefined;
      });
    this.announcing.set(key, announced);
    if (!this.redis) this.queue.add(job, superseded);
  }

  private throttleFor(installationId: number): WriteThrottle {
    let t = this.throttles.get(installationId);
    if (!t)
      this.throttles.set(
        installationId,
        (t = new WriteThrottle(this.options.writeIntervalMs !== undefined ? { minIntervalMs: this.options.writeIntervalMs } : {})),
      );
    return t;
  }

  private async octokit(installationId: number): Promise<Octokit> {
    return await this.probot!.auth(installationId);
  }

  /** The head's run for this job: reused if GitHub has it (redelivery, restart), else created `queued`. */
  private async announce(job: ReviewJob): Promise<{ id: number; completed: boolean }> {
    const github = withoutBlindRetries(await this.octokit(job.installationId));
    const throttle = this.throttleFor(job.installationId);
    const externalId = externalIdOf(job);
    const runs = job.checkRunId === undefined ? await headRuns(github, job, throttle) : [];
    const found = runs.find((r) => r.externalId === externalId);
    await this.completeOrphans(github, job, runs, throttle);
    const id = job.checkRunId ?? found?.id ?? (await createQueuedRun(github, job, externalId, throttle));
    if (job.checkRunId === undefined) this.options.store.put({ ...job, checkRunId: id });
    job.checkRunId = id;
    return { id, completed: found?.status === 'completed' };
  }

  /**
   * Runs of this head left `in_progress` longer than a review can run (its
   * bound plus a minute) belong to no live review: the process that held them
   * died (kill -9 with its STATE_DIR lost, or a replica whose Redis job is
   * gone). They are completed as interrupted, with a Re-run button. Seen only
   * for heads some event brings here; `queued` runs are left alone (they may
   * wait behind a backlog longer than the bound).
   */
  private async completeOrphans(github: GitHub, job: ReviewJob, runs: HeadRun[], throttle: WriteThrottle): Promise<void> {
    const staleBefore = Date.now() - this.options.timeoutMs - 60_000;
    for (const run of runs) {
      if (run.status !== 'in_progress' || !(run.startedAt < staleBefore)) continue;
      this.probot?.log.warn({ checkRunId: run.id, job: jobKey(job) }, 'a check run left in progress beyond the review bound is completed as interrupted');
      await completeStoppedRun(github, job, run.id, interrupted().outcome, throttle);
    }
  }

  /** Reviews one job; true when its check run is completed (the job is done), false to try again later. */
  private async run(job: ReviewJob, signal: AbortSignal): Promise<boolean> {
    const key = jobKey(job);
    const log = this.probot!.log.child({ job: key });
    try {
      const announced = (await this.announcing.get(key)) ?? (await this.announce(job));
      this.announcing.delete(key);
      if (announced.completed) return this.finish(job);
      const octokit = await this.octokit(job.installationId);
      const github = withoutBlindRetries(octokit);
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: job.owner, repo: job.repo, pull_number: job.number });
      const pull = data as unknown as PullRequestData;
      const throttle = this.throttleFor(job.installationId);
      if (pull.head.sha !== job.headSha) {
        // The pull request moved on while this waited: the old head's run is completed, the new head reviewed.
        await completeStoppedRun(github, job, announced.id, superseded().outcome, throttle);
        const next = { ...job, headSha: pull.head.sha, trigger: 'push', checkRunId: undefined, enqueuedAt: Date.now() };
        if (this.redis) await this.redis.add(next);
        else this.queue.add(next, superseded);
        return this.finish(job);
      }
      const pr = pullRequestRef(pull);
      const outcome = await reviewPullRequest({
        github,
        pr,
        changedFiles: pull.changed_files ?? 0,
        loadConfig: () => loadAppConfig((file) => readConfig(octokit, job, file)),
        log,
        mode: 'publish',
        deliveryId: job.deliveryId,
        appLogin: () => this.appLogin(),
        throttle,
        timeoutMs: this.options.timeoutMs,
        checkRunId: announced.id,
        attemptId: externalIdOf(job),
        ...(this.options.analyse ? { analyse: this.options.analyse } : {}),
        signal,
      });
      // The review completed another run (its PATCH of ours kept failing): ours stays in the record, for the reconciler.
      if (outcome.checkRunId === announced.id) return this.finish(job);
      log.error({ checkRunId: announced.id }, 'the check run could not be completed; it is retried later');
      return false;
    } catch (e) {
      log.error({ err: describeError(e) }, 'the review job failed; it is retried later');
      return false;
    }
  }

  /** Whether GitHub says the pull request's head is no longer this job's (a newer push). */
  private async movedOn(job: ReviewJob): Promise<boolean> {
    const octokit = await this.octokit(job.installationId);
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: job.owner, repo: job.repo, pull_number: job.number });
    return (data as { head: { sha: string } }).head.sha !== job.headSha;
  }

  /** A queued job dropped for a newer head: its run is completed as the reason says. */
  private async stopQueued(job: ReviewJob, reason: unknown): Promise<void> {
    const key = jobKey(job);
    try {
      const announced = await this.announcing.get(key);
      this.announcing.delete(key);
      const id = announced?.id ?? job.checkRunId;
      if (id !== undefined && reason instanceof StoppedReview) {
        const github = withoutBlindRetries(await this.octokit(job.installationId));
        await completeStoppedRun(github, job, id, reason.outcome, this.throttleFor(job.installationId));
      }
      this.finish(job);
    } catch (e) {
      this.probot?.log.warn({ err: describeError(e), job: key }, 'a superseded check run could not be completed; it is retried later');
    }
  }

  private finish(job: ReviewJob): true {
    const key = jobKey(job);
    if (!this.redis) this.options.store.done(job);
    this.finished.add(key);
    if (this.finished.size > 10_000) this.finished.delete(this.finished.values().next().value!);
    return true;
  }

  /** The app's own login (`<slug>[bot]`), read once with the app's JWT. */
  private appLogin(): Promise<string | undefined> {
    return (this.login ??= this.probot!.auth()
      .then((octokit) => octokit.request('GET /app'))
      .then(({ data }) => (data?.slug ? `${data.slug}[bot]` : undefined))
      .catch(() => {
        this.login = undefined;
        return undefined;
      }));
  }
}

/** Probot's `context.config` without a context: the default branch's file, `_extends` followed. */
async function readConfig(octokit: Octokit, job: ReviewJob, fileName: string): Promise<unknown> {
  const { config, files } = await octokit.config.get({ owner: job.owner, repo: job.repo, path: `.github/${fileName}` });
  return files.some((f) => f.config !== null) ? config : null;
}

export { pullKey };
