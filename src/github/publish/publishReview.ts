import { randomUUID } from 'node:crypto';
import type { Finding } from '../../findings/finding.js';
import type { ReviewResult } from '../../pipeline/reviewResult.js';
import { sortFindings } from '../../report/format.js';
import type { CommentableLines, GitHub, PullRequestRef } from '../types.js';
import { readExistingThreads, type ExistingThread } from './existingThreads.js';
import { isLineOutsideDiff, isServerError, viewError, type HttpErrorView } from './httpErrors.js';
import { FIXED_MARKER, safeRunId } from './markers.js';
import { renderReviewBody, type BodyOptions } from './reviewBody.js';
import { planReview, type PlannedComment, type PlanReviewOptions, type ReviewPlan } from './reviewPlan.js';
import { describeError } from './secrets.js';
import { WriteThrottle } from './writeThrottle.js';

export interface PublishReviewOptions extends BodyOptions {
  throttle?: WriteThrottle;
  /** See ReadExistingOptions.appLogin; used when a 5xx makes us look for the review we may have posted. */
  appLogin?: string;
  /** Identifies this attempt's review in its hidden marker. Default: a random UUID. */
  runId?: string;
}

export interface PublishReviewOutcome {
  /** `superseded`: the PR's head moved on, nothing was written. `skipped`: nothing new to say. */
  status: 'posted' | 'skipped' | 'superseded';
  reviewId?: number;
  /** Inline comments GitHub accepted. */
  inlineComments: number;
  /** Findings listed in the review body. */
  bodyFindings: number;
  /** Comments GitHub refused (line outside the diff) and that went to the body instead. */
  movedToBody: PlannedComment[];
  /** Threads resolved, and threads answered "fixed" (GraphQL node ids). */
  resolved: string[];
  replied: string[];
  /** Thread updates that failed (redacted); the review itself stands. */
  threadErrors: string[];
}

export const RESOLVE_THREAD_MUTATION = /* GraphQL */ `
  mutation meshReviewResolve($threadId: ID!) {
    resolveReviewThread(input: { threadId: $threadId }) {
      thread {
        id
        isResolved
      }
    }
  }
`;

/**
 * Reads what mesh-review already posted, plans, and publishes: the whole
 * review step of the app and of `mesh-review pr --post`.
 */
export async function syncReview(
  github: GitHub,
  pr: PullRequestRef,
  result: ReviewResult,
  commentable: CommentableLines,
  options: PublishReviewOptions & PlanReviewOptions = {},
): Promise<PublishReviewOutcome & { plan: ReviewPlan }> {
  const throttle = options.throttle ?? new WriteThrottle();
  const existing = await readExistingThreads(github, pr, { throttle, ...(options.appLogin ? { appLogin: options.appLogin } : {}) });
  const plan = planReview(result, commentable, existing, options);
  return { ...(await publishReview(github, pr, plan, { ...options, throttle })), plan };
}

/**
 * Publishes `plan` as one review on the head sha (event `COMMENT`, never an
 * approval), then resolves or answers the threads of fixed findings.
 *
 * - Nothing is written when the PR's head is no longer `pr.headSha`: a result
 *   for an older head never overwrites a newer one.
 * - No review is posted when there is no new comment and no new body finding.
 * - A 422 for a line outside the diff moves the refused comments to the body
 *   (all of them when GitHub does not say which) and retries once.
 */
export async function publishReview(github: GitHub, pr: PullRequestRef, plan: ReviewPlan, options: PublishReviewOptions = {}): Promise<PublishReviewOutcome> {
  const throttle = options.throttle ?? new WriteThrottle();
  const outcome: PublishReviewOutcome = {
    status: 'skipped',
    inlineComments: 0,
    bodyFindings: 0,
    movedToBody: [],
    resolved: [],
    replied: [],
    threadErrors: [],
  };
  if (!(await isCurrentHead(github, pr, throttle))) return { ...outcome, status: 'superseded' };

  if (plan.comments.length > 0 || plan.newBodyFindings.length > 0) {
    const posted = await postReview(github, pr, plan, options, throttle);
    if (posted === 'superseded') return { ...outcome, status: 'superseded' };
    Object.assign(outcome, posted, { status: 'posted' });
  }

  for (const thread of plan.fixedThreads) {
    try {
      const done = await settleFixedThread(github, pr, thread, throttle);
      if (done === 'resolved') outcome.resolved.push(thread.id);
      if (done === 'replied') outcome.replied.push(thread.id);
    } catch (error) {
      outcome.threadErrors.push(`${thread.id}: ${describeError(error)}`);
    }
  }
  return outcome;
}

async function isCurrentHead(github: GitHub, pr: PullRequestRef, throttle: WriteThrottle): Promise<boolean> {
  const { data } = await throttle.read(() =>
    github.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: pr.owner, repo: pr.repo, pull_number: pr.number }),
  );
  return data.head.sha === pr.headSha;
}

