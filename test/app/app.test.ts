import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { createNodeMiddleware } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { lineOf } from './fixtures/repo.js';
import {
  BASE_SHA,
  fakeThrottleOptions,
  newProbot,
  testLogger,
  CHECK_RUN_ID,
  HEAD_SHA,
  NEWER_SHA,
  startApp,
  useFakeGitHub,
  WEBHOOK_SECRET,
  checkSuiteEvent,
  checkRunRerequested,
  pullRequestEvent,
  type AppUnderTest,
  type PullSpec,
} from './harness.js';
import { checkRunSample, expectSample, reviewSample } from './samples.js';
import { anchors, demoPullRequest, harmlessPullRequest, mockReview, readmeOnlyPullRequest, reviewCalls } from './scenario.js';

const fake = useFakeGitHub();
const gh = () => fake.gh();

async function start(): Promise<AppUnderTest> {
  const app = await startApp();
  fake.setApp(app);
  return app;
}

type EventName = 'pull_request' | 'check_run' | 'check_suite';
const deliver = (app: AppUnderTest, name: EventName, payload: object, id = '72d3162e-cc78-11e3-81ab-4c9367dc0958') =>
  app.probot.receive({ id, name, payload } as never);

const opened = (app: AppUnderTest, spec: PullSpec) => deliver(app, 'pull_request', pullRequestEvent('opened', spec));

describe('the demo pull request', () => {
  it('fails the check naming the worst finding, annotates head lines, and posts ONE COMMENT review with inline comments on the right lines', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, review: 'post' });

    await opened(app, { changedFiles });

    // About ten API requests, constant in repository size: one tarball per side (each followed to codeload).
    expect(gh().calls()).toEqual(reviewCalls({ review: 'post' }));
    expect(gh().codeloadRequests.map((p) => p.split('?')[0])).toEqual(
      expect.arrayContaining([`/acme/mesh-config/legacy.tar.gz/${BASE_SHA}`, `/acme/mesh-config/legacy.tar.gz/${HEAD_SHA}`]),
    );

    // The check run: created in progress on the head, then completed with the verdict.
    const [create, complete] = gh().checkRunWrites();
    expect(create!.body).toMatchObject({ name: 'mesh-review', head_sha: HEAD_SHA, status: 'in_progress' });
    expect(complete!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run.conclusion).toBe('failure');
    expect(run.output!.title).toBe('4 high-severity weakenings: mTLS no longer required on checkout/checkout:8080 …');
    expect(run.output!.summary).toContain('| Severity | Workload | Port | What changed | Example request | File |');
    for (const where of [
      'checkout/authz.yaml:24',
      'payments/authz.yaml:17',
      'payments/authz.yaml:34 (base)',
      'payments/strict-mtls.yaml:12 (base)',
      'checkout/deny-debug.yaml:',
    ]) {
      expect(run.output!.summary).toContain(where);
    }

    // Annotations: every finding on a head-side line (the deleted policies have none: their lines are gone).
    const head = (path: string, needle: string) => `${path}:${lineOf(pr.head, path, needle)}`;
    const base = (path: string, needle: string) => `${path}:${lineOf(pr.base, path, needle)}`;
    expect(run.annotations.map((a) => `${a.path}:${a.start_line}`)).toEqual([
      head('checkout/authz.yaml', 'mode: PERMISSIVE'),
      head('payments/authz.yaml', '- "*"'),
      head('checkout/deny-debug.yaml', '- to:'),
    ]);
    expect(run.annotations.map((a) => a.annotation_level)).toEqual(['failure', 'failure', 'notice']);

    // One review, event COMMENT, on the head commit.
    const reviews = gh().reviews();
    expect(reviews).toHaveLength(1);
    const review = reviews[0]!;
    expect(review.event).toBe('COMMENT');
    expect(review.commit_id).toBe(HEAD_SHA);
    // RIGHT on the added lines, LEFT on the deleted DENY policy and on the deleted workload STRICT policy
    // (the cause, rather than the untouched namespace PERMISSIVE that now decides).
    expect(anchors(review)).toEqual([
      `${head('checkout/authz.yaml', 'mode: PERMISSIVE')}:RIGHT`,
      `${head('payments/authz.yaml', '- "*"')}:RIGHT`,
      `${base('payments/authz.yaml', '- to:')}:LEFT`,
      `${base('payments/strict-mtls.yaml', 'mode: STRICT')}:LEFT`,
    ]);
    expect(review.comments.some((c) => c.path === 'payments/legacy-mtls.yaml')).toBe(false);
    // Narrowed access is listed in the body, with its marker, not commented on.
    expect(review.body).toContain('5 findings on this commit: 4 inline comments below, 1 listed here.');
    expect(review.body).toContain('`checkout/deny-debug.yaml:');
    expect(review.body).toMatch(/<!-- mesh-review:body-fps=[0-9a-f]{16} -->/);

    // Each comment: what changed, who can now reach it and how, how to fix, the rule's page, and its fingerprint.
    for (const c of review.comments) {
      expect(c.body).toContain('**What changed');
      expect(c.body).toContain('**Who can now reach it, and how:**');
      expect(c.body).toContain('**How to fix:**');
      expect(c.body).toMatch(/\(https:\/\/github\.com\/mesh-review\/mesh-review\/blob\/main\/docs\/rules\/[a-z-]+\.md\)/);
      expect(c.body).toMatch(/<!-- mesh-review:fp=[0-9a-f]{64} -->$/);
    }
    expect(review.comments[2]!.body).toContain('**What changed (this line was removed or changed):**');

    // The README's samples are these very bodies.
    const scenario =
      'Produced by the app test for the demo pull request (`fixtures/demo`: `PERMISSIVE` added in `checkout`, `"*"` added to an ALLOW rule, a DENY policy deleted) plus the deletion of a workload-level STRICT policy (which leaves an untouched namespace-wide PERMISSIVE in charge: commented on the deleted line) and a new DENY policy, whose narrowed access is listed in the review body.';
    expectSample('docs/sample-check-run.md', checkRunSample(run, scenario));
    expectSample('docs/sample-review-comment.md', reviewSample(review, scenario));
  });
});

