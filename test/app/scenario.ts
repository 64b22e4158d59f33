import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ThreadSpec } from '../github/publish/graphqlFixtures.js';
import { DEMO_AFTER, DEMO_BEFORE, edit, readTree, ROOT, withFiles, type Tree } from './fixtures/repo.js';
import { BASE_SHA, CHECK_RUN_ID, HEAD_SHA, type FakeGitHub, type ReviewBody } from './harness.js';

const fixture = (name: string): string => readFileSync(join(ROOT, 'test/app/fixtures/pr', name), 'utf8');
const README = '# acme mesh configuration\n\nOne directory per namespace.\n';

export interface PullRequestTrees {
  base: Tree;
  head: Tree;
}

/**
 * The main scenario's pull request: the demo's three weakenings
 * (fixtures/demo: a namespace PERMISSIVE PeerAuthentication added, `"*"`
 * added to an ALLOW rule, a DENY policy deleted), plus the deletion of
 * `payments/strict-mtls.yaml`, which leaves the untouched namespace PERMISSIVE
 * of `payments/legacy-mtls.yaml` in charge (commented on the deleted line), and
 * a new DENY for checkout's debug paths: narrowed access, which is listed in the
 * review body rather than commented on.
 */
export function demoPullRequest(): PullRequestTrees {
  const extra = { 'README.md': README, 'payments/legacy-mtls.yaml': fixture('legacy-mtls.yaml') };
  return {
    base: withFiles(readTree(DEMO_BEFORE), { ...extra, 'payments/strict-mtls.yaml': fixture('strict-mtls.yaml') }),
    head: withFiles(readTree(DEMO_AFTER), { ...extra, 'checkout/deny-debug.yaml': fixture('checkout-deny-debug.yaml') }),
  };
}

/** The demo's head with the `"*"` principal taken out again: that finding is fixed, the others stay. */
export function fixedHead(head: Tree): Tree {
  return withFiles(head, {
    'payments/authz.yaml': edit(head.get('payments/authz.yaml'), '              - "*"  # temporary: let the new fraud service call us\n', ''),
  });
}

/** A pull request that changes only the README. */
export function readmeOnlyPullRequest(): PullRequestTrees {
  const base = withFiles(readTree(DEMO_BEFORE), { 'README.md': README });
  return { base, head: withFiles(base, { 'README.md': `${README}\nSee docs/ for the rollout plan.\n` }) };
}

/** A pull request that changes manifests without weakening anything: a new image and a replica count. */
export function harmlessPullRequest(): PullRequestTrees {
  const base = withFiles(readTree(DEMO_BEFORE), { 'README.md': README });
  const deployment = base.get('payments/deployment.yaml');
  return {
    base,
    head: withFiles(base, {
      'payments/deployment.yaml': edit(edit(deployment, 'payments:1.8.2', 'payments:1.9.0'), 'replicas: 2', 'replicas: 3'),
    }),
  };
}

/** The demo pull request with a manifest added that is not valid YAML. */
export function brokenYamlPullRequest(): PullRequestTrees {
  const { base, head } = demoPullRequest();
  return { base, head: withFiles(head, { 'payments/ledger-authz.yaml': fixture('broken.yaml') }) };
}

export interface ReviewMockOptions extends PullRequestTrees {
  baseSha?: string;
  headSha?: string;
  number?: number;
  checkRunId?: number;
  /** The default branch's `.github/mesh-review.yml`; `null` (default): none anywhere, the defaults apply. */
  config?: string | null;
  /** Probot already holds an installation token (a later event in the same test). */
  tokenCached?: boolean;
  /** The app already read its login (a later review in the same test). Default: `tokenCached`. */
  loginCached?: boolean;
  /** What GitHub lists as mesh-review's earlier threads and reviews. */
  threads?: ThreadSpec[];
  reviews?: Array<{ author: string; body: string; oid: string }>;
  /** The existing threads are outdated (after a force-push). */
  outdated?: boolean;
  /** The pull request's head when the review is about to be posted (default: this head). */
  currentHead?: string;
  /** The review is published (`post`), or the step ends before posting (`skip`), or is never reached (`none`: drafts). */
  review?: 'post' | 'skip' | 'none';
}

/**
 * The requests of one complete review, mocked: token, check run, file list,
 * configuration, two tarballs, check run completed, existing threads, head
 * check, and the review. Returns the diff entries served.
 */
