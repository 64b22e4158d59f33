import { describe, expect, it } from 'vitest';
import { FIXED_MARKER } from '../../src/github/publish/markers.js';
import type { ThreadSpec } from '../github/publish/graphqlFixtures.js';
import {
  APP_LOGIN,
  FIXED_SHA,
  HEAD_SHA,
  NEWER_SHA,
  startApp,
  useFakeGitHub,
  checkRunRerequested,
  checkSuiteEvent,
  pullRequestEvent,
  type AppUnderTest,
  type ReviewBody,
} from './harness.js';
import { anchors, demoPullRequest, fixedHead, mockReview, reviewCalls } from './scenario.js';
import { withFiles } from './fixtures/repo.js';

/**
 * No noise: whatever GitHub sends again (a redelivery, a re-run, a push that
 * changes nothing relevant), a finding is commented on once; a fixed finding's
 * thread is resolved, or answered when someone took part in it.
 */
const fake = useFakeGitHub();
const gh = () => fake.gh();
const DELIVERY = '9a1c7f00-5e2b-11ef-8f0b-2c2a1e0d9a11';

async function start(): Promise<AppUnderTest> {
  const app = await startApp();
  fake.setApp(app);
  return app;
}

/** What GitHub lists after the app posted `review`: one thread per inline comment (GraphQL logins have no `[bot]`), and the review. */
function existingAfter(review: ReviewBody, options: { oid?: string; replies?: Record<number, string>; outdated?: boolean } = {}) {
  const threads: ThreadSpec[] = review.comments.map((c, i) => ({
    id: `PRRT_kwDOthread${i}`,
    path: c.path,
    comments: [
      { author: APP_LOGIN, body: c.body, databaseId: 7001 + i },
      ...(options.replies?.[i] ? [{ author: 'alice', body: options.replies[i], databaseId: 7101 + i }] : []),
    ],
  }));
  return { threads, reviews: [{ author: APP_LOGIN, body: review.body, oid: options.oid ?? HEAD_SHA }] };
}

/** Runs the demo review once and returns what was posted. */
async function firstReview(app: AppUnderTest): Promise<ReviewBody> {
  const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), review: 'post' });
  await app.probot.receive({ id: DELIVERY, name: 'pull_request', payload: pullRequestEvent('opened', { changedFiles }) } as never);
  const [review] = gh().reviews();
  expect(anchors(review)).toHaveLength(4);
  return review!;
}

