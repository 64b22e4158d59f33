import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { pino, type Logger } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import { afterEach, beforeEach, expect } from 'vitest';
import { createApp } from '../../src/app.js';
import type { WriteThrottleOptions } from '../../src/github/publish/writeThrottle.js';
import { apiHeaders, CODELOAD_HEADERS, tarball } from '../github/fixtures/tarball.js';
import { threadsPage, type ThreadSpec } from '../github/publish/graphqlFixtures.js';
import { githubApi, type RecordedRequest } from '../github/publish/openapi.js';
import { diffEntries, type DiffEntry, type Tree } from './fixtures/repo.js';

export const OWNER = 'acme';
export const REPO = 'mesh-config';
export const INSTALLATION_ID = 4711;
export const APP_ID = 123;
export const WEBHOOK_SECRET = 'test-secret';
/** The installation token the fake GitHub hands out: it must never appear in anything sent or logged. */
export const TOKEN = 'ghs_MeshReviewTestInstallationTok3n0001';
/** codeload's signed URL carries a token of its own (private repositories). */
export const CODELOAD_TOKEN = 'AAPR4QTESTCODELOADTOKENXYZ234567ABCDEF';
/** The app's bot login as GraphQL reports it (REST adds `[bot]`). */
export const APP_LOGIN = 'mesh-review';

export const BASE_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const NEWER_SHA = '9c48853fa3dc5c1c3d6f1f1d6a9b2c7e5d4a3b21';
export const FIXED_SHA = '1f5a2b7c9d0e4f3a8b6c5d2e1f0a9b8c7d6e5f4a';
export const CHECK_RUN_ID = 4242;

/** A fresh RSA key for the app's JWT, made here: no key material lives in the repository. */
export const PRIVATE_KEY = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).privateKey;

// ---------------------------------------------------------------------------
// Probot

/**
 * Probot's Octokit without its retry and throttling plugins (the write throttle
 * under test does the waiting, with a fake clock). The function form is needed:
 * Probot passes its own `throttle` options to every instance, which replace an
 * object default's `throttle: { enabled: false }` wholesale.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
}));

export interface AppUnderTest {
  probot: Probot;
  /** Every line Probot's logger wrote (level trace and up), as JSON text. */
  logLines: string[];
  /** Waits the write throttle asked for (fake: they take no time). */
  sleeps: number[];
}

export interface StartOptions {
  Octokit?: typeof ProbotOctokit;
  throttle?: WriteThrottleOptions;
  timeoutMs?: number;
}

/** A pino logger (Probot's) that keeps every line, level trace and up. */
export function testLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

/** A throttle with no spacing whose waits take no time but are recorded. */
export function fakeThrottleOptions(sleeps: number[], extra: WriteThrottleOptions = {}): WriteThrottleOptions {
  return {
    minIntervalMs: 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  };
}

export function newProbot(log: Logger, Octokit: typeof ProbotOctokit = TestOctokit): Probot {
  return new Probot({ appId: APP_ID, privateKey: PRIVATE_KEY, secret: WEBHOOK_SECRET, Octokit, log });
}

/** The real Probot, with the app loaded through `probot.load`. */
export async function startApp(options: StartOptions = {}): Promise<AppUnderTest> {
  const { logger, lines } = testLogger();
  const sleeps: number[] = [];
  const probot = newProbot(logger, options.Octokit);
  await probot.load(createApp({ throttle: fakeThrottleOptions(sleeps, options.throttle), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }));
  return { probot, logLines: lines, sleeps };
}

// ---------------------------------------------------------------------------
// Webhook payloads, from @octokit/webhooks-examples

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{ name: string; examples: Json[] }>;

function example(name: string, action: string, predicate: (e: Json) => boolean = () => true): Json {
  const found = examples.find((e) => e.name === name)?.examples.find((e) => e.action === action && e.installation && predicate(e));
  if (!found) throw new Error(`no ${name}.${action} example`);
  return structuredClone(found);
}

function ourRepository(repository: Json): Json {
  return {
    ...repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    default_branch: 'main',
    private: true,
    owner: { ...repository.owner, login: OWNER },
    url: `https://api.github.com/repos/${OWNER}/${REPO}`,
    html_url: `https://github.com/${OWNER}/${REPO}`,
  };
}