export function mockReview(gh: FakeGitHub, o: ReviewMockOptions): { changedFiles: number } {
  const headSha = o.headSha ?? HEAD_SHA;
  const id = o.checkRunId ?? CHECK_RUN_ID;
  if (!o.tokenCached) gh.installationToken();
  gh.createCheckRun(id, headSha);
  const files = gh.pullFiles(o.base, o.head, headSha, o.number);
  gh.config(o.config === undefined ? null : o.config);
  gh.tarball(o.baseSha ?? BASE_SHA, o.base);
  gh.tarball(headSha, o.head);
  gh.updateCheckRun(id, headSha);
  const review = o.review ?? 'post';
  if (review !== 'none') {
    if (!(o.loginCached ?? o.tokenCached)) gh.appIdentity();
    gh.threads(o.threads ?? [], o.reviews ?? [], { outdated: o.outdated === true });
    gh.pull({ headSha: o.currentHead ?? headSha, ...(o.number ? { number: o.number } : {}) });
    if (review === 'post') gh.postReview(80, o.number);
  }
  return { changedFiles: files.length };
}

/** The calls of one complete review, in order (codeload not included: it is not api.github.com). */
export function reviewCalls(o: {
  headSha?: string;
  baseSha?: string;
  checkRunId?: number;
  number?: number;
  config?: 'absent' | 'present';
  review?: 'post' | 'skip' | 'none';
  /** The app's login was read by an earlier review of this app. */
  loginCached?: boolean;
}): string[] {
  const repo = '/repos/acme/mesh-config';
  const number = o.number ?? 12;
  const review = o.review ?? 'post';
  return [
    `POST ${repo}/check-runs`,
    `GET ${repo}/pulls/${number}/files`,
    `GET ${repo}/contents/.github/mesh-review.yml`,
    ...(o.config === 'present' ? [] : ['GET /repos/acme/.github/contents/.github/mesh-review.yml']),
    // The merge base first, then both snapshots at once; the order in which they start is fixed by the code.
    `GET ${repo}/compare/${o.baseSha ?? BASE_SHA}...${o.headSha ?? HEAD_SHA}`,
    `GET ${repo}/tarball/${o.baseSha ?? BASE_SHA}`,
    `GET ${repo}/tarball/${o.headSha ?? HEAD_SHA}`,
    `PATCH ${repo}/check-runs/${o.checkRunId ?? CHECK_RUN_ID}`,
    ...(review === 'none' || o.loginCached ? [] : ['GET /app']),
    ...(review === 'none' ? [] : ['POST /graphql meshReviewThreads', `GET ${repo}/pulls/${number}`]),
    ...(review === 'post' ? [`POST ${repo}/pulls/${number}/reviews`] : []),
  ];
}

/** `review`'s comments as `path:line:SIDE`. */
export const anchors = (review: ReviewBody | undefined): string[] => (review?.comments ?? []).map((c) => `${c.path}:${c.line}:${c.side}`);

/**
 * A mesh-wide change: `namespaces` namespaces of five workloads each, and the
 * mesh-wide PeerAuthentication turned from STRICT to PERMISSIVE. Every
 * workload's transport gets weaker on the one changed line: many findings, one cause.
 */
export function meshWidePullRequest(namespaces: number): PullRequestTrees {
  const files: Record<string, string> = { 'README.md': README, 'mesh/mtls.yaml': readTree(DEMO_BEFORE).get('mesh/mtls.yaml')! };
  const nsDocs: string[] = [];
  for (let i = 1; i <= namespaces; i++) {
    const ns = `team-${String(i).padStart(2, '0')}`;
    nsDocs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels:\n    istio-injection: enabled\n`);
    const deployments = [1, 2, 3, 4, 5].map(
      (w) =>
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-${w}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels:\n      app: api-${w}\n  template:\n    metadata:\n      labels:\n        app: api-${w}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/example/api:1.0.0\n          ports:\n            - containerPort: 8080\n`,
    );
    files[`apps/${ns}.yaml`] = deployments.join('---\n');
  }
  files['mesh/namespaces.yaml'] = nsDocs.join('---\n');
  const base = new Map(Object.entries(files));
  return { base, head: withFiles(base, { 'mesh/mtls.yaml': edit(files['mesh/mtls.yaml'], 'mode: STRICT', 'mode: PERMISSIVE') }) };
}
