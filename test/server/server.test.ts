import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, checkSuiteRequested, post, postStreaming, pullRequestEvent, requestedAction, waitFor } from './appProcess.js';
import { makePull } from './pulls.js';
import { hasRedis, startRedis } from './redis.js';
import { GitHubStandIn, type StandInRun } from './standIn.js';

/**
 * The app as operators run it: `npm start` in a child process, signed
 * deliveries over loopback HTTP, a GitHub stand-in on 127.0.0.1, and for the
 * multi-replica mode a real redis-server. One file: the app is built once.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
}, 120_000);

async function setup(env: Record<string, string> = {}) {
  const gh = new GitHubStandIn();
  await gh.start();
  const stateDir = mkdtempSync(join(tmpdir(), 'mesh-review-state-'));
  cleanups.push(
    () => gh.stop(),
    () => rmSync(stateDir, { recursive: true, force: true }),
  );
  const launch = async () => {
    const app = new AppProcess(gh.port, { STATE_DIR: stateDir, WRITE_INTERVAL_MS: '20', REVIEW_THREADS: '1', ...env });
    cleanups.push(() => app.stop());
    await app.start();
    return app;
  };
  return { gh, launch, stateDir };
}

const completed = (runs: StandInRun[]) => runs.length > 0 && runs.every((r) => r.status === 'completed');

describe('the server (npm start, real HTTP)', () => {
  it("answers at once with a queued run, reviews off the request, and a redelivery or the same push's other event reuses the run", async () => {
    const { gh, launch } = await setup();
    const app = await launch();
    const pull = makePull({ number: 7, installationId: 11, kind: 'demo' });
    gh.addPull(pull);
    const first = await app.deliver('pull_request', pullRequestEvent('opened', pull), 'delivery-1');
    expect(first.status).toBe(200);
    await app.deliver('pull_request', pullRequestEvent('opened', pull), 'delivery-1');
    await app.deliver('check_suite', checkSuiteRequested(pull), 'delivery-2');
    await waitFor(
      () => completed(gh.runsOf(pull.owner, pull.repo, pull.headSha)) && gh.reviews.length > 0,
      30_000,
      () => app.lines.join('\n') + JSON.stringify([...gh.runs.values()]) + gh.requests.join('\n'),
    );
    const runs = gh.runsOf(pull.owner, pull.repo, pull.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('failure');
    expect(gh.requests.filter((r) => r.startsWith('POST') && r.endsWith('/check-runs'))).toHaveLength(1);
    expect(gh.reviews).toHaveLength(1);
  }, 60_000);

  it('refuses a body above 25 MB before buffering it, and logs no body', async () => {
    const { launch } = await setup();
    const app = await launch();
    const headers = { 'x-github-event': 'push', 'x-github-delivery': 'big', 'x-hub-signature-256': 'sha256=00', 'content-type': 'application/json' };
    // Declared too large: refused on the headers, after at most the first MiB was sent.
    const declared = await postStreaming(app.port, headers, { declared: 200 * 1024 * 1024, maxBytes: 200 * 1024 * 1024 });
    expect(declared.status).toBe(413);
    expect(declared.sentBytes).toBeLessThan(20 * 1024 * 1024);
    // Chunked, no length: refused as it crosses 25 MB, long before 200 MiB.
    const chunked = await postStreaming(app.port, headers, { maxBytes: 200 * 1024 * 1024 });
    expect(chunked.status).toBe(413);
    expect(chunked.sentBytes).toBeLessThan(60 * 1024 * 1024);
    const unsigned = await post(app.port, '/api/github/webhooks', '{"secret-body-marker":1}', {
      'x-github-event': 'push',
      'x-github-delivery': 'bad',
      'x-hub-signature-256': 'sha256=00',
      'content-type': 'application/json',
    });
    expect(unsigned.status).toBe(401);
    expect((await app.ping()).status).toBe(200);
    expect(app.lines.join('\n')).not.toContain('secret-body-marker');
    expect(app.lines.join('\n')).not.toContain('aaaaaaaa');
  }, 60_000);

  it('a hostile pull request is stopped by the time bound and fails closed with a Re-run button, while /ping and another installation are served', async () => {
    const { gh, launch } = await setup({ REVIEW_TIME_LIMIT_MS: '3000', REVIEW_THREADS: '1' });
    const app = await launch();
    const hostile = makePull({ number: 1, installationId: 21, kind: 'hostile', principals: 20_000 });
    const other = makePull({ number: 2, installationId: 22, kind: 'harmless' });
    gh.addPull(hostile);
    gh.addPull(other);
    expect((await app.deliver('pull_request', pullRequestEvent('opened', hostile))).status).toBe(200);
    // Wait until the hostile review holds the worker, then serve others meanwhile.
    await waitFor(
      () =>
        gh.runsOf(hostile.owner, hostile.repo, hostile.headSha)[0]?.status === 'in_progress' &&
        gh.requests.some((r) => r.includes(`/codeload/${hostile.owner}/`)),
      20_000,
    );
    expect((await app.ping()).status).toBe(200);
    expect((await app.deliver('pull_request', pullRequestEvent('opened', other))).status).toBe(200);
    await waitFor(
      () => completed(gh.runsOf(other.owner, other.repo, other.headSha)),
      30_000,
      () => app.lines.join('\n'),
    );
    await waitFor(
      () => completed(gh.runsOf(hostile.owner, hostile.repo, hostile.headSha)),
      30_000,
      () => app.lines.join('\n'),
    );
    const [run] = gh.runsOf(hostile.owner, hostile.repo, hostile.headSha);
    expect(run!.conclusion).toBe('failure');
    expect(run!.output?.title).toMatch(/^analysis-incomplete: the analysis (did not finish within 3 s|needed more than \d+ MB of memory)/);
    expect(run!.output?.summary).toMatch(/REVIEW_TIME_LIMIT_MS|REVIEW_MEMORY_MB/);
    expect(run!.actions).toEqual([expect.objectContaining({ identifier: 'rerun', label: 'Re-run' })]);
    expect(gh.runsOf(other.owner, other.repo, other.headSha)[0]!.conclusion).toBe('success');
    // The Re-run button: a new run for the same head, the old one stays completed.
    await app.deliver('check_run', requestedAction(hostile, run!));
    await waitFor(
      () => gh.runsOf(hostile.owner, hostile.repo, hostile.headSha).length === 2 && completed(gh.runsOf(hostile.owner, hostile.repo, hostile.headSha)),
      30_000,
    );
  }, 120_000);

  it('kill -9 mid-review, then a restart: the same check run is completed', async () => {
    const { gh, launch } = await setup();
    const pull = makePull({ number: 3, installationId: 31, kind: 'demo' });
    gh.addPull(pull);
    gh.stalled.add(pull.headSha);
    const first = await launch();
    await first.deliver('pull_request', pullRequestEvent('opened', pull));
    await waitFor(
      () =>
        gh.runsOf(pull.owner, pull.repo, pull.headSha)[0]?.status === 'in_progress' &&
        gh.requests.some((r) => r.endsWith(pull.headSha) && r.includes('/codeload/')),
      20_000,
    );
    first.signal('SIGKILL');
    await first.exited;
    gh.release();
    expect(gh.runsOf(pull.owner, pull.repo, pull.headSha)[0]!.status).toBe('in_progress');
    const second = await launch();
    await waitFor(
      () => completed(gh.runsOf(pull.owner, pull.repo, pull.headSha)),
      30_000,
      () => second.lines.join('\n'),
    );
    const runs = gh.runsOf(pull.owner, pull.repo, pull.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('failure');
    expect(runs[0]!.output?.title).not.toMatch(/Interrupted|could not/);
  }, 90_000);

  it('SIGTERM mid-review: stops taking work, completes the running review as interrupted with a Re-run button, exits 0', async () => {
    const { gh, launch } = await setup({ SHUTDOWN_GRACE_MS: '500' });
    const pull = makePull({ number: 4, installationId: 41, kind: 'demo' });
    gh.addPull(pull);
    gh.stalled.add(pull.headSha);
    const app = await launch();
    await app.deliver('pull_request', pullRequestEvent('opened', pull));
    await waitFor(
      () =>
        gh.runsOf(pull.owner, pull.repo, pull.headSha)[0]?.status === 'in_progress' &&
        gh.requests.some((r) => r.endsWith(pull.headSha) && r.includes('/codeload/')),
      20_000,
    );
    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
    const [run] = gh.runsOf(pull.owner, pull.repo, pull.headSha);
    expect(run!.status).toBe('completed');
    expect(run!.conclusion).toBe('failure');
    expect(run!.output?.title).toMatch(/^Interrupted/);
    expect(run!.actions).toEqual([expect.objectContaining({ identifier: 'rerun' })]);
  }, 60_000);

  it('a check run whose completing PATCH keeps failing is completed later by the reconciler', async () => {
    const { gh, launch } = await setup({ RECONCILE_INTERVAL_MS: '1000', GITHUB_RETRY_BASE_MS: '10' });
    const pull = makePull({ number: 5, installationId: 51, kind: 'harmless' });
    gh.addPull(pull);
    const app = await launch();
    // The first run the stand-in creates gets id 1000; its PATCHes fail (retries included) for a while.
    gh.failingPatches.set(1000, 30);
    await app.deliver('pull_request', pullRequestEvent('opened', pull));
    await waitFor(
      () => gh.runs.get(1000)?.status === 'completed',
      60_000,
      () => app.lines.join('\n') + JSON.stringify([...gh.runs.values()].map((r) => [r.id, r.status, r.conclusion])) + gh.requests.join('\n'),
    );
    expect(gh.runs.get(1000)!.conclusion).toBe('success');
    expect(gh.failingPatches.get(1000)).toBe(0);
    // No second run beside it: the verdict is on the head's one run.
    expect(gh.runsOf(pull.owner, pull.repo, pull.headSha)).toHaveLength(1);
  }, 90_000);

  it('50 pull requests over 10 installations at once: every delivery answered, one queued run per head, every run completed', async () => {
    const { gh, launch } = await setup({ REVIEW_THREADS: '2' });
    const app = await launch();
    const pulls = Array.from({ length: 50 }, (_, i) => makePull({ number: i + 1, installationId: 60 + (i % 10), kind: 'harmless' }));
    for (const p of pulls) gh.addPull(p);
    const answers = await Promise.all(pulls.map((p) => app.deliver('pull_request', pullRequestEvent('opened', p))));
    expect(answers.map((a) => a.status)).toEqual(pulls.map(() => 200));
    const runs = () => pulls.map((p) => gh.runsOf(p.owner, p.repo, p.headSha));
    await waitFor(
      () => runs().every(completed),
      90_000,
      () => app.lines.slice(-20).join('\n'),
    );
    expect(runs().map((r) => r.length)).toEqual(pulls.map(() => 1));
    expect(new Set(runs().map((r) => r[0]!.conclusion))).toEqual(new Set(['success']));
  }, 120_000);

  it('at start, asks GitHub to redeliver the deliveries that failed while it was down, once per delivery', async () => {
    const { gh, launch } = await setup();
    const pull = makePull({ number: 8, installationId: 81, kind: 'harmless' });
    gh.addPull(pull);
    const recent = new Date(Date.now() - 60_000).toISOString();
    gh.deliveries.push(
      { id: 501, guid: 'failed-guid', delivered_at: recent, redelivery: false, status_code: 502, event: 'pull_request' },
      { id: 502, guid: 'ok-guid', delivered_at: recent, redelivery: false, status_code: 200, event: 'pull_request' },
      { id: 503, guid: 'old-guid', delivered_at: new Date(Date.now() - 7 * 3600_000).toISOString(), redelivery: false, status_code: 0, event: 'pull_request' },
    );
    const asked: number[] = [];
    // eslint-disable-next-line prefer-const -- assigned once, after the redelivery hook that refers to it is set
    let app: AppProcess | undefined;
    gh.onRedeliver = (id) => {
      asked.push(id);
      // GitHub sends the delivery again, with its original GUID.
      if (id === 501) setTimeout(() => void app!.deliver('pull_request', pullRequestEvent('opened', pull), 'failed-guid'), 10);
    };
    app = await launch();
    await waitFor(
      () => completed(gh.runsOf(pull.owner, pull.repo, pull.headSha)),
      30_000,
      () => app.lines.join('\n'),
    );
    expect(asked).toEqual([501]);
  }, 60_000);

  it('a run of this app left in progress beyond the bound by a process that is gone (its STATE_DIR lost) is completed as interrupted when its head comes up again', async () => {
    const { gh, launch } = await setup();
    const pull = makePull({ number: 21, installationId: 31, kind: 'demo' });
    gh.addPull(pull);
    // A user's re-run of this head, taken up an hour ago by a process that died with its record.
    const hourAgo = Date.now() - 3600_000;
    gh.runs.set(9999, {
      id: 9999,
      owner: pull.owner,
      repo: pull.repo,
      head_sha: pull.headSha,
      name: 'mesh-review',
      external_id: `mesh-review-pr-${pull.number}-0123456789abcdef`,
      status: 'in_progress',
      conclusion: null,
      output: { title: 'Reviewing' },
      actions: undefined,
      createdAt: hourAgo,
      startedAt: hourAgo,
      completedAt: undefined,
    });
    const app = await launch();
    await app.deliver('pull_request', pullRequestEvent('synchronize', pull));
    await waitFor(
      () => completed(gh.runsOf(pull.owner, pull.repo, pull.headSha)) && gh.runsOf(pull.owner, pull.repo, pull.headSha).length === 2,
      30_000,
      () => app.lines.join('\n'),
    );
    const orphan = gh.runs.get(9999)!;
    expect(orphan.conclusion).toBe('failure');
    expect(orphan.output?.title).toMatch(/^Interrupted/);
    expect(orphan.actions).toEqual([expect.objectContaining({ identifier: 'rerun' })]);
    const [review] = gh.runsOf(pull.owner, pull.repo, pull.headSha).filter((r) => r.id !== 9999);
    expect(review!.conclusion).toBe('failure');
    expect(review!.output?.title).not.toMatch(/^Interrupted/);
  }, 60_000);

  it("a newer push supersedes the running review: the old head's run is completed (neutral), the new head is reviewed", async () => {
    const { gh, launch } = await setup();
    const older = makePull({ number: 9, installationId: 91, kind: 'demo' });
    const newer = makePull({ number: 9, installationId: 91, kind: 'harmless' });
    gh.addPull(older);
    gh.stalled.add(older.headSha);
    const app = await launch();
    await app.deliver('pull_request', pullRequestEvent('opened', older));
    await waitFor(() => gh.requests.some((r) => r.endsWith(older.headSha) && r.includes('/codeload/')), 20_000);
    gh.addPull(newer);
    await app.deliver('pull_request', pullRequestEvent('synchronize', newer));
    await waitFor(
      () => completed(gh.runsOf(older.owner, older.repo, older.headSha)) && completed(gh.runsOf(newer.owner, newer.repo, newer.headSha)),
      30_000,
      () => app.lines.join('\n'),
    );
    const [old] = gh.runsOf(older.owner, older.repo, older.headSha);
    expect(old!.conclusion).toBe('neutral');
    expect(old!.output?.title).toBe('Superseded by a newer push');
    expect(gh.runsOf(newer.owner, newer.repo, newer.headSha)[0]!.conclusion).toBe('success');
  }, 60_000);
});

/** A real redis-server, the GitHub stand-in, and two app processes (as `npm start` runs them) sharing that Redis. */
async function twoReplicas(): Promise<{ gh: GitHubStandIn; a: AppProcess; b: AppProcess }> {
  const redis = await startRedis();
  cleanups.push(() => void redis.child.kill('SIGKILL'));
  const gh = new GitHubStandIn();
  await gh.start();
  cleanups.push(() => gh.stop());
  const replicas: AppProcess[] = [];
  for (let i = 0; i < 2; i++) {
    const stateDir = mkdtempSync(join(tmpdir(), 'mesh-review-replica-'));
    const app = new AppProcess(gh.port, { REDIS_URL: redis.url, STATE_DIR: stateDir, WRITE_INTERVAL_MS: '20', REVIEW_THREADS: '1' });
    cleanups.push(
      () => rmSync(stateDir, { recursive: true, force: true }),
      () => app.stop(),
    );
    await app.start();
    replicas.push(app);
  }
  const [a, b] = replicas as [AppProcess, AppProcess];
  return { gh, a, b };
}

