import { describe, expect, it } from 'vitest';
import { BASE_SHA, CHECK_RUN_ID, HEAD_SHA, startApp, useFakeGitHub, pullRequestEvent, type AppUnderTest, type StartOptions } from './harness.js';
import { parseCommentFingerprints } from '../../src/github/publish/markers.js';
import { anchors, demoPullRequest, meshWidePullRequest, mockReview } from './scenario.js';

/** GitHub's limits and the app's own: annotation batches, the inline comment cap, write spacing. */
const fake = useFakeGitHub();
const gh = () => fake.gh();

async function start(options: StartOptions = {}): Promise<AppUnderTest> {
  const app = await startApp(options);
  fake.setApp(app);
  return app;
}

const opened = (app: AppUnderTest, changedFiles: number) =>
  app.probot.receive({ id: 'c3d4e5f6-5e2b-11ef-9f0b-2c2a1e0d9a11', name: 'pull_request', payload: pullRequestEvent('opened', { changedFiles }) } as never);

describe('limits', () => {
  it('a mesh-wide weakening: annotations go 50 per request (the conclusion first), and one inline comment on the line that caused them all', async () => {
    const app = await start();
    const pr = meshWidePullRequest(11);
    gh().installationToken();
    gh().createCheckRun();
    const { length: changedFiles } = gh().pullFiles(pr.base, pr.head);
    gh().config(null);
    gh().tarball(BASE_SHA, pr.base);
    gh().tarball(HEAD_SHA, pr.head);
    gh().updateCheckRun();
    gh().updateCheckRun();
    gh().updateCheckRun();
    gh().appIdentity();
    gh().threads();
    gh().pull();
    gh().postReview();

    await opened(app, changedFiles);

    const patches = gh()
      .sent('PATCH', /\/check-runs\/\d+$/)
      .map((r) => r.body as { status?: string; conclusion?: string; output: { annotations?: unknown[] } });
    expect(patches.map((p) => p.output.annotations?.length)).toEqual([50, 50, 12]);
    // The verdict is in the first request, so a failure while appending annotations cannot leave the run in progress.
    expect(patches[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(patches[1]!.status).toBeUndefined();
    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run.annotations).toHaveLength(112);
    // 55 workloads, and any workload yet to be deployed (`any-namespace/*`), lose mTLS; each is also reachable in plaintext.
    expect(run.output!.title).toBe('56 critical-severity weakenings: mTLS no longer required on pods in any other namespace …');

    const [review] = gh().reviews();
    // Every finding has the same cause: one comment about all of them, not 112 (nor 30) on one line.
    expect(anchors(review)).toEqual(['mesh/mtls.yaml:9:RIGHT']);
    const [comment] = review!.comments;
    expect(parseCommentFingerprints(comment!.body)).toHaveLength(112);
    expect(comment!.body).toMatch(/^\*\*🔴 112 findings caused by this line, worst critical\*\*$/m);
    expect(comment!.body).toContain('team-11/api-5:8080');
    expect(Buffer.byteLength(comment!.body)).toBeLessThanOrEqual(65_536);
    expect(review!.body).toMatch(/^112 findings on this commit, all in 1 inline comment below\.$/m);
  });

  it('`github.maxInlineComments` caps the inline comments; the rest go to the body', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), config: 'github:\n  maxInlineComments: 1\n', review: 'post' });

    await opened(app, changedFiles);

    const [review] = gh().reviews();
    expect(anchors(review)).toEqual(['checkout/authz.yaml:24:RIGHT']);
    expect(review!.body).toContain('5 findings on this commit: 1 inline comment below, 4 listed here.');
  });

  it('writes are spaced a second apart by default (one throttle per installation), on a clock the test controls', async () => {
    // Production spacing (1 s); only the clock and the sleep are the test's: the clock moves only when the app sleeps.
    let clock = Date.UTC(2026, 0, 1);
    const sleeps: number[] = [];
    const app = await start({
      throttle: {
        minIntervalMs: 1000,
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
      },
    });
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), review: 'post' });

    await opened(app, changedFiles);

    // Three writes (create, complete, review): two waits of a full second.
    expect(
      gh()
        .calls()
        .filter((c) => !c.startsWith('GET') && !c.includes('meshReviewThreads')),
    ).toHaveLength(3);
    expect(sleeps).toEqual([1000, 1000]);
  });
});
