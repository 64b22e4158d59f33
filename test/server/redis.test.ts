import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, checkSuiteRequested, pullRequestEvent, waitFor } from './appProcess.js';
import { makePull } from './pulls.js';
import { GitHubStandIn } from './standIn.js';

/** Debian's redis-server, started by the test on a free loopback port (.ci/run installs it). */
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) console.warn('redis-server is not installed: the multi-replica tests are skipped (apt-get install -y redis-server)');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += String(c)));
  await waitFor(() => out.includes('Ready to accept connections'), 10_000, () => out);
  return { url: `redis://127.0.0.1:${port}`, child };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  if (hasRedis) execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
}, 120_000);

describe.skipIf(!hasRedis)('two replicas on one Redis (BullMQ)', () => {
  it('each head is reviewed once, whichever replica gets which event', async () => {
    const redis = await startRedis();
    cleanups.push(() => void redis.child.kill('SIGKILL'));
    const gh = new GitHubStandIn();
    await gh.start();
    cleanups.push(() => gh.stop());
    const replicas: AppProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const stateDir = mkdtempSync(join(tmpdir(), 'mesh-review-replica-'));
      const app = new AppProcess(gh.port, { REDIS_URL: redis.url, STATE_DIR: stateDir, WRITE_INTERVAL_MS: '20', REVIEW_THREADS: '1' });
      cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }), () => app.stop());
      await app.start();
      replicas.push(app);
    }
    const [a, b] = replicas as [AppProcess, AppProcess];
    const pulls = Array.from({ length: 6 }, (_, i) => makePull({ number: i + 1, installationId: 200 + (i % 3), kind: 'demo' }));
    for (const p of pulls) gh.addPull(p);
    await Promise.all(
      pulls.map(async (p, i) => {
        const id = `delivery-${i}`;
        // The push's two events go to different replicas, and GitHub redelivers one of them to the other.
        expect((await a.deliver('pull_request', pullRequestEvent('opened', p), id)).status).toBe(200);
        expect((await b.deliver('check_suite', checkSuiteRequested(p))).status).toBe(200);
        expect((await b.deliver('pull_request', pullRequestEvent('opened', p), id)).status).toBe(200);
      }),
    );
    const runs = () => pulls.map((p) => gh.runsOf(p.owner, p.repo, p.headSha));
    await waitFor(() => runs().every((r) => r.length > 0 && r.every((x) => x.status === 'completed')) && gh.reviews.length >= pulls.length, 60_000, () => [...a.lines, ...b.lines].slice(-30).join('\n'));
    expect(runs().map((r) => r.length)).toEqual(pulls.map(() => 1));
    expect(runs().map((r) => r[0]!.conclusion)).toEqual(pulls.map(() => 'failure'));
    expect(gh.reviews.map((r) => r.pull).sort()).toEqual(pulls.map((p) => `${p.owner}/${p.repo}#${p.number}`).sort());
  }, 120_000);
});
