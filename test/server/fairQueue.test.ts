import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/server/fairQueue.js';
import { jobKey, type ReviewJob } from '../../src/server/job.js';

const job = (installationId: number, number: number, headSha = `h${number}`, trigger = 'push'): ReviewJob => ({
  installationId,
  owner: `org${installationId}`,
  repo: 'r',
  number,
  headSha,
  trigger,
  deliveryId: 'd',
  enqueuedAt: 0,
});

/** A runner whose jobs end when the test says so. */
function manualRunner() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const aborted: Array<{ key: string; reason: unknown }> = [];
  const runner = (j: ReviewJob, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const key = jobKey(j);
      started.push(key);
      finish.set(key, resolve);
      signal.addEventListener('abort', () => {
        aborted.push({ key, reason: signal.reason });
        resolve();
      });
    });
  return { started, finish, aborted, runner };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('FairQueue', () => {
  it('serves installations round-robin: a backlog of one does not starve another', async () => {
    const m = manualRunner();
    const q = new FairQueue(1, m.runner, () => undefined);
    for (let n = 1; n <= 4; n++) q.add(job(1, n), () => 'superseded');
    q.add(job(2, 10), () => 'superseded');
    q.add(job(3, 20), () => 'superseded');
    for (let i = 0; i < 5; i++) {
      m.finish.get(m.started.at(-1)!)!();
      await flush();
    }
    expect(m.started.map((k) => k.split('#')[0])).toEqual(['org1/r', 'org2/r', 'org3/r', 'org1/r', 'org1/r', 'org1/r']);
  });

  it('one job per head and trigger; a newer head supersedes the queued and the running review of its pull request', async () => {
    const m = manualRunner();
    const dropped: ReviewJob[] = [];
    const q = new FairQueue(1, m.runner, (j) => dropped.push(j));
    expect(q.add(job(1, 1, 'a'), () => 'superseded')).toBe(true);
    expect(q.add(job(1, 1, 'a'), () => 'superseded')).toBe(false);
    expect(q.add(job(1, 2, 'x'), () => 'superseded')).toBe(true);
    // PR 2's head x is queued (PR 1 runs); a push to PR 2 drops it, a push to PR 1 aborts the running one.
    q.add(job(1, 2, 'y'), () => 'superseded');
    expect(dropped.map((j) => j.headSha)).toEqual(['x']);
    q.add(job(1, 1, 'b'), (old) => `superseded ${old.headSha}`);
    await flush();
    expect(m.aborted).toEqual([{ key: jobKey(job(1, 1, 'a')), reason: 'superseded a' }]);
    await flush();
    expect(m.started).toContain(jobKey(job(1, 2, 'y')));
  });

  it("runs a pull request's jobs one at a time", async () => {
    const m = manualRunner();
    const q = new FairQueue(4, m.runner, () => undefined);
    q.add(job(1, 1, 'a', 'push'), () => 'x');
    q.add(job(1, 1, 'a', 'ready'), () => 'x');
    await flush();
    expect(m.started).toHaveLength(1);
    m.finish.get(m.started[0]!)!();
    await flush();
    await flush();
    expect(m.started).toHaveLength(2);
  });
});
