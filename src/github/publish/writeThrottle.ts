import { isServerError, viewError, type HttpErrorView } from './httpErrors.js';

/**
 * Every write mesh-review makes goes through one `WriteThrottle`:
 *
 * - writes are serialised and spaced at least `minIntervalMs` apart, as GitHub
 *   asks of integrations that create content (secondary rate limits);
 * - a secondary rate limit (403/429 with `retry-after`, or with
 *   `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, or a 403 that says so)
 *   is waited out: `retry-after` seconds, else until the reset, else an
 *   exponential backoff from 60 s; then retried, at most 3 times. Probot's
 *   throttling plugin only logs secondary limits, so this is what honours them;
 * - a 5xx is retried twice with a short backoff, but only for writes that are
 *   safe to repeat (`idempotent`, the default). Probot's retry plugin may retry
 *   underneath as well; ours stays bounded either way.
 *
 * Waits longer than `maxWaitMs` are not sat out: the error is thrown, so that
 * the caller can end the check run with a reason instead of hanging.
 */
export interface WriteThrottleOptions {
  /** Least time between the starts of two writes. Default 1000; 0 in tests. */
  minIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch; compared with `x-ratelimit-reset`. */
  now?: () => number;
  /** Retries after a rate limit. Default 3. */
  maxRateLimitRetries?: number;
  /** Retries after a 5xx. Default 2. */
  maxServerErrorRetries?: number;
  /** First backoff when a rate limit gives no time. Default 60 000, doubling. */
  rateLimitBackoffMs?: number;
  /** First backoff after a 5xx. Default 1 000, doubling. */
  serverErrorBackoffMs?: number;
  /** Longest single wait before giving up. Default 15 minutes. */
  maxWaitMs?: number;
  /** Told about each wait, for logging. Carries no request data. */
  onWait?: (event: WaitEvent) => void;
}

export interface WaitEvent {
  reason: 'spacing' | 'rate-limit' | 'server-error';
  waitMs: number;
  attempt: number;
  status?: number;
}

export interface CallOptions {
  /**
   * False for writes that must not be repeated blindly after a 5xx (GitHub may
   * have done the work before failing): the error is thrown for the caller to
   * check. Rate-limited requests were refused, so they are retried regardless.
   */
  idempotent?: boolean;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class WriteThrottle {
  private readonly minIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly maxRateLimitRetries: number;
  private readonly maxServerErrorRetries: number;
  private readonly rateLimitBackoffMs: number;
  private readonly serverErrorBackoffMs: number;
  private readonly maxWaitMs: number;
  private readonly onWait: ((event: WaitEvent) => void) | undefined;
  private lastWriteAt: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: WriteThrottleOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 3;
    this.maxServerErrorRetries = options.maxServerErrorRetries ?? 2;
    this.rateLimitBackoffMs = options.rateLimitBackoffMs ?? 60_000;
    this.serverErrorBackoffMs = options.serverErrorBackoffMs ?? 1_000;
    this.maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
    this.onWait = options.onWait;
  }

  /** Runs a write: after the previous write, spaced, with rate-limit and 5xx retries. */
  write<T>(fn: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    const run = this.queue.then(() => this.attempt(fn, true, options.idempotent ?? true));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs a read: not spaced or queued, but rate limits and 5xx are retried the same way. */
  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.attempt(fn, false, true);
  }

  private async attempt<T>(fn: () => Promise<T>, spaced: boolean, idempotent: boolean): Promise<T> {
    let rateLimited = 0;
    let serverErrors = 0;
    for (;;) {
      if (spaced) await this.space(rateLimited + serverErrors + 1);
      try {
        return await fn();
      } catch (error) {
        const view = viewError(error);
        const limit = rateLimitWaitMs(view, this.now(), rateLimited + 1, this.rateLimitBackoffMs);
        if (limit !== undefined) {
          if (rateLimited >= this.maxRateLimitRetries || limit > this.maxWaitMs) throw error;
          rateLimited += 1;
          await this.wait({ reason: 'rate-limit', waitMs: limit, attempt: rateLimited, ...(view.status ? { status: view.status } : {}) });
          continue;
        }
        if (isServerError(view) && idempotent && serverErrors < this.maxServerErrorRetries) {
          serverErrors += 1;
          const backoff = this.serverErrorBackoffMs * 2 ** (serverErrors - 1);
          await this.wait({ reason: 'server-error', waitMs: backoff, attempt: serverErrors, status: view.status! });
          continue;
        }
        throw error;
      }
    }
  }

  private async space(attempt: number): Promise<void> {
    if (this.lastWriteAt !== undefined && this.minIntervalMs > 0) {
      const due = this.lastWriteAt + this.minIntervalMs - this.now();
      if (due > 0) await this.wait({ reason: 'spacing', waitMs: due, attempt });
    }
    this.lastWriteAt = this.now();
  }

  private async wait(event: WaitEvent): Promise<void> {
    this.onWait?.(event);
    await this.sleep(event.waitMs);
  }
}

/**
 * How long a rate-limited request asks us to wait, or undefined when the error
 * is not a rate limit. `attempt` is 1 for the first retry (backoff 60 s, then 120, 240).
 */
export function rateLimitWaitMs(view: HttpErrorView, nowMs: number, attempt: number, backoffMs = 60_000): number | undefined {
  const graphqlLimited = view.graphqlTypes.includes('RATE_LIMITED');
  if (view.status !== 403 && view.status !== 429 && !graphqlLimited) return undefined;

  const retryAfter = parseRetryAfter(view.headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;

  const remaining = view.headers['x-ratelimit-remaining'];
  const reset = Number(view.headers['x-ratelimit-reset']);
  if (remaining === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs) + 1000;

  const saysSo = /secondary rate limit|rate limit exceeded|abuse detection/i.test(view.text);
  if (view.status === 429 || graphqlLimited || remaining === '0' || saysSo) return backoffMs * 2 ** (attempt - 1);
  return undefined;
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
