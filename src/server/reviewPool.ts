import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { AnalyseInput } from '../github/reviewPullRequest.js';
import { analysisIncomplete } from '../github/stoppedReview.js';
import type { ReviewResult } from '../pipeline/reviewResult.js';
import { toWire } from './reviewWorker.js';

export interface ReviewPoolOptions {
  /** Worker threads; default: as many as cores (`REVIEW_THREADS`). */
  threads: number;
  /** Wall-clock bound of one analysis, from the moment it has a thread (`REVIEW_TIME_LIMIT_MS`). */
  timeLimitMs: number;
  /** Old-generation heap bound of a worker thread (`REVIEW_MEMORY_MB`). */
  memoryMb: number;
}

export function poolOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ReviewPoolOptions {
  const int = (name: string, fallback: number) => {
    const n = Number(env[name]);
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return { threads: int('REVIEW_THREADS', availableParallelism()), timeLimitMs: int('REVIEW_TIME_LIMIT_MS', 120_000), memoryMb: int('REVIEW_MEMORY_MB', 1024) };
}

/**
 * The engine's analyses, in worker threads with hard bounds (piscina). The
 * time bound aborts the task: piscina then terminates its worker, which stops
 * CPU-bound work that no timer on the main thread could interrupt. The memory
 * bound is V8's `maxOldGenerationSizeMb`: a worker that exceeds it is ended by
 * Node with `ERR_WORKER_OUT_OF_MEMORY`, and the process lives on.
 * https://nodejs.org/api/worker_threads.html#new-workerfilename-options (resourceLimits)
 */
export class ReviewPool {
  private readonly pool: Piscina;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly options: ReviewPoolOptions) {
    this.pool = new Piscina({
      filename: new URL('./reviewWorker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: options.threads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
    });
  }

  /**
   * Runs one analysis. Tasks wait here (not in piscina's queue) for a thread, so
   * that the time bound counts running time only. Rejects with an
   * `analysis-incomplete` StoppedReview when a bound stops it, and with
   * `signal.reason` when the caller aborts.
   */
  async analyse(input: AnalyseInput, signal: AbortSignal): Promise<ReviewResult> {
    await this.slot(signal);
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(), this.options.timeLimitMs);
    try {
      return (await this.pool.run(toWire(input), { signal: AbortSignal.any([bound.signal, signal]) })) as ReviewResult;
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      if (bound.signal.aborted) throw analysisIncomplete('time', `${Math.round(this.options.timeLimitMs / 1000)} s`, 'REVIEW_TIME_LIMIT_MS');
      if ((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') throw analysisIncomplete('memory', `${this.options.memoryMb} MB`, 'REVIEW_MEMORY_MB');
      throw e;
    } finally {
      clearTimeout(timer);
      this.release();
    }
  }

  private slot(signal: AbortSignal): Promise<void> {
    if (this.running < this.options.threads) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const take = () => {
        signal.removeEventListener('abort', drop);
        this.running++;
        resolve();
      };
      const drop = () => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', drop, { once: true });
      this.waiting.push(take);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
