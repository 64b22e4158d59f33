import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, checkSuiteRequested, post, postStreaming, pullRequestEvent, requestedAction, waitFor } from './appProcess.js';
import { makePull } from './pulls.js';
import { GitHubStandIn, type StandInRun } from './standIn.js';

/**
 * The app as operators run it: `npm start` in a child process, signed
 * deliveries over loopback HTTP, a GitHub stand-in on 127.0.0.1.
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
  cleanups.push(() => gh.stop(), () => rmSync(stateDir, { recursive: true, force: true }));
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
  it('answers at once with a queued run, reviews off the request, and a redelivery or the same push\'s other event reuses the run', async () => {
    const { gh, launch } = await setup();
    const app = await launch();
    const pull = makePull({ number: 7, installationId: 11, kind: 'demo' });
    gh.addPull(pull);
    const first = await app.deliver('pull_request', pullRequestEvent('opened', pull), 'delivery-1');
    expect(first.status).toBe(200);
    await app.deliver('pull_request', pullRequestEvent('opened', pull), 'delivery-1');
    await app.deliver('check_suite', checkSuiteRequested(pull), 'delivery-2');
    await waitFor(() => completed(gh.runsOf(pull.owner, pull.repo, pull.headSha)) && gh.reviews.length > 0, 30_000, () => app.lines.join('\n') + JSON.stringify([...gh.runs.values()]) + gh.requests.join('\n'));
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
    const unsigned = await post(app.port, '/api/github/webhooks', '{"secret-body-marker":1}', { 'x-github-event': 'push', 'x-github-delivery': 'bad', 'x-hub-signature-256': 'sha256=00', 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect((await app.ping()).status).toBe(200);
    expect(app.lines.join('\n')).not.toContain('secret-body-marker');
    expect(app.lines.join('\n')).not.toContain('aaaaaaaa');
  }, 60_000);
});
