import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it, vi } from 'vitest';
import { parseBodyFingerprints } from '../../src/github/publish/markers.js';
import { apiHeaders, CODELOAD_HEADERS, tarball } from '../github/fixtures/tarball.js';
import {
  BASE_SHA,
  CHECK_RUN_ID,
  CODELOAD_TOKEN,
  eventually,
  HEAD_SHA,
  responseExample,
  startApp,
  useFakeGitHub,
  pullRequestEvent,
  type AppUnderTest,
  type StartOptions,
} from './harness.js';
import { anchors, brokenYamlPullRequest, demoPullRequest, meshWidePullRequest, mockReview, readmeOnlyPullRequest, reviewCalls } from './scenario.js';

/**
 * Faults: each one handled, and none leaves the check run in progress (the
 * harness checks the final state of every run after each test, and that no
 * credential reached a body or a log line).
 */
const fake = useFakeGitHub();
const gh = () => fake.gh();
const REPO = '/repos/acme/mesh-config';

async function start(options: StartOptions = {}): Promise<AppUnderTest> {
  const app = await startApp(options);
  fake.setApp(app);
  return app;
}

const opened = (app: AppUnderTest, changedFiles: number) =>
  app.probot.receive({ id: 'b7e4c2a0-5e2b-11ef-9f0b-2c2a1e0d9a11', name: 'pull_request', payload: pullRequestEvent('opened', { changedFiles }) } as never);

const SECONDARY_RATE_LIMIT = {
  message:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:1234:5678:9ABC:66A0B1C2.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
  status: '403',
};

const NOT_FOUND = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents#download-a-repository-archive-tar', status: '404' };
const SERVER_ERROR = { message: 'Server Error' };

/** The requests of a review up to the file list and configuration, and the check run's completion. */
function mockUntilConfig(config: string | null | { status: number; body?: object }, files = demoPullRequest()): number {
  gh().installationToken();
  gh().createCheckRun();
  const entries = gh().pullFiles(files.base, files.head);
  gh().config(config);
  gh().updateCheckRun();
  return entries.length;
}

/** One side's tarball answered by GitHub with 404 (the commit was force-pushed away, or the app lost access). */
function tarballNotFound(sha: string): void {
  gh().compare();
  gh().api().get(`${REPO}/tarball/${sha}`).reply(404, NOT_FOUND, apiHeaders());
}

describe('a tarball that cannot be fetched', () => {
  it('fails the check (closed, by default) with the reason, and no token or signed URL in it', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const changedFiles = mockUntilConfig(null, pr);
    // The base's download is aborted when the head's fails: it may end anywhere.
    gh().tarball(BASE_SHA, pr.base, { optional: true });
    tarballNotFound(HEAD_SHA);

    await opened(app, changedFiles);

    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'mesh-review could not complete the review' } });
    expect(run.output!.summary).toContain(`could not fetch commit ${HEAD_SHA} of acme/mesh-config: GitHub answered 404`);
    expect(run.output!.summary).toContain('fails closed');
    expect(run.output!.summary).not.toContain(CODELOAD_TOKEN);
    expect(gh().reviews()).toEqual([]);
    expect(app.logLines.some((l) => l.includes('"msg":"review failed"'))).toBe(true);
  });

  it('ends neutral instead when the configuration says `github.onError: neutral`', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const changedFiles = mockUntilConfig('github:\n  onError: neutral\n', pr);
    tarballNotFound(BASE_SHA);
    tarballNotFound(HEAD_SHA);

    await opened(app, changedFiles);

    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run.output!.summary).toContain('GitHub answered 404');
    expect(run.output!.summary).toContain('`github.onError: neutral`');
  });
});

