import { jobKey, pullKey, type ReviewJob } from './job.js';

export type JobRunner = (job: ReviewJob, signal: AbortSignal) => Promise<unknown>;

interface Running {
  job: ReviewJob;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The in-process review queue. Fair across installations: one FIFO per
 * installation, served round-robin, so one organisation's fifty pull requests
 * wait behind each other, not in front of another organisation's one. A pull
 * request's jobs run one at a time (a `push` and a `ready` review of the same
 * head see each other's comments); a newer head of the same pull request
 * supersedes its queued and running reviews.
 */
export class FairQueue {
  private readonly queues = new Map<number, ReviewJob[]>();
  /** When each installation was last served (a tick count): the one served longest ago goes next. */
  private readonly served = new Map<number, number>();
  private tick = 0;
  private readonly running = new Map<string, Running>();
  private accepting = true;

  constructor(
    private readonly concurrency: number,
    private readonly runner: JobRunner,
    /** A queued job removed without running (superseded): its check run must still be completed. */
    private readonly onDropped: (job: ReviewJob, reason: unknown) => void,
  ) {}

  /** Whether a job with this key is queued or running. */
  has(key: string): boolean {
    return this.running.has(key) || [...this.queues.values()].some((q) => q.some((j) => jobKey(j) === key));
  }

  get size(): { queued: number; running: number } {
    let queued = 0;
    for (const q of this.queues.values()) queued += q.length;
    return { queued, running: this.running.size };
  }

  /**
   * Adds a job unless one with its key is already here. Jobs of the same pull
   * request for another head are superseded: dropped if queued, aborted with
   * `supersede(old)` if running.
   */
  add(job: ReviewJob, supersede: (old: ReviewJob) => unknown): boolean {
    if (!this.accepting || this.has(jobKey(job))) return false;
    const pull = pullKey(job);
    for (const [installation, q] of this.queues) {
      const kept = q.filter((old) => !(pullKey(old) === pull && old.headSha !== job.headSha));
      for (const old of q) if (!kept.includes(old)) this.onDropped(old, supersede(old));
      this.queues.set(installation, kept);
    }
    for (const r of this.running.values()) if (pullKey(r.job) === pull && r.job.headSha !== job.headSha) r.abort.abort(supersede(r.job));
    const q = this.queues.get(job.installationId) ?? [];
    q.push(job);
    this.queues.set(job.installationId, q);
    this.pump();
    return true;
  }

  private pump(): void {
    while (this.accepting && this.running.size < this.concurrency) {
      const next = this.takeNext();
      if (!next) return;
      const abort = new AbortController();
      const key = jobKey(next);
      const entry: Running = { job: next, abort, done: Promise.resolve() };
      this.running.set(key, entry);
      entry.done = this.runner(next, abort.signal)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.running.delete(key);
          this.pump();
        });
    }
  }

  /**
   * The first runnable job of the installation served longest ago (one never
   * served comes first). Kept per installation, so an installation whose queue
   * ran empty and filled again does not jump ahead of those that waited.
   */
  private takeNext(): ReviewJob | undefined {
    const busyPulls = new Set([...this.running.values()].map((r) => pullKey(r.job)));
    let best: { installation: number; at: number; served: number } | undefined;
    for (const [installation, q] of this.queues) {
      const served = this.served.get(installation) ?? -1;
      if (best && served >= best.served) continue;
      const at = q.findIndex((j) => !busyPulls.has(pullKey(j)));
      if (at >= 0) best = { installation, at, served };
    }
    if (!best) return undefined;
    const q = this.queues.get(best.installation)!;
    const [job] = q.splice(best.at, 1);
    if (q.length === 0) this.queues.delete(best.installation);
    this.served.set(best.installation, ++this.tick);
    return job;
  }

  /**
   * Stops taking work; running jobs get `graceMs` to finish, then are aborted
   * with `interrupt(job)` and awaited (their runner completes their check runs).
   * Returns the jobs still queued (their record stays on disk for the next process).
   */
  async stop(graceMs: number, interrupt: (job: ReviewJob) => unknown): Promise<ReviewJob[]> {
    this.accepting = false;
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    if ((await Promise.race([all().then(() => 'done' as const), graceOver])) === 'late') {
      for (const r of this.running.values()) r.abort.abort(interrupt(r.job));
      await all();
    }
    clearTimeout(timer);
    const left = [...this.queues.values()].flat();
    this.queues.clear();
    return left;
  }
}