type Posted = Pick<PublishReviewOutcome, 'reviewId' | 'inlineComments' | 'bodyFindings' | 'movedToBody'>;

async function postReview(
  github: GitHub,
  pr: PullRequestRef,
  plan: ReviewPlan,
  options: PublishReviewOptions,
  throttle: WriteThrottle,
): Promise<Posted | 'superseded'> {
  const runId = options.runId ?? randomUUID();
  let inline = plan.comments;
  let body = plan.bodyFindings;
  let moved: PlannedComment[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      const reviewId = await createReview(github, pr, runId, inline, body, options, throttle);
      return { ...(reviewId !== undefined ? { reviewId } : {}), inlineComments: inline.length, bodyFindings: body.length, movedToBody: moved };
    } catch (error) {
      const view = viewError(error);
      if (attempt === 0 && inline.length > 0 && isLineOutsideDiff(view)) {
        const refused = refusedComments(view, inline);
        moved = refused;
        inline = inline.filter((c) => !refused.includes(c));
        body = sortFindings([...body, ...refused.flatMap((c) => c.findings)]);
        continue;
      }
      // A force-push between our head check and the post: the commit is no longer the PR's.
      if (view.status === 422 && !(await isCurrentHead(github, pr, throttle).catch(() => true))) return 'superseded';
      throw error;
    }
  }
}

/**
 * The comments a 422 refers to. GitHub's message usually names no comment;
 * when it names a path (or a `comments[i]` index) only those move, otherwise
 * every inline comment does: the review then still carries every finding.
 */
export function refusedComments(view: HttpErrorView, comments: readonly PlannedComment[]): PlannedComment[] {
  const byIndex = [...view.text.matchAll(/comments(?:\[(\d+)\]|\.(\d+))/g)]
    .map((m) => comments[Number(m[1] ?? m[2])])
    .filter((c): c is PlannedComment => c !== undefined);
  if (byIndex.length > 0) return [...new Set(byIndex)];
  const byPath = comments.filter((c) => new RegExp(`(?:^|[\\s"'\`(])${escapeRegExp(c.path)}(?:$|[\\s"'\`),:])`).test(view.text));
  return byPath.length > 0 ? byPath : [...comments];
}

/**
 * POSTs the review. Not repeated blindly after a 5xx: GitHub may have created
 * it before failing, so its reviews are read back first and the one carrying
 * this attempt's `runId` counts as posted.
 */
async function createReview(
  github: GitHub,
  pr: PullRequestRef,
  runId: string,
  inline: readonly PlannedComment[],
  bodyFindings: readonly Finding[],
  options: PublishReviewOptions,
  throttle: WriteThrottle,
): Promise<number | undefined> {
  const inlineFindings = inline.reduce((n, c) => n + c.findings.length, 0);
  const body = renderReviewBody({ headSha: pr.headSha, runId, inlineCount: inline.length, inlineFindings, bodyFindings }, options);
  const send = () =>
    throttle.write(
      () =>
        github.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
          owner: pr.owner,
          repo: pr.repo,
          pull_number: pr.number,
          commit_id: pr.headSha,
          event: 'COMMENT',
          body,
          comments: inline.map((c) => ({ path: c.path, line: c.line, side: c.side, body: c.body })),
        }),
      { idempotent: false },
    );
  for (let attempt = 0; ; attempt++) {
    try {
      return Number((await send()).data.id);
    } catch (error) {
      if (!isServerError(viewError(error)) || attempt >= 2) throw error;
      const existing = await readExistingThreads(github, pr, { throttle, ...(options.appLogin ? { appLogin: options.appLogin } : {}) }).catch(() => undefined);
      if (existing?.reviews.some((r) => r.runId === safeRunId(runId))) return undefined;
    }
  }
}

async function settleFixedThread(
  github: GitHub,
  pr: PullRequestRef,
  thread: ExistingThread,
  throttle: WriteThrottle,
): Promise<'resolved' | 'replied' | 'nothing'> {
  if (thread.isResolved) return 'nothing';
  if (!thread.othersReplied) {
    await throttle.write(() => github.graphql(RESOLVE_THREAD_MUTATION, { threadId: thread.id }));
    return 'resolved';
  }
  if (thread.fixedReplied) return 'nothing';
  await throttle.write(
    () =>
      github.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', {
        owner: pr.owner,
        repo: pr.repo,
        pull_number: pr.number,
        comment_id: thread.firstComment.databaseId,
        body: fixedReply(pr.headSha),
      }),
    // A repeated reply is noise; a missing one is posted by the next run (no marker yet).
    { idempotent: false },
  );
  return 'replied';
}

export function fixedReply(headSha: string): string {
  return `Fixed in ${headSha}: mesh-review no longer reports this finding. Resolve this conversation when the discussion is done.\n\n${FIXED_MARKER}`;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