describe('GitHub errors on writes', () => {
  it('a 5xx on the check run PATCH is retried (with back-off) and the run still completes', async () => {
    // The back-off really lets the clock move on (by its length), so the retry is sent seconds later:
    // it must still carry the same body (the completion time is when the review ended).
    const sleeps: number[] = [];
    let slept = 0;
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + slept);
    const app = await start({
      throttle: {
        sleep: async (ms) => {
          sleeps.push(ms);
          slept += ms;
        },
      },
    });
    const pr = demoPullRequest();
    gh().installationToken();
    gh().createCheckRun();
    const { length: changedFiles } = gh().pullFiles(pr.base, pr.head);
    gh().config(null);
    gh().tarball(BASE_SHA, pr.base);
    gh().tarball(HEAD_SHA, pr.head);
    gh().api().patch(`${REPO}/check-runs/${CHECK_RUN_ID}`).reply(502, SERVER_ERROR, apiHeaders());
    gh().updateCheckRun();
    gh().appIdentity();
    gh().threads();
    gh().pull();
    gh().postReview();

    await opened(app, changedFiles);

    expect(gh().sent('PATCH', /\/check-runs\/\d+$/)).toHaveLength(2);
    expect(gh().sent('PATCH', /\/check-runs\/\d+$/)[1]!.body).toEqual(gh().sent('PATCH', /\/check-runs\/\d+$/)[0]!.body);
    expect(sleeps).toEqual([1000]);
    vi.restoreAllMocks();
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh().reviews()).toHaveLength(1);
  });

  it('a 5xx on a later annotation batch, after the conclusion is written: the verdict stands, the batch is not resent, the review is posted', async () => {
    const app = await start();
    const pr = meshWidePullRequest(11);
    gh().installationToken();
    gh().createCheckRun();
    const { length: changedFiles } = gh().pullFiles(pr.base, pr.head);
    gh().config(null);
    gh().tarball(BASE_SHA, pr.base);
    gh().tarball(HEAD_SHA, pr.head);
    gh().updateCheckRun();
    // The second annotation PATCH fails. GitHub may have appended it anyway: sending it again could duplicate 50 annotations.
    gh().api().patch(`${REPO}/check-runs/${CHECK_RUN_ID}`).reply(502, SERVER_ERROR, apiHeaders());
    gh().updateCheckRun();
    gh().appIdentity();
    gh().threads();
    gh().pull();
    gh().postReview();

    await opened(app, changedFiles);

    const patches = gh()
      .sent('PATCH', /\/check-runs\/\d+$/)
      .map((r) => r.body as { status?: string; conclusion?: string; output: { annotations?: unknown[] } });
    // Three batches (50, 50, 12), each sent once: no retry of the failed append, the last batch still sent.
    expect(patches.map((p) => p.output.annotations?.length)).toEqual([50, 50, 12]);
    expect(patches.filter((p) => p.conclusion !== undefined)).toHaveLength(1);
    expect(app.sleeps).toEqual([]);
    const run = gh().runs.get(CHECK_RUN_ID)!;
    // The computed verdict and findings summary stand: no failCheckRun overwrote them with an error.
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.output!.title).toBe('56 critical-severity weakenings: mTLS no longer required on pods in any other namespace …');
    expect(run.output!.summary).not.toContain('could not review this pull request');
    expect(run.annotations).toHaveLength(62);
    expect(app.logLines.some((l) => l.includes('"msg":"review failed"'))).toBe(false);
    expect(gh().reviews()).toHaveLength(1);
    expect(anchors(gh().reviews()[0])).toEqual(['mesh/mtls.yaml:9:RIGHT']);
  });

  it('a secondary rate limit (403 with retry-after) on the file list is waited out, and the review completes', async () => {
    const app = await start();
    gh()
      .api()
      .get(`${REPO}/pulls/12/files`)
      .query({ per_page: '100', page: '1' })
      .reply(403, SECONDARY_RATE_LIMIT, apiHeaders({ 'retry-after': '31', 'x-ratelimit-remaining': '4990' }));
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), review: 'post' });

    await opened(app, changedFiles);

    expect(app.sleeps).toEqual([31_000]);
    const [create, ...rest] = reviewCalls({ review: 'post' });
    expect(gh().calls()).toEqual([create!, `GET ${REPO}/pulls/12/files`, ...rest]);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh().runs.get(CHECK_RUN_ID)!.output!.title).toMatch(/^4 high-severity weakenings/);
    expect(anchors(gh().reviews()[0])).toHaveLength(4);
  });

  it('a secondary rate limit (429 with retry-after) on a tarball is waited out, and the review completes', async () => {
    const app = await start();
    gh().compare();
    gh()
      .api()
      .get(`${REPO}/tarball/${HEAD_SHA}`)
      .reply(429, SECONDARY_RATE_LIMIT, apiHeaders({ 'retry-after': '12' }));
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), review: 'post' });

    await opened(app, changedFiles);

    expect(app.sleeps).toEqual([12_000]);
    expect(
      gh()
        .calls()
        .filter((c) => c === `GET ${REPO}/tarball/${HEAD_SHA}`),
    ).toHaveLength(2);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(anchors(gh().reviews()[0])).toHaveLength(4);
  });

  it('a secondary rate limit (403 with retry-after) on the review POST is waited out, then the same review is posted once', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, review: 'skip' });
    gh()
      .api()
      .post(`${REPO}/pulls/12/reviews`)
      .reply(
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:1234:5678:9ABC:66A0B1C2.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        apiHeaders({ 'retry-after': '47', 'x-ratelimit-remaining': '4980' }),
      );
    gh().postReview();

    await opened(app, changedFiles);

    expect(app.sleeps).toEqual([47_000]);
    const [refused, posted] = gh().reviews();
    expect(posted).toEqual(refused);
    expect(gh().reviews()).toHaveLength(2);
    expect(anchors(posted)).toHaveLength(4);
  });

  it('a 422 because a line is outside the diff moves the comments to the review body and retries once', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, review: 'skip' });
    gh()
      .api()
      .post(`${REPO}/pulls/12/reviews`)
      .reply(
        422,
        {
          message: 'Unprocessable Entity',
          errors: ['Pull request review thread line must be part of the diff'],
          documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
          status: '422',
        },
        apiHeaders(),
      );
    gh().postReview();

    await opened(app, changedFiles);

    const [refused, posted] = gh().reviews();
    expect(gh().reviews()).toHaveLength(2);
    expect(anchors(refused)).toHaveLength(4);
    // GitHub did not say which comment: all of them move, and every finding is still in the review.
    expect(posted!.comments).toEqual([]);
    expect(posted!.body).toContain('5 findings on this commit, listed here.');
    expect(parseBodyFingerprints(posted!.body)).toHaveLength(5);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it("with Probot's own retry plugin on (production), a 5xx on creating the check run is not blindly repeated: the run GitHub did create is adopted", async () => {
    // Production's Octokit: retries 5xx (POSTs included) and throttles writes. Only its back-off base is shortened.
    const app = await start({ Octokit: ProbotOctokit.defaults({ retry: { retryAfterBaseValue: 10 } }) });
    const pr = readmeOnlyPullRequest();
    let externalId = '';
    gh().installationToken();
    gh()
      .api()
      .post(`${REPO}/check-runs`)
      .reply(502, (_uri, body) => {
        // GitHub did create the run before failing: it exists, in progress, and must end completed.
        externalId = (body as { external_id: string }).external_id;
        gh().trackRun(CHECK_RUN_ID, body as object);
        return SERVER_ERROR;
      });
    gh()
      .api()
      .get(`${REPO}/commits/${HEAD_SHA}/check-runs`)
      .query({ check_name: 'mesh-review', filter: 'all', per_page: '100' })
      .reply(200, () => ({
        total_count: 1,
        check_runs: [
          {
            ...responseExample('check-run-example-of-in-progress-conclusion'),
            id: CHECK_RUN_ID,
            name: 'mesh-review',
            head_sha: HEAD_SHA,
            external_id: externalId,
          },
        ],
      }));
    gh().pullFiles(pr.base, pr.head);
    gh().updateCheckRun();
    gh().noOpenThreads();

    await opened(app, 1);

    expect(gh().calls()).toEqual([
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/commits/${HEAD_SHA}/check-runs`,
      `GET ${REPO}/pulls/12/files`,
      `PATCH ${REPO}/check-runs/${CHECK_RUN_ID}`,
      'GET /app',
      'POST /graphql meshReviewThreads',
    ]);
    // The run GitHub created (and answered 502 for) is the one completed: nothing is left in progress.
    expect(gh().runs.size).toBe(1);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'success' });
  });
});

describe('configuration', () => {
  it('a configuration that cannot be fetched fails the check, naming the file and the error', async () => {
    const app = await start();
    const changedFiles = mockUntilConfig({ status: 500, body: SERVER_ERROR });

    await opened(app, changedFiles);

    expect(gh().calls()).toEqual([
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/pulls/12/files`,
      `GET ${REPO}/contents/.github/mesh-review.yml`,
      `PATCH ${REPO}/check-runs/${CHECK_RUN_ID}`,
    ]);
    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'mesh-review configuration could not be read' } });
    expect(run.output!.summary).toContain('.github/mesh-review.yml: could not be read: Server Error');
    expect(gh().codeloadRequests).toEqual([]);
  });

  it('an invalid configuration (`failOn: urgent`) fails the check with a message naming `failOn`', async () => {
    const app = await start();
    const changedFiles = mockUntilConfig('failOn: urgent\n');

    await opened(app, changedFiles);

    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'Invalid mesh-review configuration' } });
    expect(run.output!.summary).toMatch(/\.github\/mesh-review\.yml \(default branch\): failOn: .*urgent/);
    expect(gh().codeloadRequests).toEqual([]);
    expect(gh().reviews()).toEqual([]);
  });

  it("the configuration comes from the default branch: a PR that loosens it in its own head is judged by the base's", async () => {
    const app = await start();
    const pr = demoPullRequest();
    const loosened = {
      base: pr.base,
      head: new Map([...pr.head, ['.github/mesh-review.yml', 'failOn: critical\nrules:\n  transport-weakened: off\n']]),
    };
    const { changedFiles } = mockReview(gh(), { ...loosened, config: 'failOn: high\n', review: 'post' });

    await opened(app, changedFiles);

    expect(gh().calls()).toEqual(reviewCalls({ config: 'present', review: 'post' }));
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh().runs.get(CHECK_RUN_ID)!.output!.title).toMatch(/^4 high-severity weakenings: mTLS no longer required/);
  });
});