describe('no duplicate comments', () => {
  it('a redelivery of the same event (same delivery id) re-runs the check but posts no second review', async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;

    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), checkRunId: 4243, tokenCached: true, ...existingAfter(review), review: 'skip' });
    await app.probot.receive({ id: DELIVERY, name: 'pull_request', payload: pullRequestEvent('opened', { changedFiles }) } as never);

    expect(gh().calls().slice(before)).toEqual(reviewCalls({ checkRunId: 4243, review: 'skip', loginCached: true }));
    expect(gh().reviews()).toHaveLength(1);
    expect(gh().runs.get(4243)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    // Two attempts of one delivery are still told apart (their check runs' external ids differ).
    const [first, second] = gh()
      .sent('POST', /\/check-runs$/)
      .map((r) => (r.body as { external_id: string }).external_id);
    expect(first).not.toBe(second);
    expect(first).toContain(DELIVERY);
  });

  it('check_run.rerequested: the app creates a new run on the head and comments nothing twice', async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;

    const pr = demoPullRequest();
    gh().pull({ changedFiles: 7 });
    mockReview(gh(), { ...pr, checkRunId: 4243, tokenCached: true, ...existingAfter(review), review: 'skip' });
    await app.probot.receive({ id: 'delivery-rerun', name: 'check_run', payload: checkRunRerequested() } as never);

    expect(gh().calls().slice(before)).toEqual([
      'GET /repos/acme/mesh-config/pulls/12',
      ...reviewCalls({ checkRunId: 4243, review: 'skip', loginCached: true }),
    ]);
    expect(gh().reviews()).toHaveLength(1);
    expect(gh().runs.get(4243)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('check_run.rerequested for another check (not mesh-review) is ignored', async () => {
    const app = await start();
    await app.probot.receive({ id: 'delivery-other', name: 'check_run', payload: checkRunRerequested({ name: 'lint' }) } as never);
    expect(gh().requests).toEqual([]);
  });

  it('check_suite.rerequested ("Re-run all checks") reviews again without a second review', async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;

    gh().pull({ changedFiles: 7 });
    mockReview(gh(), { ...demoPullRequest(), checkRunId: 4243, tokenCached: true, ...existingAfter(review), review: 'skip' });
    await app.probot.receive({ id: 'delivery-suite', name: 'check_suite', payload: checkSuiteEvent('rerequested') } as never);

    expect(gh().calls().slice(before)).toEqual([
      'GET /repos/acme/mesh-config/pulls/12',
      ...reviewCalls({ checkRunId: 4243, review: 'skip', loginCached: true }),
    ]);
    expect(gh().reviews()).toHaveLength(1);
  });

  it('a force-push that rewrites the commit but not the manifests: the threads, now outdated, still count', async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;

    const existing = existingAfter(review);
    const { changedFiles } = mockReview(gh(), {
      ...demoPullRequest(),
      headSha: NEWER_SHA,
      checkRunId: 4243,
      tokenCached: true,
      ...existing,
      outdated: true,
      review: 'skip',
    });
    await app.probot.receive({
      id: 'delivery-force',
      name: 'pull_request',
      payload: pullRequestEvent('synchronize', { headSha: NEWER_SHA, changedFiles }),
    } as never);

    expect(gh().calls().slice(before)).toEqual(reviewCalls({ headSha: NEWER_SHA, checkRunId: 4243, review: 'skip', loginCached: true }));
    expect(gh().reviews()).toHaveLength(1);
    expect((gh().checkRunWrites().at(-2)!.body as { head_sha: string }).head_sha).toBe(NEWER_SHA);
  });
});

describe('only the app’s own markers count', () => {
  it('threads and reviews that carry its markers but were written by someone else silence nothing (the login comes from GET /app)', async () => {
    const app = await start();
    const review = await firstReview(app);
    expect(gh().calls()).toContain('GET /app');
    const before = gh().calls().length;

    // Someone pastes the app's comments, markers and all, into threads and a review of their own.
    const copied = existingAfter(review);
    const pasted = {
      threads: copied.threads.map((t) => ({ ...t, comments: t.comments.map((c) => ({ ...c, author: 'mallory' })) })),
      reviews: copied.reviews.map((r) => ({ ...r, author: 'mallory' })),
    };
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), headSha: NEWER_SHA, checkRunId: 4243, tokenCached: true, ...pasted, review: 'post' });
    await app.probot.receive({
      id: 'delivery-pasted',
      name: 'pull_request',
      payload: pullRequestEvent('synchronize', { headSha: NEWER_SHA, changedFiles }),
    } as never);

    // The login is read once per process.
    expect(gh().calls().slice(before)).toEqual(reviewCalls({ headSha: NEWER_SHA, checkRunId: 4243, review: 'post', loginCached: true }));
    const [, again] = gh().reviews();
    expect(anchors(again)).toEqual(anchors(review));
  });
});