export interface PullSpec {
  number?: number;
  baseSha?: string;
  headSha?: string;
  draft?: boolean;
  changedFiles?: number;
  /** The head branch lives in `contributor/mesh-config`. */
  fork?: boolean;
}

export const PR_NUMBER = 12;

/** A pull request object as webhooks and `GET /pulls/{n}` carry it, adjusted to our repository. */
export function pullRequest(base: Json, spec: PullSpec = {}): Json {
  const repository = ourRepository(base.base.repo);
  const headRepo = spec.fork
    ? {
        ...repository,
        id: repository.id + 1,
        name: REPO,
        full_name: `contributor/${REPO}`,
        fork: true,
        owner: { ...repository.owner, login: 'contributor', id: 4242424 },
      }
    : repository;
  const number = spec.number ?? PR_NUMBER;
  return {
    ...base,
    number,
    url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${number}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
    state: 'open',
    draft: spec.draft ?? false,
    changed_files: spec.changedFiles ?? 1,
    base: { ...base.base, ref: 'main', label: `${OWNER}:main`, sha: spec.baseSha ?? BASE_SHA, repo: repository, user: repository.owner },
    head: {
      ...base.head,
      ref: 'weaken-mesh',
      label: `${spec.fork ? 'contributor' : OWNER}:weaken-mesh`,
      sha: spec.headSha ?? HEAD_SHA,
      repo: headRepo,
      user: headRepo.owner,
    },
  };
}

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'ready_for_review';

export function pullRequestEvent(action: PullRequestAction, spec: PullSpec = {}): Json {
  const event = example('pull_request', action);
  event.repository = ourRepository(event.repository);
  event.pull_request = pullRequest(event.pull_request, spec);
  event.number = event.pull_request.number;
  event.installation = { ...event.installation, id: INSTALLATION_ID };
  if (action === 'synchronize') {
    event.before = BASE_SHA;
    event.after = event.pull_request.head.sha;
  }
  return event;
}

/** `check_run.rerequested` for our run on the head; `pullRequests: false` is what GitHub sends for a fork's head. */
export function checkRunRerequested(spec: { headSha?: string; externalId?: string; name?: string; pullRequests?: boolean } = {}): Json {
  const event = example('check_run', 'rerequested');
  const headSha = spec.headSha ?? HEAD_SHA;
  event.repository = ourRepository(event.repository);
  event.installation = { ...event.installation, id: INSTALLATION_ID };
  const pullRef = {
    url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`,
    id: 1934,
    number: PR_NUMBER,
    head: { ref: 'weaken-mesh', sha: headSha, repo: { id: 1, url: `https://api.github.com/repos/${OWNER}/${REPO}`, name: REPO } },
    base: { ref: 'main', sha: BASE_SHA, repo: { id: 1, url: `https://api.github.com/repos/${OWNER}/${REPO}`, name: REPO } },
  };
  const pulls = spec.pullRequests === false ? [] : [pullRef];
  event.check_run = {
    ...event.check_run,
    id: CHECK_RUN_ID,
    name: spec.name ?? 'mesh-review',
    head_sha: headSha,
    external_id: spec.externalId ?? '',
    status: 'completed',
    conclusion: 'failure',
    pull_requests: pulls,
    check_suite: { ...event.check_run.check_suite, head_sha: headSha, pull_requests: pulls },
  };
  return event;
}

export function checkSuiteEvent(action: 'requested' | 'rerequested', spec: { headSha?: string; pullRequests?: boolean; suiteId?: number } = {}): Json {
  const event = example('check_suite', action, (e) => e.check_suite.pull_requests.length > 0 || action === 'requested');
  const headSha = spec.headSha ?? HEAD_SHA;
  event.repository = ourRepository(event.repository);
  event.installation = { ...event.installation, id: INSTALLATION_ID };
  const pulls =
    spec.pullRequests === false
      ? []
      : [
          {
            url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}`,
            id: 279147437,
            number: PR_NUMBER,
            head: { ref: 'weaken-mesh', sha: headSha, repo: { id: 1, url: `https://api.github.com/repos/${OWNER}/${REPO}`, name: REPO } },
            base: { ref: 'main', sha: BASE_SHA, repo: { id: 1, url: `https://api.github.com/repos/${OWNER}/${REPO}`, name: REPO } },
          },
        ];
  event.check_suite = {
    ...event.check_suite,
    id: spec.suiteId ?? event.check_suite.id,
    head_sha: headSha,
    after: headSha,
    head_branch: 'weaken-mesh',
    pull_requests: pulls,
  };
  return event;
}