describe('events', () => {
  it.each(['opened', 'synchronize', 'reopened', 'ready_for_review'] as const)('pull_request.%s starts a review', async (action) => {
    const app = await start();
    const pr = readmeOnlyPullRequest();
    gh().installationToken();
    gh().createCheckRun();
    gh().pullFiles(pr.base, pr.head);
    gh().updateCheckRun();
    gh().noOpenThreads();

    await deliver(app, 'pull_request', pullRequestEvent(action, { changedFiles: 1 }));

    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('other pull_request actions (closed, labeled) are ignored', async () => {
    const app = await start();
    for (const action of ['closed', 'labeled']) {
      const event = { ...pullRequestEvent('opened'), action };
      await deliver(app, 'pull_request', event, `delivery-${action}`);
    }
    expect(gh().requests).toEqual([]);
  });
});

describe('the base branch moved on after the pull request branched', () => {
  it("reviews against the merge base, never the base branch tip (whose newer changes are not this PR's)", async () => {
    const app = await start();
    const pr = demoPullRequest();
    const MERGE_BASE = 'aa11bb22cc33dd44ee55ff6677889900aabbccdd';
    // Registered first, so the review's compare call answers with a merge base older than the base tip.
    gh().compare(() => MERGE_BASE);
    const { changedFiles } = mockReview(gh(), { ...pr, baseSha: MERGE_BASE, review: 'post' });

    await opened(app, { changedFiles });

    expect(gh().calls()).toContain(`GET /repos/acme/mesh-config/compare/${BASE_SHA}...${HEAD_SHA}`);
    const downloads = gh().codeloadRequests.map((p) => p.split('?')[0]);
    expect(downloads).toEqual(expect.arrayContaining([`/acme/mesh-config/legacy.tar.gz/${MERGE_BASE}`, `/acme/mesh-config/legacy.tar.gz/${HEAD_SHA}`]));
    expect(downloads).not.toContain(`/acme/mesh-config/legacy.tar.gz/${BASE_SHA}`);
    const [, complete] = gh().checkRunWrites();
    expect(complete!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });
});

describe('pull requests with nothing to say', () => {
  it('a PR that changes only the README: success from four requests (the check run, the file list, one look for open threads), no config, no tarball, no review', async () => {
    const app = await start();
    const pr = readmeOnlyPullRequest();
    gh().installationToken();
    gh().createCheckRun();
    gh().pullFiles(pr.base, pr.head);
    gh().updateCheckRun();
    gh().noOpenThreads();

    await opened(app, { changedFiles: 1 });

    // GET /app is read once per process (the app's login), not per review.
    expect(gh().calls()).toEqual([
      'POST /repos/acme/mesh-config/check-runs',
      'GET /repos/acme/mesh-config/pulls/12/files',
      'PATCH /repos/acme/mesh-config/check-runs/4242',
      'GET /app',
      'POST /graphql meshReviewThreads',
    ]);
    expect(gh().codeloadRequests).toEqual([]);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'No mesh configuration changed' } });
  });

  it('a PR that changes manifests without weakening anything: success, and no review', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...harmlessPullRequest(), review: 'skip' });

    await opened(app, { changedFiles });

    // The existing threads are still read: a push that fixes the last finding must resolve its thread.
    expect(gh().calls()).toEqual(reviewCalls({ review: 'skip' }));
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { title: 'No mesh security changes' },
      annotations: [],
    });
    expect(gh().reviews()).toEqual([]);
  });
});

