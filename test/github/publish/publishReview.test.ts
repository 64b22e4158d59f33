import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import type { ExistingState, ExistingThread } from '../../../src/github/publish/existingThreads.js';
import { FIXED_MARKER, fingerprintOf, parseBodyFingerprints, parseCommentFingerprints, shortFingerprint } from '../../../src/github/publish/markers.js';
import { publishReview, syncReview } from '../../../src/github/publish/publishReview.js';
import { planReview } from '../../../src/github/publish/reviewPlan.js';
import { finding as base, result } from '../../report/sample.js';
import { threadsPage } from './graphqlFixtures.js';
import { fakeThrottle, HEAD, lines, NEWER, octokit, pr, useGitHubMock } from './helpers.js';

const mock = useGitHubMock();
const FILE = 'deploy/payments/peer-auth.yaml';
const finding = (over: Partial<Finding> = {}): Finding =>
  base({ ruleId: 'transport-weakened', title: 'mTLS no longer required on payments/api:8080', ...over });
const none: ExistingState = { threads: [], reviews: [] };
const commentable = lines({ [FILE]: { right: [12, 20], left: [5] }, 'deploy/other.yaml': { right: [3] } });

const a = finding({ line: 12 });
const deleted = finding({
  ruleId: 'deny-policy-weakened',
  side: 'before',
  line: 5,
  workload: 'payments/db',
  resource: { kind: 'AuthorizationPolicy', namespace: 'payments', name: 'deny-all' },
});
const other = finding({ file: 'deploy/other.yaml', line: 3, workload: 'payments/other' });
const outside = finding({ line: 99, workload: 'payments/far' });

type ReviewBody = { commit_id: string; event: string; body: string; comments: Array<{ path: string; line: number; side: string; body: string }> };

const pull = (sha = HEAD) => mock.api().get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha } });

function thread(f: Finding, over: Partial<ExistingThread> = {}): ExistingThread {
  return {
    id: `T_${f.workload}`,
    fingerprints: [fingerprintOf(f)],
    isResolved: false,
    isOutdated: false,
    path: f.file,
    firstComment: { id: 'PRRC_1', databaseId: 501, author: 'mesh-review' },
    othersReplied: false,
    fixedReplied: false,
    resolvedByOther: false,
    ...over,
  };
}