// ---------------------------------------------------------------------------
// GitHub's answers: response examples of GitHub's OpenAPI description, adjusted

const spec = JSON.parse(readFileSync(fileURLToPath(new URL('../../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url)), 'utf8')) as {
  components: { examples: Record<string, { value: unknown }> };
};

export function responseExample(name: string): Json {
  const value = spec.components.examples[name]?.value;
  if (value === undefined) throw new Error(`no response example ${name}`);
  return structuredClone(value) as Json;
}

const NOT_FOUND = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' };

/** One check run as GitHub returns it, with what was sent folded in. */
function checkRun(id: number, sent: Json, headSha: string): Json {
  const run = responseExample('check-run-example-of-in-progress-conclusion');
  return {
    ...run,
    id,
    node_id: `CR_kwDO${id}`,
    head_sha: sent.head_sha ?? headSha,
    external_id: sent.external_id ?? run.external_id,
    name: sent.name ?? 'mesh-review',
    url: `https://api.github.com/repos/${OWNER}/${REPO}/check-runs/${id}`,
    html_url: `https://github.com/${OWNER}/${REPO}/runs/${id}`,
    details_url: sent.details_url ?? `https://github.com/${OWNER}/${REPO}/runs/${id}`,
    status: sent.status ?? 'in_progress',
    conclusion: sent.conclusion ?? null,
    completed_at: sent.completed_at ?? null,
    output: {
      title: sent.output?.title ?? null,
      summary: sent.output?.summary ?? null,
      text: sent.output?.text ?? null,
      annotations_count: sent.output?.annotations?.length ?? 0,
      annotations_url: `https://api.github.com/repos/${OWNER}/${REPO}/check-runs/${id}/annotations`,
    },
    app: { ...run.app, id: APP_ID, slug: 'mesh-review', name: 'mesh-review' },
    pull_requests: [],
  };
}

export interface CheckRunState {
  id: number;
  status: string;
  conclusion: string | undefined;
  output: Json | undefined;
  annotations: Json[];
  writes: number;
}

export interface ReviewBody {
  commit_id: string;
  event: string;
  body: string;
  comments: Array<{ path: string; line: number; side: 'RIGHT' | 'LEFT'; body: string }>;
}

/**
 * The fake GitHub of one test: nock interceptors for api.github.com (every
 * request recorded and its body checked against GitHub's OpenAPI description)
 * and codeload.github.com.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly codeloadRequests: string[] = [];
  /** Check runs as GitHub holds them: created by a POST that succeeded, changed by PATCHes that succeeded. */
  readonly runs = new Map<number, CheckRunState>();

  /** Applies a successful create or update of run `id` (also for a run GitHub created but answered 5xx for). */
  trackRun(id: number, sent: Json): Json {
    const state = this.runs.get(id) ?? { id, status: 'queued', conclusion: undefined, output: undefined, annotations: [], writes: 0 };
    if (sent.status) state.status = sent.status;
    if (sent.conclusion) state.conclusion = sent.conclusion;
    if (sent.output) {
      state.output = { ...sent.output, annotations: undefined };
      // Each request appends its annotations to the run's list.
      state.annotations.push(...((sent.output.annotations as Json[] | undefined) ?? []));
    }
    state.writes += 1;
    this.runs.set(id, state);
    return state;
  }

  api(): nock.Scope {
    return githubApi(this);
  }

  private get repoPath(): string {
    return `/repos/${OWNER}/${REPO}`;
  }

  /** POST /app/installations/{id}/access_tokens (Probot caches the token per installation). */
  installationToken(): void {
    const token = responseExample('installation-token');
    delete token.repositories;
    this.api()
      .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
      .reply(201, {
        ...token,
        token: TOKEN,
        expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { checks: 'write', contents: 'read', metadata: 'read', pull_requests: 'write' },
        repository_selection: 'all',
      });
  }

  /**
   * `.github/mesh-review.yml` on the default branch, as Probot's config plugin
   * asks for it (raw media type, no ref). `null`: absent here and in the
   * organisation's `.github` repository (404 twice: the defaults apply).
   */
  config(content: string | null | { status: number; body?: Json }): void {
    const contents = (repo: string) => (path: string) => decodeURIComponent(path) === `/repos/${OWNER}/${repo}/contents/.github/mesh-review.yml`;
    if (content === null) {
      this.api().get(contents(REPO)).reply(404, NOT_FOUND, apiHeaders());
      this.api().get(contents('.github')).reply(404, NOT_FOUND, apiHeaders());
    } else if (typeof content === 'string') {
      this.api()
        .get(contents(REPO))
        .reply(200, content, apiHeaders({ 'content-type': 'text/plain; charset=utf-8', etag: '"4e1243bd22c66e76c2ba9eddc1f91394e57f9f83"' }));
    } else {
      this.api()
        .get(contents(REPO))
        .reply(content.status, content.body ?? { message: 'Server Error' }, apiHeaders());
    }
  }

  /** POST check-runs: answers with the run, id `id`. */
  createCheckRun(id = CHECK_RUN_ID, headSha = HEAD_SHA): nock.Scope {
    return this.api()
      .post(`${this.repoPath}/check-runs`)
      .reply(
        201,
        (_uri, body) => {
          this.trackRun(id, body as Json);
          return checkRun(id, body as Json, headSha);
        },
        apiHeaders(),
      );
  }

  /** PATCH check-runs/{id}. */
  updateCheckRun(id = CHECK_RUN_ID, headSha = HEAD_SHA): nock.Scope {
    return this.api()
      .patch(`${this.repoPath}/check-runs/${id}`)
      .reply(
        200,
        (_uri, body) => {
          this.trackRun(id, body as Json);
          return checkRun(id, body as Json, headSha);
        },
        apiHeaders(),
      );
  }

  /** GET pulls/{n}/files: the diff of `base` → `head`, GitHub's way (or `entries` as given). */
  pullFiles(
    base: Tree,
    head: Tree,
    headSha = HEAD_SHA,
    number = PR_NUMBER,
    entries = diffEntries(base, head, { owner: OWNER, repo: REPO }, headSha),
  ): DiffEntry[] {
    this.api().get(`${this.repoPath}/pulls/${number}/files`).query({ per_page: '100', page: '1' }).reply(200, entries, apiHeaders());
    return entries;
  }

  /**
   * GET tarball/{sha} → 302 to codeload → the tree as `owner-repo-sha7/…` in a tar.gz.
   * `optional`: the download may be cut short (the other side failed and the review aborted it).
   */
  tarball(sha: string, tree: Tree, options: { optional?: boolean } = {}): void {
    this.compare();
    this.api()
      .get(`${this.repoPath}/tarball/${sha}`)
      .optionally(options.optional === true)
      .reply(
        302,
        '',
        apiHeaders({ location: `https://codeload.github.com/${OWNER}/${REPO}/legacy.tar.gz/${sha}?token=${CODELOAD_TOKEN}`, 'content-length': '0' }),
      );
    const scope = nock('https://codeload.github.com');
    scope.on('request', (req: { path: string }) => this.codeloadRequests.push(req.path));
    const prefix = `${OWNER}-${REPO}-${sha.slice(0, 7)}`;
    scope
      .get(`/${OWNER}/${REPO}/legacy.tar.gz/${sha}`)
      .query({ token: CODELOAD_TOKEN })
      .optionally(options.optional === true)
      .reply(
        200,
        () =>
          tarball(
            prefix,
            [...tree].map(([path, content]) => ({ path, content })),
          ),
        {
          ...CODELOAD_HEADERS,
          'content-disposition': `attachment; filename=${prefix}.tar.gz`,
        },
      );
  }

  private compared = false;

  /**
   * GET compare/{base}...{head}: the merge base, which a review diffs against. Unless a test
   * says otherwise, the base commit is the merge base (the base branch has not moved on).
   */
  public compare(mergeBaseOf: (base: string, head: string) => string = (base) => base): void {
    if (this.compared) return;
    this.compared = true;
    this.api()
      .get(new RegExp(`^${this.repoPath}/compare/[0-9a-f]+\\.\\.\\.[0-9a-f]+`))
      .query(true)
      .optionally()
      .times(50)
      .reply(
        200,
        (uri: string) => {
          const [base, head] = uri.split('/compare/')[1]!.split('?')[0]!.split('...') as [string, string];
          return { status: 'ahead', ahead_by: 1, behind_by: 0, total_commits: 1, merge_base_commit: { sha: mergeBaseOf(base, head) }, commits: [], files: [] };
        },
        apiHeaders(),
      );
  }

  /** GET /app with the app's JWT: the app's slug, read once per process for its bot login. */
  appIdentity(): void {
    this.api()
      .get('/app')
      .reply(200, { ...responseExample('integration'), id: APP_ID, slug: APP_LOGIN, name: 'mesh-review' }, apiHeaders());
  }

  /**
   * GET commits/{sha}/check-runs?check_name=mesh-review: whether the app already has a run on the
   * head. `live` answers with the runs this fake GitHub holds when the request arrives.
   */
  runsOnHead(count: number | 'live', headSha = HEAD_SHA): void {
    this.api()
      .get(`${this.repoPath}/commits/${headSha}/check-runs`)
      .query({ check_name: 'mesh-review', per_page: '1' })
      .reply(200, () => ({ total_count: count === 'live' ? this.runs.size : count, check_runs: [] }));
  }

  /** The app's login and an empty list of its threads: what a review with nothing to say reads. */
  noOpenThreads(): void {
    this.appIdentity();
    this.threads();
  }

  /** The GraphQL query for mesh-review's own threads and reviews. */
  threads(threads: ThreadSpec[] = [], reviews: Array<{ author: string; body: string; oid: string }> = [], options: { outdated?: boolean } = {}): void {
    const page = threadsPage(threads, { reviews });
    // After a force-push, GitHub marks threads on lines that changed (or commits that vanished) outdated.
    if (options.outdated) for (const node of page.data.repository.pullRequest.reviewThreads.nodes) node.isOutdated = true;
    this.api()
      .post('/graphql', (body: Json) => typeof body.query === 'string' && body.query.includes('meshReviewThreads'))
      .reply(200, page, apiHeaders({ 'x-ratelimit-resource': 'graphql' }));
  }

  /** GET pulls/{n}: the pull request as it is now. */
  pull(spec: PullSpec = {}): void {
    const number = spec.number ?? PR_NUMBER;
    this.api()
      .get(`${this.repoPath}/pulls/${number}`)
      .reply(200, pullRequest(responseExample('pull-request'), spec), apiHeaders());
  }

  /** POST pulls/{n}/reviews. */
  postReview(id = 80, number = PR_NUMBER): void {
    this.api()
      .post(`${this.repoPath}/pulls/${number}/reviews`)
      .reply(
        200,
        (_uri, body) => ({
          ...responseExample('pull-request-review'),
          id,
          node_id: `PRR_kwDO${id}`,
          user: { ...responseExample('pull-request-review').user, login: `${APP_LOGIN}[bot]`, type: 'Bot' },
          body: (body as ReviewBody).body,
          state: 'COMMENTED',
          commit_id: (body as ReviewBody).commit_id,
          author_association: 'NONE',
        }),
        apiHeaders(),
      );
  }

  /** The resolveReviewThread mutation for `threadId`. */
  resolveThread(threadId: string): void {
    this.api()
      .post('/graphql', (body: Json) => typeof body.query === 'string' && body.query.includes('resolveReviewThread') && body.variables?.threadId === threadId)
      .reply(200, { data: { resolveReviewThread: { thread: { id: threadId, isResolved: true } } } });
  }

  /** POST a reply in the thread of comment `commentId`. */
  replyInThread(commentId: number, number = PR_NUMBER): void {
    this.api()
      .post(`${this.repoPath}/pulls/${number}/comments/${commentId}/replies`)
      .reply(
        201,
        (_uri, body) => ({ ...responseExample('pull-request-review-comment'), id: 9001, in_reply_to_id: commentId, body: (body as Json).body }),
        apiHeaders(),
      );
  }

  // --- what was sent

  sent(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path.split('?')[0]!));
  }

  checkRunWrites(): RecordedRequest[] {
    return this.requests.filter((r) => (r.method === 'POST' || r.method === 'PATCH') && /\/check-runs(\/\d+)?$/.test(r.path.split('?')[0]!));
  }

  reviews(): ReviewBody[] {
    return this.sent('POST', /\/pulls\/\d+\/reviews$/).map((r) => r.body as ReviewBody);
  }

  graphqlMutations(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/graphql' && /^\s*mutation/.test(String((r.body as Json)?.query)));
  }

  /** Requests to api.github.com other than the installation token, as `METHOD /path`. */
  calls(): string[] {
    return this.requests
      .filter((r) => !r.path.startsWith('/app/installations/'))
      .map(
        (r) =>
          `${r.method} ${decodeURIComponent(r.path.split('?')[0]!)}${r.path === '/graphql' ? ` ${/^\s*(query|mutation)\s+(\w+)/.exec(String((r.body as Json)?.query))?.[2] ?? ''}` : ''}`,
      );
  }
}