describe.skipIf(!hasRedis)('two replicas on one Redis (BullMQ)', () => {
  it('each head is reviewed once, whichever replica gets which event', async () => {
    const { gh, a, b } = await twoReplicas();
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
    await waitFor(
      () => runs().every((r) => r.length > 0 && r.every((x) => x.status === 'completed')) && gh.reviews.length >= pulls.length,
      60_000,
      () => [...a.lines, ...b.lines].slice(-30).join('\n'),
    );
    expect(runs().map((r) => r.length)).toEqual(pulls.map(() => 1));
    expect(runs().map((r) => r[0]!.conclusion)).toEqual(pulls.map(() => 'failure'));
    expect(gh.reviews.map((r) => r.pull).sort()).toEqual(pulls.map((p) => `${p.owner}/${p.repo}#${p.number}`).sort());
  }, 120_000);

  it('a newer push delivered to the other replica supersedes the review running on the first', async () => {
    const { gh, a, b } = await twoReplicas();
    const older = makePull({ number: 9, installationId: 91, kind: 'demo' });
    const newer = makePull({ number: 9, installationId: 91, kind: 'harmless' });
    gh.addPull(older);
    gh.stalled.add(older.headSha);
    await a.deliver('pull_request', pullRequestEvent('opened', older));
    await waitFor(() => gh.requests.some((r) => r.endsWith(older.headSha) && r.includes('/codeload/')), 20_000);
    gh.addPull(newer);
    await b.deliver('pull_request', pullRequestEvent('synchronize', newer));
    const both = () => [...a.lines, ...b.lines].slice(-40).join('\n');
    await waitFor(
      () => completed(gh.runsOf(older.owner, older.repo, older.headSha)) && completed(gh.runsOf(newer.owner, newer.repo, newer.headSha)),
      30_000,
      both,
    );
    const [old] = gh.runsOf(older.owner, older.repo, older.headSha);
    expect(gh.runsOf(older.owner, older.repo, older.headSha)).toHaveLength(1);
    expect(old!.conclusion).toBe('neutral');
    expect(old!.output?.title).toBe('Superseded by a newer push');
    expect(gh.runsOf(newer.owner, newer.repo, newer.headSha)).toHaveLength(1);
    expect(gh.runsOf(newer.owner, newer.repo, newer.headSha)[0]!.conclusion).toBe('success');
  }, 90_000);
});