describe('the pull request itself', () => {
  it('broken YAML in the PR: the check lists the error with file and line, and the other findings still appear', async () => {
    const app = await start();
    const pr = brokenYamlPullRequest();
    const { changedFiles } = mockReview(gh(), { ...pr, review: 'post' });

    await opened(app, changedFiles);

    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.output!.summary).toContain('### Errors (1)');
    expect(run.output!.summary).toContain('`payments/ledger-authz.yaml:10`: invalid YAML');
    expect(run.output!.summary).toContain('ALLOW rule admits new requests to payments/payments:8080');
    // A file the PR broke fails the gate (analysis-incomplete, high): a failure annotation, not a warning.
    expect(run.annotations.map((a) => `${a.path}:${a.start_line}:${a.annotation_level}`)).toContain('payments/ledger-authz.yaml:10:failure');
    expect(anchors(gh().reviews()[0])).toContain('payments/ledger-authz.yaml:10:RIGHT');
    expect(anchors(gh().reviews()[0])).toHaveLength(5);
  });

  it('a review that does not finish in time ends the check with the timeout, not in progress', async () => {
    const app = await start({ timeoutMs: 1000 });
    const pr = demoPullRequest();
    const changedFiles = mockUntilConfig(null, pr);
    gh().tarball(BASE_SHA, pr.base);
    // The head's archive is slow to come.
    gh()
      .api()
      .get(`${REPO}/tarball/${HEAD_SHA}`)
      .reply(
        302,
        '',
        apiHeaders({ location: `https://codeload.github.com/acme/mesh-config/legacy.tar.gz/${HEAD_SHA}?token=${CODELOAD_TOKEN}`, 'content-length': '0' }),
      );
    let delivered = false;
    nock('https://codeload.github.com')
      .get(`/acme/mesh-config/legacy.tar.gz/${HEAD_SHA}`)
      .query(true)
      .delay(2500)
      .reply(
        200,
        () =>
          tarball(
            `acme-mesh-config-${HEAD_SHA.slice(0, 7)}`,
            [...pr.head].map(([path, content]) => ({ path, content })),
          ),
        CODELOAD_HEADERS,
      )
      .on('replied', () => (delivered = true));

    await opened(app, changedFiles);
    // The check ended at the timeout, long before the archive came; let the abandoned download finish.
    expect(delivered).toBe(false);
    await eventually(() => delivered);

    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.output!.summary).toContain('the review did not finish within 1 s');
    expect(gh().reviews()).toEqual([]);
  });

  it('a failure before the configuration is read (the file list answers 500) fails closed', async () => {
    const app = await start();
    gh().installationToken();
    gh().createCheckRun();
    // A read is safe to repeat: retried twice after a 5xx (with back-off), then the check fails.
    gh().api().get(`${REPO}/pulls/12/files`).query(true).times(3).reply(500, SERVER_ERROR, apiHeaders());
    gh().updateCheckRun();

    await opened(app, 3);

    expect(app.sleeps).toEqual([1000, 2000]);
    const run = gh().runs.get(CHECK_RUN_ID)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'mesh-review could not complete the review' } });
    expect(run.output!.summary).toContain('HTTP 500 GET https://api.github.com/repos/acme/mesh-config/pulls/12/files');
  });
});

describe("the app's login cannot be read", () => {
  it('posts the review anyway (markers alone then recognise threads), and warns without a credential', async () => {
    const app = await start();
    const { changedFiles } = mockReview(gh(), { ...demoPullRequest(), loginCached: true, review: 'post' });
    gh().api().get('/app').reply(500, SERVER_ERROR, apiHeaders());

    await opened(app, changedFiles);

    expect(anchors(gh().reviews()[0])).toHaveLength(4);
    expect(app.logLines.some((l) => l.includes("the app's login could not be read"))).toBe(true);
    expect(
      gh()
        .calls()
        .filter((c) => c === 'GET /app'),
    ).toHaveLength(1);
  });
});
