import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobKey, ReviewJob } from './job.js';

/**
 * The reviews in flight, on disk, so that a process killed mid-review (even
 * `kill -9`) is followed by one that finishes them: a JSON-lines log of
 * `put`/`done` records in `STATE_DIR`, appended synchronously (a line is
 * written before the webhook is answered), compacted at start.
 */
export class InflightStore {
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'inflight.jsonl');
  }

  /** The jobs a previous process left unfinished; the log is rewritten to hold just them. */
  load(): ReviewJob[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const live = new Map<string, ReviewJob>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue; // a line cut short by a crash
      }
      const r = record as { op?: string; key?: string; job?: unknown };
      if (r.op === 'done' && typeof r.key === 'string') live.delete(r.key);
      else if (r.op === 'put') {
        const job = ReviewJob.safeParse(r.job);
        if (job.success) live.set(jobKey(job.data), job.data);
      }
    }
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, [...live.values()].map((job) => `${JSON.stringify({ op: 'put', job })}\n`).join(''));
    renameSync(tmp, this.file);
    return [...live.values()];
  }

  put(job: ReviewJob): void {
    appendFileSync(this.file, `${JSON.stringify({ op: 'put', job })}\n`);
  }

  done(job: ReviewJob): void {
    appendFileSync(this.file, `${JSON.stringify({ op: 'done', key: jobKey(job) })}\n`);
  }
}