/**
 * Per-test wiring: no network, a fresh fake GitHub, and afterwards: every
 * interceptor used, nothing unexpected asked for, every body valid, no check
 * run left in progress, and no credential in anything sent or logged.
 */
export function useFakeGitHub(): { gh: () => FakeGitHub; app: () => AppUnderTest; setApp: (a: AppUnderTest) => void } {
  let gh: FakeGitHub;
  let app: AppUnderTest | undefined;
  const unexpected: string[] = [];
  const noMatch = (req: { method?: string; path?: string; href?: string; host?: string; hostname?: string }) => {
    // Local traffic (the webhook test's own HTTP server) is let through on purpose.
    if (/^(127\.0\.0\.1|localhost)/.test(req.hostname ?? req.host ?? '')) return;
    unexpected.push(`${req.method ?? '?'} ${req.href ?? req.path ?? '?'}`);
  };
  beforeEach(() => {
    nock.cleanAll();
    nock.disableNetConnect();
    nock.emitter.on('no match', noMatch);
    unexpected.length = 0;
    gh = new FakeGitHub();
    app = undefined;
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.emitter.removeListener('no match', noMatch);
    nock.cleanAll();
    nock.enableNetConnect();
    if (process.env.PRINT_REQUEST_COUNTS === '1') {
      const token = gh.requests.length - gh.calls().length;
      console.log(
        `[requests] ${expect.getState().currentTestName}: ${gh.calls().length} api.github.com (+${token} token, +${gh.codeloadRequests.length} codeload)`,
      );
    }
    expect(unexpected, 'no request that was not mocked').toEqual([]);
    expect(pending, 'every mocked GitHub request was made').toEqual([]);
    expect(gh.violations, "every body conforms to GitHub's OpenAPI description").toEqual([]);
    for (const run of gh.runs.values()) expect(run.status, 'no check run is left in progress').toBe('completed');
    expectNoSecrets(gh, app);
  });
  return {
    gh: () => gh,
    app: () => {
      if (!app) throw new Error('startApp first');
      return app;
    },
    setApp: (a) => {
      app = a;
    },
  };
}

const SECRETS = [TOKEN, CODELOAD_TOKEN, PRIVATE_KEY.split('\n')[1]!, WEBHOOK_SECRET];

export function expectNoSecrets(gh: FakeGitHub, app: AppUnderTest | undefined): void {
  const sent = JSON.stringify(gh.requests.map((r) => r.body));
  const logged = app?.logLines.join('\n') ?? '';
  for (const secret of SECRETS) {
    expect(sent.includes(secret), 'a credential in a request body').toBe(false);
    expect(logged.includes(secret), 'a credential in a log line').toBe(false);
  }
  expect(sent).not.toMatch(/codeload\.github\.com\/[^\s"]*\?/);
  expect(logged).not.toMatch(/codeload\.github\.com\/[^\s"]*\?/);
}

/** Waits until `condition` holds (for work a handler leaves running, e.g. the other side's download). */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
