import type { Octokit } from '@octokit/core';

/**
 * What the GitHub side of mesh-review needs from an Octokit: Probot's
 * `context.octokit` (app) and `@octokit/rest` (the `pr` command) both fit, so
 * the two share every line but the transport.
 */
export type GitHub = Pick<Octokit, 'request' | 'graphql'>;

/** The pull request under review, as read from a webhook payload or the API. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  baseSha: string;
  headSha: string;
  /** The base branch's default-branch name, for reading configuration (never the head). */
  baseRef: string;
  draft: boolean;
}

/** A file of the pull request as `GET /repos/{owner}/{repo}/pulls/{pull_number}/files` lists it. */
export interface PullFile {
  path: string;
  previousPath: string | undefined;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  /** Absent for binary or very large diffs: lines are then computed from the snapshots. */
  patch: string | undefined;
}

/** Lines a review comment may be anchored to, per file and side of the diff. */
export interface CommentableLines {
  get(path: string): { right: ReadonlySet<number>; left: ReadonlySet<number> } | undefined;
}

/** The fields of a pull request (webhook payload or `GET /pulls/{n}`) a review needs. */
export interface PullRequestData {
  number: number;
  draft?: boolean;
  changed_files?: number;
  base: { sha: string; ref: string; repo: { name: string; owner: { login: string } } };
  head: { sha: string };
}

/** The review's reference to a pull request, read off its data (the base repository is where it lives). */
export const pullRequestRef = (p: PullRequestData): PullRequestRef => ({
  owner: p.base.repo.owner.login,
  repo: p.base.repo.name,
  number: p.number,
  baseSha: p.base.sha,
  headSha: p.head.sha,
  baseRef: p.base.ref,
  draft: p.draft === true,
});