describe('publishReview', () => {
  it('posts one COMMENT review on the head sha: inline comments RIGHT and LEFT, the rest in the body', async () => {
    const { throttle } = fakeThrottle();
    const plan = planReview(result([a, deleted, outside]), commentable, none);
    let sent: ReviewBody | undefined;
    pull();
    mock
      .api()
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(200, (_uri, body) => {
        sent = body as ReviewBody;
        return { id: 900 };
      });
    const out = await publishReview(octokit(), pr, plan, { throttle, runId: 'run-1' });
    expect(out).toMatchObject({ status: 'posted', reviewId: 900, inlineComments: 2, bodyFindings: 1 });
    expect(sent!.event).toBe('COMMENT');
    expect(sent!.commit_id).toBe(HEAD);
    expect(sent!.comments.map(({ path, line, side }) => ({ path, line, side }))).toEqual([
      { path: FILE, line: 5, side: 'LEFT' },
      { path: FILE, line: 12, side: 'RIGHT' },
    ]);
    expect(sent!.comments.map((c) => parseCommentFingerprints(c.body))).toEqual([[fingerprintOf(deleted)], [fingerprintOf(a)]]);
    expect(parseBodyFingerprints(sent!.body)).toEqual([shortFingerprint(fingerprintOf(outside))]);
    expect(sent!.body).toContain(`<!-- mesh-review:review head=${HEAD} run=run-1 -->`);
  });

  it('posts nothing when there is nothing new (a push that changes nothing relevant)', async () => {
    const { throttle } = fakeThrottle();
    const existing: ExistingState = { threads: [thread(a)], reviews: [{ id: 'R', headSha: HEAD, runId: 'r0', bodyFingerprints: [fingerprintOf(outside)] }] };
    const plan = planReview(result([a, outside]), commentable, existing);
    pull();
    expect(await publishReview(octokit(), pr, plan, { throttle })).toMatchObject({ status: 'skipped', resolved: [], replied: [] });
    expect(mock.writes()).toEqual([]);
  });

  it('writes nothing for a head the PR has moved past: an older result never overwrites a newer one', async () => {
    const { throttle } = fakeThrottle();
    const plan = planReview(result([a]), commentable, { threads: [thread(finding({ workload: 'payments/gone' }))], reviews: [] });
    expect(plan.comments).toHaveLength(1);
    expect(plan.fixedThreads).toHaveLength(1);
    pull(NEWER);
    expect(await publishReview(octokit(), pr, plan, { throttle })).toMatchObject({ status: 'superseded' });
    expect(mock.writes()).toEqual([]);
  });

  it('on a 422 for a line outside the diff, moves the comments to the body and retries once', async () => {
    const { throttle } = fakeThrottle();
    const plan = planReview(result([a, other]), commentable, none);
    const sent: ReviewBody[] = [];
    pull();
    mock
      .api()
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(422, (_uri, body) => {
        sent.push(body as ReviewBody);
        return {
          message: 'Unprocessable Entity',
          errors: ["Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank"],
          status: '422',
        };
      })
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(200, (_uri, body) => {
        sent.push(body as ReviewBody);
        return { id: 901 };
      });
    const out = await publishReview(octokit(), pr, plan, { throttle });
    expect(out).toMatchObject({ status: 'posted', inlineComments: 0, bodyFindings: 2 });
    expect(out.movedToBody).toHaveLength(2);
    expect(sent[0]!.comments).toHaveLength(2);
    expect(sent[1]!.comments).toEqual([]);
    expect(parseBodyFingerprints(sent[1]!.body).sort()).toEqual([fingerprintOf(a), fingerprintOf(other)].map(shortFingerprint).sort());
  });

  it('on a 422 that names the comment’s path, retries without just that comment', async () => {
    const { throttle } = fakeThrottle();
    const plan = planReview(result([a, other]), commentable, none);
    const sent: ReviewBody[] = [];
    pull();
    mock
      .api()
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequestReviewComment',
            code: 'custom',
            field: 'pull_request_review_thread.line',
            message: 'deploy/other.yaml: pull_request_review_thread.line must be part of the diff',
          },
        ],
      })
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(200, (_uri, body) => {
        sent.push(body as ReviewBody);
        return { id: 902 };
      });
    const out = await publishReview(octokit(), pr, plan, { throttle });
    expect(out.movedToBody.map((c) => c.path)).toEqual(['deploy/other.yaml']);
    expect(sent[0]!.comments.map((c) => c.path)).toEqual([FILE]);
    expect(parseBodyFingerprints(sent[0]!.body)).toEqual([shortFingerprint(fingerprintOf(other))]);
  });

  it('retries a 422 only once, and not at all when it is not about lines', async () => {
    const { throttle } = fakeThrottle();
    const plan = planReview(result([a]), commentable, none);
    const lineError = { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] };
    pull();
    mock
      .api()
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(422, lineError)
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(422, { message: 'Unprocessable Entity', errors: ['Body is too long'] });
    pull(); // the second 422 makes it check whether the head moved
    await expect(publishReview(octokit(), pr, plan, { throttle })).rejects.toMatchObject({ status: 422 });
  });

  it('waits out a secondary rate limit on the review (retry-after: 2), then posts', async () => {
    const { throttle, sleeps } = fakeThrottle();
    const plan = planReview(result([a]), commentable, none);
    pull();
    mock
      .api()
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '2' })
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(200, { id: 903 });
    expect(await publishReview(octokit(), pr, plan, { throttle })).toMatchObject({ status: 'posted', reviewId: 903 });
    expect(sleeps).toEqual([2000]);
  });

  it('after a 5xx, checks whether the review was created before posting it again', async () => {
    const { throttle } = fakeThrottle();
    const plan = planReview(result([a]), commentable, none);
    pull();
    mock
      .api()
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(502, 'Bad Gateway')
      .post('/graphql')
      .reply(200, threadsPage([], { reviews: [] }))
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(504, 'Gateway Timeout')
      .post('/graphql')
      .reply(200, threadsPage([], { reviews: [{ author: 'mesh-review', oid: HEAD, body: `<!-- mesh-review:review head=${HEAD} run=run-5 -->` }] }));
    const out = await publishReview(octokit(), pr, plan, { throttle, runId: 'run-5' });
    expect(out.status).toBe('posted');
    expect(mock.requests.filter((r) => r.path.endsWith('/reviews'))).toHaveLength(2); // never a third, duplicate review
  });

  it('resolves a fixed thread nobody replied to; replies "Fixed in <sha>" once where someone did', async () => {
    const { throttle } = fakeThrottle();
    const quiet = thread(finding({ workload: 'payments/quiet' }), { id: 'T_quiet' });
    const discussed = thread(finding({ workload: 'payments/discussed' }), {
      id: 'T_discussed',
      othersReplied: true,
      firstComment: { id: 'PRRC_2', databaseId: 777, author: 'mesh-review' },
    });
    const answered = thread(finding({ workload: 'payments/answered' }), { id: 'T_answered', othersReplied: true, fixedReplied: true });
    const plan = planReview(result([a]), commentable, { threads: [thread(a), quiet, discussed, answered], reviews: [] });
    expect(plan.fixedThreads.map((t) => t.id)).toEqual(['T_quiet', 'T_discussed']);
    const mutations: unknown[] = [];
    let reply: { body: string } | undefined;
    pull();
    mock
      .api()
      .post('/graphql')
      .reply(200, (_uri, body) => {
        mutations.push((body as { variables: unknown }).variables);
        return { data: { resolveReviewThread: { thread: { id: 'T_quiet', isResolved: true } } } };
      })
      .post('/repos/acme/shop/pulls/7/comments/777/replies')
      .reply(201, (_uri, body) => {
        reply = body as { body: string };
        return { id: 1 };
      });
    const out = await publishReview(octokit(), pr, plan, { throttle });
    expect(out).toMatchObject({ status: 'skipped', resolved: ['T_quiet'], replied: ['T_discussed'], threadErrors: [] });
    expect(mutations).toEqual([{ threadId: 'T_quiet' }]);
    expect(reply!.body).toContain(`Fixed in ${HEAD}`);
    expect(reply!.body).toContain(FIXED_MARKER);
    // Even handed a thread that already has the app's reply, it does not reply twice.
    pull();
    const again = await publishReview(octokit(), pr, { ...plan, fixedThreads: [answered] }, { throttle });
    expect(again.replied).toEqual([]);
  });

  it('retries a resolve after a 5xx; a failing thread update is reported, not thrown', async () => {
    const { throttle } = fakeThrottle();
    const gone1 = thread(finding({ workload: 'payments/g1' }), { id: 'T_g1' });
    const gone2 = thread(finding({ workload: 'payments/g2' }), { id: 'T_g2' });
    const plan = planReview(result([]), commentable, { threads: [gone1, gone2], reviews: [] });
    pull();
    mock
      .api()
      .post('/graphql')
      .reply(502, 'x')
      .post('/graphql')
      .reply(200, { data: { resolveReviewThread: { thread: { id: 'T_g1', isResolved: true } } } })
      .post('/graphql')
      .reply(403, { message: 'Resource not accessible by integration' });
    const out = await publishReview(octokit(), pr, plan, { throttle });
    expect(out.resolved).toEqual(['T_g1']);
    expect(out.threadErrors).toHaveLength(1);
    expect(out.threadErrors[0]).toMatch(/^T_g2: HTTP 403/);
  });
});

