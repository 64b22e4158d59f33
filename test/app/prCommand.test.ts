import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { apiHeaders } from '../github/fixtures/tarball.js';
import { BASE_SHA, CHECK_RUN_ID, HEAD_SHA, useFakeGitHub } from './harness.js';
import { demoPullRequest } from './scenario.js';

/**
 * `mesh-review pr owner/repo#n`: the app's review from a terminal, through the
 * same code path with @octokit/rest (token from GITHUB_TOKEN). A dry run only
 * reads; `--post` writes what the app would.
 */
const fake = useFakeGitHub();
const gh = () => fake.gh();
const REPO = '/repos/acme/mesh-config';
const USER_TOKEN = 'ghp_MeshReviewCliTestToken0000000000000001';

let savedToken: string | undefined;
beforeEach(() => {
  savedToken = process.env.GITHUB_TOKEN;
  process.env.GITHUB_TOKEN = USER_TOKEN;
});
afterEach(() => {
  if (savedToken === undefined) delete process.env.GITHUB_TOKEN;
  else process.env.GITHUB_TOKEN = savedToken;
});

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { isTTY: false, write: (s: string) => ((out.stdout += s), true) },
      stderr: { isTTY: false, write: (s: string) => ((out.stderr += s), true) },
    },
  };
}

/** The reads of a review: the pull request, the default branch's configuration (absent), its files and two tarballs. */
function mockReads(): number {
  const pr = demoPullRequest();
  const changedFiles = new Set([...pr.base.keys(), ...pr.head.keys()].filter((p) => pr.base.get(p) !== pr.head.get(p))).size;
  gh().pull({ changedFiles });
  gh()
    .api()
    .get((path) => decodeURIComponent(path) === `${REPO}/contents/.github/mesh-review.yml`)
    .reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content', status: '404' }, apiHeaders());
  gh().pullFiles(pr.base, pr.head);
  gh().tarball(BASE_SHA, pr.base);
  gh().tarball(HEAD_SHA, pr.head);
  gh().threads();
  return changedFiles;
}

describe('mesh-review pr', () => {
  it('a dry run prints the check run and the inline comments, and writes nothing', async () => {
    mockReads();
    const { out, io: cliIo } = io();

    const code = await main(['pr', 'acme/mesh-config#12'], cliIo);

    expect(code).toBe(1);
    expect(gh().calls()).toEqual([
      `GET ${REPO}/pulls/12`,
      `GET ${REPO}/pulls/12/files`,
      `GET ${REPO}/contents/.github/mesh-review.yml`,
      `GET ${REPO}/compare/${BASE_SHA}...${HEAD_SHA}`,
      `GET ${REPO}/tarball/${BASE_SHA}`,
      `GET ${REPO}/tarball/${HEAD_SHA}`,
      'POST /graphql meshReviewThreads',
    ]);
    expect(gh().requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql')).toEqual([]);
    expect(out.stdout).toContain(
      `Check run "mesh-review" on ${HEAD_SHA.slice(0, 7)}: FAILURE — 4 high-severity weakenings: mTLS no longer required on checkout/checkout:8080 …`,
    );
    expect(out.stdout).toContain('| Severity | Workload | Port | What changed | Example request | File |');
    expect(out.stdout).toContain('Inline comments the app would post (4):');
    expect(out.stdout).toContain('--- checkout/authz.yaml:24 (RIGHT)');
    expect(out.stdout).toContain('--- payments/authz.yaml:17 (RIGHT)');
    expect(out.stdout).toContain('--- payments/authz.yaml:34 (LEFT)');
    expect(out.stdout).toContain('In the review body: 1 finding(s) without a commentable line.');
    expect(out.stderr).toBe('');
    expect(out.stdout + out.stderr).not.toContain(USER_TOKEN);
  });

  it('--post writes the check run and the review, as the app does', async () => {
    mockReads();
    gh().createCheckRun();
    gh().updateCheckRun();
    gh().pull();
    gh().postReview();
    const { out, io: cliIo } = io();

    const code = await main(['pr', 'acme/mesh-config#12', '--post'], cliIo);

    expect(code).toBe(1);
    expect(gh().calls()).toEqual([
      `GET ${REPO}/pulls/12`,
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/pulls/12/files`,
      `GET ${REPO}/contents/.github/mesh-review.yml`,
      `GET ${REPO}/compare/${BASE_SHA}...${HEAD_SHA}`,
      `GET ${REPO}/tarball/${BASE_SHA}`,
      `GET ${REPO}/tarball/${HEAD_SHA}`,
      `PATCH ${REPO}/check-runs/${CHECK_RUN_ID}`,
      'POST /graphql meshReviewThreads',
      `GET ${REPO}/pulls/12`,
      `POST ${REPO}/pulls/12/reviews`,
    ]);
    expect(gh().runs.get(CHECK_RUN_ID)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const [review] = gh().reviews();
    expect(review!.event).toBe('COMMENT');
    expect(review!.comments.map((c) => `${c.path}:${c.line}:${c.side}`)).toEqual([
      'checkout/authz.yaml:24:RIGHT',
      'payments/authz.yaml:17:RIGHT',
      'payments/authz.yaml:34:LEFT',
      'payments/strict-mtls.yaml:12:LEFT',
    ]);
    expect(out.stdout).toContain('Review posted: posted');
    expect(out.stdout + out.stderr).not.toContain(USER_TOKEN);
  });

  it('without GITHUB_TOKEN: a usage error (exit 2) and no request', async () => {
    delete process.env.GITHUB_TOKEN;
    const { out, io: cliIo } = io();
    expect(await main(['pr', 'acme/mesh-config#12'], cliIo)).toBe(2);
    expect(out.stderr).toContain('set GITHUB_TOKEN');
    expect(gh().requests).toEqual([]);
  });

  it('a malformed target: a usage error (exit 2) and no request', async () => {
    const { out, io: cliIo } = io();
    expect(await main(['pr', 'acme/mesh-config/12'], cliIo)).toBe(2);
    expect(out.stderr).toContain('expected owner/repo#number');
    expect(gh().requests).toEqual([]);
  });
});
