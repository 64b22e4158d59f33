import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewJob } from '../../src/server/job.js';
import { RedisReviewQueue } from '../../src/server/redisQueue.js';
import { waitFor } from './appProcess.js';
import { hasRedis, startRedis } from './redis.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const job = (installationId: number, number: number): ReviewJob => ({
  installationId,
  owner: `org-${installationId}`,
  repo: 'mesh',
  number,
  headSha: `sha-${installationId}-${number}`,
  trigger: 'push',
  deliveryId: `d-${installationId}-${number}`,
  checkRunId: 1,
  enqueuedAt: Date.now(),
});

describe.skipIf(!hasRedis)('the Redis queue (BullMQ on a real redis-server)', () => {
  it("is fair across installations: a backlog of one does not run ahead of another installation's first review", async () => {
    const redis = await startRedis();
    cleanups.push(() => void redis.child.kill('SIGKILL'));
    const ran: string[] = [];
    const queue = new RedisReviewQueue(
      redis.url,
      async (j) => {
        ran.push(`${j.installationId}#${j.number}`);
        await new Promise((r) => setTimeout(r, 20));
        return true;
      },
      { concurrency: 1, lockMs: 60_000, isAnnouncedHere: () => true, superseded: async () => undefined },
    );
    cleanups.push(() => queue.stop(1_000));
    for (let n = 1; n <= 8; n++) expect(await queue.add(job(1, n))).toBe(true);
    expect(await queue.add(job(2, 1))).toBe(true);
    expect(await queue.add(job(1, 1))).toBe(false); // the same head and trigger again: one job
    queue.start();
    await waitFor(
      () => ran.length === 9,
      30_000,
      () => ran.join(' '),
    );
    // Installation 2's only review runs second, not ninth.
    expect(ran.indexOf('2#1')).toBeLessThanOrEqual(1);
    expect(ran.filter((r) => r.startsWith('1#'))).toEqual(Array.from({ length: 8 }, (_, i) => `1#${i + 1}`));
  }, 60_000);
});
