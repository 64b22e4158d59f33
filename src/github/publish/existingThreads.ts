import type { GitHub, PullRequestRef } from '../types.js';
import { hasFixedMarker, parseBodyFingerprints, parseCommentFingerprints, parseReviewMarker } from './markers.js';
import { WriteThrottle } from './writeThrottle.js';

/** One of mesh-review's own review threads, as the next run needs to know it. */
export interface ExistingThread {
  /** GraphQL node id, for `resolveReviewThread`. */
  id: string;
  /** The findings its first comment is about (one, or several on one line). */
  fingerprints: string[];
  isResolved: boolean;
  isOutdated: boolean;
  path: string | null;
  /** The app's comment that opened the thread; `databaseId` is what the REST replies endpoint takes. */
  firstComment: { id: string; databaseId: number; author: string };
  /** Someone other than the app wrote in the thread. */
  othersReplied: boolean;
  /** The app already replied that the finding is fixed (the `mesh-review:fixed` marker). */
  fixedReplied: boolean;
  /** Resolved by someone other than the app: a person looked at it and closed it. */
  resolvedByOther: boolean;
}

/** One of mesh-review's own reviews (found by its marker). */
export interface ExistingReview {
  id: string;
  headSha: string;
  runId: string;
  /** Fingerprints of the findings its body listed. */
  bodyFingerprints: string[];
}

export interface ExistingState {
  threads: ExistingThread[];
  reviews: ExistingReview[];
}

export interface ReadExistingOptions {
  /**
   * The app's login (`my-app[bot]` or `my-app`): when given, threads and reviews
   * carrying a marker count only if the app wrote them, so that a marker pasted
   * by someone else cannot silence a finding. When absent, the marker decides.
   */
  appLogin?: string;
  throttle?: WriteThrottle;
  /** Safety bound on thread pages (100 threads each). Default 20. */
  maxPages?: number;
}

export const EXISTING_THREADS_QUERY = /* GraphQL */ `
  query meshReviewThreads($owner: String!, $repo: String!, $number: Int!, $after: String, $withReviews: Boolean!) {
    repository(owner: $owner, name: $repo) {
      pullRequest(number: $number) {
        reviewThreads(first: 100, after: $after) {
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
            id
            isResolved
            isOutdated
            path
            resolvedBy {
              login
            }
            comments(first: 20) {
              totalCount
              nodes {
                id
                databaseId
                body
                author {
                  login
                }
              }
            }
            latest: comments(last: 20) {
              nodes {
                id
                databaseId
                body
                author {
                  login
                }
              }
            }
          }
        }
        reviews(last: 100) @include(if: $withReviews) {
          nodes {
            id
            body
            author {
              login
            }
            commit {
              oid
            }
          }
        }
      }
    }
  }
`;

interface CommentNode {
  id: string;
  databaseId: number | null;
  body: string | null;
  author: { login: string } | null;
}
interface ThreadNode {
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  path: string | null;
  resolvedBy: { login: string } | null;
  comments: { totalCount: number; nodes: Array<CommentNode | null> | null };
  latest: { nodes: Array<CommentNode | null> | null } | null;
}
interface ReviewNode {
  id: string;
  body: string | null;
  author: { login: string } | null;
  commit: { oid: string } | null;
}
interface QueryResult {
  repository: {
    pullRequest: {
      reviewThreads: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Array<ThreadNode | null> | null };
      reviews?: { nodes: Array<ReviewNode | null> | null } | null;
    } | null;
  } | null;
}

/**
 * mesh-review's own threads and reviews on the pull request, read with one
 * GraphQL query (repeated only to page through more than 100 threads).
 */
export async function readExistingThreads(github: GitHub, pr: PullRequestRef, options: ReadExistingOptions = {}): Promise<ExistingState> {
  const throttle = options.throttle ?? new WriteThrottle();
  const maxPages = options.maxPages ?? 20;
  const threads: ExistingThread[] = [];
  const reviews: ExistingReview[] = [];
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const variables: Record<string, unknown> = { owner: pr.owner, repo: pr.repo, number: pr.number, after, withReviews: page === 0 };
    const data: QueryResult = await throttle.read(() => github.graphql<QueryResult>(EXISTING_THREADS_QUERY, variables));
    const pull = data.repository?.pullRequest;
    if (!pull) break;
    for (const node of pull.reviewThreads.nodes ?? []) {
      const t = node ? toThread(node, options.appLogin) : undefined;
      if (t) threads.push(t);
    }
    for (const node of pull.reviews?.nodes ?? []) {
      const r = node ? toReview(node, options.appLogin) : undefined;
      if (r) reviews.push(r);
    }
    const { hasNextPage, endCursor } = pull.reviewThreads.pageInfo;
    if (!hasNextPage || !endCursor) break;
    after = endCursor;
  }
  return { threads, reviews };
}

/** Logins compare without the `[bot]` suffix REST adds and GraphQL omits, and without case. */
export const sameLogin = (a: string, b: string): boolean => normalise(a) === normalise(b);
const normalise = (login: string): string => login.replace(/\[bot\]$/i, '').toLowerCase();

export function toThread(node: ThreadNode, appLogin: string | undefined): ExistingThread | undefined {
  const first = node.comments.nodes?.[0];
  const fingerprints = parseCommentFingerprints(first?.body);
  const author = first?.author?.login;
  if (!first || fingerprints.length === 0 || !author || first.databaseId === null) return undefined;
  if (appLogin !== undefined && !sameLogin(author, appLogin)) return undefined;

  const seen = new Map<string, CommentNode>();
  for (const c of [...(node.comments.nodes ?? []), ...(node.latest?.nodes ?? [])]) if (c) seen.set(c.id, c);
  const replies = [...seen.values()].filter((c) => c.id !== first.id);
  const byApp = (c: CommentNode) => !!c.author && sameLogin(c.author.login, author);
  // More comments than both pages show: someone else must be in the middle (the app writes at most two).
  const unseen = node.comments.totalCount > seen.size;
  return {
    id: node.id,
    fingerprints,
    isResolved: node.isResolved,
    isOutdated: node.isOutdated,
    path: node.path,
    firstComment: { id: first.id, databaseId: first.databaseId, author },
    othersReplied: unseen || replies.some((c) => !byApp(c)),
    fixedReplied: replies.some((c) => byApp(c) && hasFixedMarker(c.body)),
    resolvedByOther: node.isResolved && !!node.resolvedBy && !sameLogin(node.resolvedBy.login, author),
  };
}

function toReview(node: ReviewNode, appLogin: string | undefined): ExistingReview | undefined {
  const marker = parseReviewMarker(node.body);
  if (!marker) return undefined;
  if (appLogin !== undefined && (!node.author || !sameLogin(node.author.login, appLogin))) return undefined;
  return { id: node.id, headSha: node.commit?.oid ?? marker.headSha, runId: marker.runId, bodyFingerprints: parseBodyFingerprints(node.body) };
}