describe('syncReview', () => {
  it('is silent on redelivery: the second run finds its own comments and posts nothing', async () => {
    const { throttle } = fakeThrottle();
    const r = result([a, deleted, outside]);
    let posted: ReviewBody | undefined;
    mock
      .api()
      .post('/graphql')
      .reply(200, threadsPage([]))
      .get('/repos/acme/shop/pulls/7')
      .reply(200, { head: { sha: HEAD } })
      .post('/repos/acme/shop/pulls/7/reviews')
      .reply(200, (_uri, body) => {
        posted = body as ReviewBody;
        return { id: 910 };
      });
    const first = await syncReview(octokit(), pr, r, commentable, { throttle, appLogin: 'mesh-review[bot]' });
    expect(first).toMatchObject({ status: 'posted', inlineComments: 2, bodyFindings: 1 });

    // What GitHub now holds: one thread per inline comment, and the review.
    const state = threadsPage(
      posted!.comments.map((c, i) => ({ id: `T${i}`, comments: [{ author: 'mesh-review', body: c.body }] })),
      { reviews: [{ author: 'mesh-review', oid: HEAD, body: posted!.body }] },
    );
    mock
      .api()
      .post('/graphql')
      .reply(200, state)
      .get('/repos/acme/shop/pulls/7')
      .reply(200, { head: { sha: HEAD } });
    const second = await syncReview(octokit(), pr, r, commentable, { throttle, appLogin: 'mesh-review[bot]' });
    expect(second).toMatchObject({ status: 'skipped', inlineComments: 0, resolved: [], replied: [] });
    expect(mock.requests.filter((q) => q.path.endsWith('/reviews'))).toHaveLength(1);
  });
});
