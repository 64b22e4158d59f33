import { createHash } from 'node:crypto';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { jobKey, pullKey, type ReviewJob } from './job.js';

const QUEUE = 'mesh-review';
/** BullMQ's lowest priority (2^21); 1 is the highest. */
const MAX_PRIORITY = 2_097_152;
const backlogKey = (job: ReviewJob): string => `${QUEUE}:backlog:${job.installationId}`;

/** BullMQ job ids: the head-and-trigger key, hashed (ids must not contain `:`). */
const jobIdOf = (job: ReviewJob): string => createHash('sha256').update(jobKey(job)).digest('hex').slice(0, 40);

/** A pull request's newest pushed head, shared by the replicas. */
const headKey = (job: ReviewJob): string => `${QUEUE}:head:${pullKey(job)}`;

/** Finishes a job (true), or asks for a retry (false). */
export type RedisJobRunner = (job: ReviewJob, signal: AbortSignal) => Promise<boolean>;

/**
 * The queue for more than one replica: BullMQ on Redis (`REDIS_URL`). The job
 * id is the head and trigger, so two replicas that each receive an event of
 * the same push add one job; a job that fails is retried with exponential
 * backoff; a job whose replica died (kill -9) is "stalled" once its lock
 * lapses and is taken up by another replica. A pull request's jobs run one at
 * a time across replicas (a Redis lock per pull request; a job that finds it
 * held waits a second and tries again).
 * https://docs.bullmq.io/guide/jobs/job-ids, https://docs.bullmq.io/guide/workers/stalled-jobs
 */
export class RedisReviewQueue {
  private readonly redis: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private running = 0;

  constructor(
    url: string,
    private readonly runner: RedisJobRunner,
    private readonly options: {
      concurrency: number;
      lockMs: number;
      isAnnouncedHere: (job: ReviewJob) => boolean;
      /** Whether the pull request has really moved past this job's head (GitHub asked), and the reason to stop it with. */
      superseded: (job: ReviewJob) => Promise<unknown>;
      /** How often a running job looks at its pull request's latest head in Redis. */
      watchMs?: number;
    },
  ) {
    // BullMQ's blocking commands need maxRetriesPerRequest: null.
    this.redis = new Redis(url, { maxRetriesPerRequest: null });
    this.queue = new Queue(QUEUE, { connection: this.redis });
  }

  /**
   * Adds the job unless one with its id exists (queued, running, or finished within a day).
   * Fair across installations: a job's BullMQ priority is its installation's backlog at the
   * time it is added (1 for the first, 2 for the second, ...), so one installation's hundred
   * queued reviews interleave with another's first instead of running ahead of it (BullMQ's
   * groups, which do this exactly, are in BullMQ Pro only). The count is kept in Redis, shared
   * by the replicas, and expires if a replica dies with it raised.
   */
  async add(job: ReviewJob): Promise<boolean> {
    const id = jobIdOf(job);
    if (await this.queue.getJob(id)) return false;
    const backlog = backlogKey(job);
    const position = await this.redis.incr(backlog);
    await this.redis.pexpire(backlog, 3_600_000);
    await this.queue.add('review', job, {
      jobId: id,
      priority: Math.min(position, MAX_PRIORITY),
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return true;
  }

  /**
   * The newest head a push delivered for this pull request, shared by the
   * replicas: a review running on any replica sees it within `watchMs` and is
   * superseded (after GitHub confirms the pull request's head moved: a late
   * redelivery of an older push may write an older head here).
   */
  async setLatestHead(job: ReviewJob): Promise<void> {
    await this.redis.set(headKey(job), job.headSha, 'PX', 7 * 24 * 3600_000);
  }

  /** Records the run created at the door, for whichever replica takes the job. */
  async setCheckRun(job: ReviewJob, checkRunId: number): Promise<void> {
    const stored = await this.queue.getJob(jobIdOf(job));
    if (stored && (stored.data as ReviewJob).checkRunId === undefined) await stored.updateData({ ...(stored.data as ReviewJob), checkRunId });
  }

  start(): void {
    this.worker = new Worker(QUEUE, (job, token, signal) => this.process(job as Job<ReviewJob>, token, signal), {
      connection: new Redis(this.redis.options),
      concurrency: this.options.concurrency,
      lockDuration: 30_000,
      maxStalledCount: 2,
    });
    this.worker.on('error', () => undefined);
  }

  private async process(bjob: Job<ReviewJob>, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    const job = bjob.data;
    // The replica that received the event creates the queued run; another replica waits a moment for its id.
    const waitForRun = job.checkRunId === undefined && !this.options.isAnnouncedHere(job) && Date.now() - job.enqueuedAt < 10_000;
    const lock = `${QUEUE}:pull:${pullKey(job)}`;
    if (waitForRun || (await this.redis.set(lock, bjob.id!, 'PX', this.options.lockMs, 'NX')) !== 'OK') {
      await bjob.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
    this.running++;
    const supersede = new AbortController();
    let checking = false;
    const watch = setInterval(() => {
      if (checking || supersede.signal.aborted) return;
      checking = true;
      void this.redis
        .get(headKey(job))
        .then(async (latest) => {
          if (latest === null || latest === job.headSha) return;
          const reason = await this.options.superseded(job);
          if (reason !== undefined) supersede.abort(reason);
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, this.options.watchMs ?? 1000);
    try {
      const stop = signal ? AbortSignal.any([signal, supersede.signal]) : supersede.signal;
      if (!(await this.runner(job, stop))) throw new Error('the check run could not be completed: retried with backoff');
      // Done: one fewer in its installation's backlog (a retried job keeps its place until it completes).
      if ((await this.redis.decr(backlogKey(job))) < 0) await this.redis.set(backlogKey(job), 0);
    } finally {
      clearInterval(watch);
      this.running--;
      if ((await this.redis.get(lock)) === bjob.id) await this.redis.del(lock);
    }
  }

  get backlog(): { queued: number; running: number } {
    return { queued: -1, running: this.running };
  }

  /**
   * Stops taking jobs; running ones get `graceMs`, then the worker is closed
   * without waiting: their jobs go back to the queue (stalled, taken up by
   * another replica or the next start) rather than being failed here.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.worker) {
      const closing = this.worker.close();
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
      clearTimeout(timer);
      if (late) await this.worker.close(true);
    }
    await this.queue.close();
    this.redis.disconnect();
  }
}