describe('a later push reverts every manifest change', () => {
  it('the check passes on the file list alone, and every open thread of the app is resolved (none is left to block the merge)', async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;
    const pr = demoPullRequest();
    // The head is the base again, but for the README: the pull request touches no manifest any more.
    const head = withFiles(pr.base, { 'README.md': `${pr.base.get('README.md')}\nRollout postponed.\n` });
    gh().createCheckRun(4243, FIXED_SHA);
    const files = gh().pullFiles(pr.base, head, FIXED_SHA);
    gh().updateCheckRun(4243, FIXED_SHA);
    gh().threads(existingAfter(review).threads);
    gh().pull({ headSha: FIXED_SHA });
    review.comments.forEach((_c, i) => gh().resolveThread(`PRRT_kwDOthread${i}`));

    await app.probot.receive({
      id: 'delivery-revert',
      name: 'pull_request',
      payload: pullRequestEvent('synchronize', { headSha: FIXED_SHA, changedFiles: files.length }),
    } as never);

    expect(gh().runs.get(4243)).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'No mesh configuration changed' } });
    expect(gh().graphqlMutations()).toHaveLength(review.comments.length);
    expect(gh().reviews()).toHaveLength(1);
    expect(
      gh()
        .calls()
        .slice(before)
        .filter((c) => c.startsWith('GET') && c.includes('tarball')),
    ).toEqual([]);
  });
});

describe('a later push fixes a finding', () => {
  it("resolves the app's thread when nobody replied in it (resolveReviewThread, no reply)", async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;
    const pr = demoPullRequest();
    const fixedIndex = review.comments.findIndex((c) => c.body.includes('ALLOW rule admits new requests'));

    const { changedFiles } = mockReview(gh(), {
      base: pr.base,
      head: fixedHead(pr.head),
      headSha: FIXED_SHA,
      checkRunId: 4243,
      tokenCached: true,
      ...existingAfter(review),
      review: 'skip',
    });
    gh().resolveThread(`PRRT_kwDOthread${fixedIndex}`);
    await app.probot.receive({
      id: 'delivery-fix',
      name: 'pull_request',
      payload: pullRequestEvent('synchronize', { headSha: FIXED_SHA, changedFiles }),
    } as never);

    expect(gh().calls().slice(before)).toEqual([
      ...reviewCalls({ headSha: FIXED_SHA, checkRunId: 4243, review: 'skip', loginCached: true }),
      'POST /graphql meshReviewResolve',
    ]);
    expect(
      gh()
        .graphqlMutations()
        .map((m) => (m.body as { variables: { threadId: string } }).variables.threadId),
    ).toEqual([`PRRT_kwDOthread${fixedIndex}`]);
    expect(gh().sent('POST', /\/replies$/)).toEqual([]);
    expect(gh().reviews()).toHaveLength(1);
    // The other findings stand: the check still fails, now with three.
    expect(gh().runs.get(4243)!.output!.title).toMatch(/^3 high-severity weakenings/);
  });

  it('replies that it is fixed, once, when someone took part in the thread (and leaves it for them to resolve)', async () => {
    const app = await start();
    const review = await firstReview(app);
    const before = gh().calls().length;
    const pr = demoPullRequest();
    const fixedIndex = review.comments.findIndex((c) => c.body.includes('ALLOW rule admits new requests'));

    const { changedFiles } = mockReview(gh(), {
      base: pr.base,
      head: fixedHead(pr.head),
      headSha: FIXED_SHA,
      checkRunId: 4243,
      tokenCached: true,
      ...existingAfter(review, { replies: { [fixedIndex]: 'The fraud service needs this until Friday.' } }),
      review: 'skip',
    });
    gh().replyInThread(7001 + fixedIndex);
    await app.probot.receive({
      id: 'delivery-fix',
      name: 'pull_request',
      payload: pullRequestEvent('synchronize', { headSha: FIXED_SHA, changedFiles }),
    } as never);

    expect(gh().calls().slice(before)).toEqual([
      ...reviewCalls({ headSha: FIXED_SHA, checkRunId: 4243, review: 'skip', loginCached: true }),
      `POST /repos/acme/mesh-config/pulls/12/comments/${7001 + fixedIndex}/replies`,
    ]);
    const [reply] = gh().sent('POST', /\/replies$/);
    expect((reply!.body as { body: string }).body).toContain(`Fixed in ${FIXED_SHA}`);
    expect((reply!.body as { body: string }).body).toContain(FIXED_MARKER);
    expect(gh().graphqlMutations()).toEqual([]);
    expect(gh().reviews()).toHaveLength(1);
  });
});