describe('drafts, forks and superseded heads', () => {
  it('a draft PR gets the check run but no review; ready_for_review then posts it', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, review: 'none' });

    await opened(app, { changedFiles, draft: true });

    expect(gh().calls()).toEqual(reviewCalls({ review: 'none' }));
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh().reviews()).toEqual([]);
    expect(app.logLines.some((l) => l.includes('inline comments wait for ready_for_review'))).toBe(true);

    // The draft's review never read earlier threads, so the app's login is read now.
    mockReview(gh(), { ...pr, checkRunId: 4243, tokenCached: true, loginCached: false, review: 'post' });
    await deliver(app, 'pull_request', pullRequestEvent('ready_for_review', { changedFiles }), 'delivery-ready');
    expect(gh().reviews()).toHaveLength(1);
    expect(anchors(gh().reviews()[0])).toHaveLength(4);
  });

  it('a draft PR is commented on when the configuration says `github.commentOnDrafts: true`', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), config: 'github:\n  commentOnDrafts: true\n', review: 'post' });

    await opened(app, { changedFiles, draft: true });

    expect(gh().calls()).toEqual(reviewCalls({ config: 'present', review: 'post' }));
    expect(anchors(gh().reviews()[0])).toHaveLength(4);
  });

  it('a PR from a fork is reviewed from the base repository (where the app is installed), and its re-run finds it without pull_requests', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, review: 'post' });

    const event = pullRequestEvent('opened', { changedFiles, fork: true });
    expect(event.pull_request.head.repo.full_name).toBe('contributor/mesh-config');
    await deliver(app, 'pull_request', event);

    // Every request went to the base repository, the head's tarball included.
    expect(gh().calls()).toEqual(reviewCalls({ review: 'post' }));
    expect(gh().reviews()).toHaveLength(1);
    const externalId = (gh().checkRunWrites()[0]!.body as { external_id: string }).external_id;
    expect(externalId).toMatch(/^mesh-review-pr-12-/);

    // GitHub sends `pull_requests: []` for a fork's head; the run's external id names the pull request.
    gh().pull({ fork: true, changedFiles });
    const posted = gh().reviews()[0]!;
    mockReview(gh(), {
      ...pr,
      checkRunId: 4243,
      tokenCached: true,
      threads: posted.comments.map((c, i) => ({ id: `T${i}`, path: c.path, comments: [{ author: 'mesh-review', body: c.body, databaseId: 700 + i }] })),
      reviews: [{ author: 'mesh-review', body: posted.body, oid: HEAD_SHA }],
      review: 'skip',
    });
    await deliver(app, 'check_run', checkRunRerequested({ pullRequests: false, externalId }), 'delivery-rerun');
    expect(gh().reviews()).toHaveLength(1);
    expect(gh().runs.get(4243)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('a head superseded by a newer push: the check completes on its own commit, but no review is posted', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), currentHead: NEWER_SHA, review: 'skip' });

    await opened(app, { changedFiles });

    expect(gh().calls()).toEqual(reviewCalls({ review: 'skip' }));
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh().reviews()).toEqual([]);
  });
});

describe('check suites', () => {
  it('check_suite.requested for a head the pull_request event already reviewed costs one request', async () => {
    const app = await start();
    gh().installationToken();
    gh().runsOnHead(1);

    await deliver(app, 'check_suite', checkSuiteEvent('requested'));

    expect(gh().calls()).toEqual([`GET /repos/acme/mesh-config/commits/${HEAD_SHA}/check-runs`]);
  });

  it('pull_request.synchronize and check_suite.requested for the same push, at once: one review, one check run', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), review: 'post' });
    // GitHub answers with the runs it holds at the time of the request.
    gh().runsOnHead('live');

    await Promise.all([
      deliver(app, 'pull_request', pullRequestEvent('synchronize', { changedFiles }), 'delivery-sync'),
      deliver(app, 'check_suite', checkSuiteEvent('requested'), 'delivery-suite'),
    ]);

    // The suite's check waited for the review under way for the same head, saw its run, and stood down.
    expect(gh().calls().at(-1)).toBe(`GET /repos/acme/mesh-config/commits/${HEAD_SHA}/check-runs`);
    expect(gh().sent('POST', /\/check-runs$/)).toHaveLength(1);
    expect(gh().reviews()).toHaveLength(1);
  });

  it('check_suite.requested and pull_request.synchronize for the same push, at once, the suite first: one check run, one review', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), review: 'post' });
    // GitHub answers with the runs it holds at the time of the request.
    gh().runsOnHead('live');
    gh().pull({ changedFiles });

    await Promise.all([
      deliver(app, 'check_suite', checkSuiteEvent('requested'), 'delivery-suite'),
      deliver(app, 'pull_request', pullRequestEvent('synchronize', { changedFiles }), 'delivery-sync'),
    ]);

    // The suite's job found no run, read the pull request and reviewed it, all in the head's queue;
    // the synchronize, queued behind it, saw that review and stood down.
    expect(gh().sent('POST', /\/check-runs$/)).toHaveLength(1);
    expect(gh().calls()).toEqual([
      `GET /repos/acme/mesh-config/commits/${HEAD_SHA}/check-runs`,
      'GET /repos/acme/mesh-config/pulls/12',
      ...reviewCalls({ review: 'post' }),
    ]);
    expect(gh().reviews()).toHaveLength(1);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('check_suite.requested for a head the pull request has already moved on from reviews the new head, in its own queue', async () => {
    const app = await start();
    gh().installationToken();
    gh().runsOnHead(0);
    gh()
      .api()
      .get(`/repos/acme/mesh-config/commits/${NEWER_SHA}/check-runs`)
      .query({ check_name: 'mesh-review', per_page: '1' })
      .reply(200, { total_count: 0, check_runs: [] });
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), headSha: NEWER_SHA, tokenCached: true, loginCached: false, review: 'post' });
    // The pull request as the suite's job reads it: its head is the newer push.
    gh().pull({ headSha: NEWER_SHA, changedFiles });

    await deliver(app, 'check_suite', checkSuiteEvent('requested'));

    expect(gh().calls()).toEqual([
      `GET /repos/acme/mesh-config/commits/${HEAD_SHA}/check-runs`,
      'GET /repos/acme/mesh-config/pulls/12',
      `GET /repos/acme/mesh-config/commits/${NEWER_SHA}/check-runs`,
      ...reviewCalls({ headSha: NEWER_SHA, review: 'post' }),
    ]);
    expect(
      gh()
        .sent('POST', /\/check-runs$/)
        .map((r) => (r.body as { head_sha: string }).head_sha),
    ).toEqual([NEWER_SHA]);
    expect(gh().reviews()).toHaveLength(1);
  });

  it('check_suite.requested for a head with no run yet reviews the pull request as it is now', async () => {
    const app = await start();
    gh().installationToken();
    gh().runsOnHead(0);
    const pr = demoPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, tokenCached: true, loginCached: false, review: 'post' });
    gh().pull({ changedFiles });

    await deliver(app, 'check_suite', checkSuiteEvent('requested'));

    expect(gh().calls()).toEqual([
      `GET /repos/acme/mesh-config/commits/${HEAD_SHA}/check-runs`,
      'GET /repos/acme/mesh-config/pulls/12',
      ...reviewCalls({ review: 'post' }),
    ]);
    expect(gh().reviews()).toHaveLength(1);
  });
});

describe('webhook signatures', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("refuses a delivery with a bad signature and handles one signed with the app's secret", async () => {
    // The production path: Probot's node middleware in front of the app, over HTTP.
    const { logger, lines } = testLogger();
    const probot = newProbot(logger);
    fake.setApp({ probot, logLines: lines, sleeps: [] });
    const middleware = await createNodeMiddleware(createApp({ throttle: fakeThrottleOptions([]) }), { probot });
    server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    const { port } = server.address() as AddressInfo;

    const payload = JSON.stringify(pullRequestEvent('opened', { changedFiles: 1 }));
    const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    const post = (signature: string, id: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/github/webhooks',
            headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': signature },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });

    // Wrong secret: refused before any handler runs, so nothing at all is asked of GitHub.
    const refused = await post(sign('not-the-secret'), 'delivery-forged');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('signature does not match');
    expect(gh().requests).toEqual([]);

    // The right secret: handled (a README-only pull request).
    const pr = readmeOnlyPullRequest();
    gh().installationToken();
    gh().createCheckRun();
    gh().pullFiles(pr.base, pr.head);
    gh().updateCheckRun();
    gh().noOpenThreads();
    const accepted = await post(sign(WEBHOOK_SECRET), 'delivery-signed');
    expect(accepted.status).toBe(200);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'success' });
    // The refusal is logged, without the payload's signature or the secret (checked after each test).
    expect(lines.some((l) => l.includes('signature does not match'))).toBe(true);
  });
});
