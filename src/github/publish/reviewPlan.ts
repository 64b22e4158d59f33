import type { Category, Finding } from '../../findings/finding.js';
import type { ReviewResult } from '../../pipeline/reviewResult.js';
import { isNotAnalysedNotice } from '../../pipeline/unanalysedKinds.js';
import { sortFindings } from '../../report/format.js';
import type { CommentableLines } from '../types.js';
import type { ExistingState, ExistingThread } from './existingThreads.js';
import { fingerprintAliases, fingerprintOf, shortFingerprint } from './markers.js';
import { renderComment, type BodyOptions } from './reviewBody.js';

/**
 * An inline comment to post: one per line, about every new finding that line
 * caused (worst first). The findings travel along so that a refused comment can
 * move to the body.
 */
export interface PlannedComment {
  path: string;
  line: number;
  side: 'RIGHT' | 'LEFT';
  body: string;
  fingerprints: string[];
  findings: Finding[];
}

export interface ReviewPlan {
  /** New inline comments, worst first, at most `maxComments`. */
  comments: PlannedComment[];
  /** Findings for the review body: no commentable line, over the cap, or informational. */
  bodyFindings: Finding[];
  /**
   * The body findings that are worth a review on their own: not listed by an
   * earlier mesh-review review, and not informational (narrowed access and
   * strengthened transport only ride along in a review posted anyway).
   */
  newBodyFindings: Finding[];
  /** Open app threads whose finding is gone: to resolve, or to answer "fixed". */
  fixedThreads: ExistingThread[];
}

export interface PlanReviewOptions extends BodyOptions {
  /** At most this many new inline comments (lines) per review. Default 30. */
  maxComments?: number;
  /** Comment inline on narrowed access and strengthened transport too. Default false: they go to the body. */
  commentOnInfo?: boolean;
  /**
   * Renamed files, base path → head path. A comment on the base side of a
   * renamed file is posted on the head path with `side: LEFT`.
   */
  renames?: ReadonlyMap<string, string>;
}

export const DEFAULT_MAX_COMMENTS = 30;
/** A comment carries one hidden marker (about 90 bytes) per finding; this many keep it well within GitHub's 65,536. */
export const MAX_FINDINGS_PER_COMMENT = 200;
const INFORMATIONAL: ReadonlySet<Category> = new Set<Category>(['access-narrowed', 'mtls-strengthened']);

/**
 * What to post for `result`, given the lines the diff lets us comment on and
 * what mesh-review already posted. Pure: the same inputs always plan the same
 * review, which is what makes redelivery and re-runs silent.
 *
 * - A finding whose fingerprint has an open app thread is not commented again;
 *   nor is one whose thread a person resolved (they saw it; the check still reports it).
 * - Findings anchored on the same line share one comment: a mesh-wide policy
 *   that weakens thirty workloads makes one comment, not thirty.
 * - An `after` finding is commented on the head line (`RIGHT`), a `before`
 *   finding (a deleted cause) on the base line (`LEFT`), if that line is
 *   commentable; otherwise it goes to the body.
 * - Open app threads none of whose fingerprints any finding has any more are fixed;
 *   but not while the review has errors, since an unreadable file may be what hides the finding.
 */
export function planReview(result: ReviewResult, commentable: CommentableLines, existing: ExistingState, options: PlanReviewOptions = {}): ReviewPlan {
  const maxComments = Math.max(0, options.maxComments ?? DEFAULT_MAX_COMMENTS);
  const threaded = new Set(existing.threads.filter((t) => !t.isResolved || t.resolvedByOther).flatMap((t) => t.fingerprints));
  const listedBefore = new Set(existing.reviews.flatMap((r) => r.bodyFingerprints.map(shortFingerprint)));

  const groups = new Map<string, Omit<PlannedComment, 'body'>>();
  const bodyFindings: Finding[] = [];
  const newBodyFindings: Finding[] = [];
  const handled = new Set<string>();
  const commented = new Set<string>();
  const toBody = (f: Finding, informational: boolean) => {
    bodyFindings.push(f);
    if (!informational && !listedEarlier(f)) newBodyFindings.push(f);
  };

  // A finding listed or threaded by an earlier version under its older fingerprint is the same finding.
  const listedEarlier = (f: Finding) => fingerprintAliases(f).some((x) => listedBefore.has(shortFingerprint(x)));
  for (const f of sortFindings(result.findings)) {
    const fp = fingerprintOf(f);
    if (fingerprintAliases(f).some((x) => threaded.has(x))) continue;
    const informational = INFORMATIONAL.has(f.category) && !options.commentOnInfo;
    // A second finding with the same identity (same rule, workload, resource, field): one comment is enough.
    if (handled.has(fp)) {
      if (!commented.has(fp)) toBody(f, informational);
      continue;
    }
    handled.add(fp);
    // Listed in an earlier review's body (no line then, or over the cap): it stays there, so that
    // re-runs and unrelated pushes do not spend the inline cap on findings already reported.
    const anchor = informational || listedEarlier(f) ? undefined : anchorFor(f, commentable, options.renames);
    const key = anchor ? `${anchor.side}\u0000${anchor.path}\u0000${anchor.line}` : '';
    const group = groups.get(key);
    if (anchor && group && group.findings.length < MAX_FINDINGS_PER_COMMENT) {
      group.fingerprints.push(fp);
      group.findings.push(f);
    } else if (anchor && !group && groups.size < maxComments) {
      groups.set(key, { ...anchor, fingerprints: [fp], findings: [f] });
    } else {
      toBody(f, informational);
      continue;
    }
    commented.add(fp);
  }
  const comments: PlannedComment[] = [...groups.values()].map((g) => ({ ...g, body: renderComment(g.findings, options) }));

  const current = new Set(result.findings.flatMap(fingerprintAliases));
  const fixedThreads = result.errors.some((e) => !isNotAnalysedNotice(e))
    ? []
    : existing.threads.filter((t) => awaitsSettling(t) && !t.fingerprints.some((fp) => current.has(fp)));
  return { comments, bodyFindings, newBodyFindings, fixedThreads };
}

/** An app thread still open and not yet answered "fixed" in a discussion: one to settle once its findings are gone. */
export const awaitsSettling = (t: ExistingThread): boolean => !t.isResolved && !(t.othersReplied && t.fixedReplied);

/** Where a finding can be commented on, if anywhere: the head line for `after`, the base line for `before`. */
export function anchorFor(
  f: Pick<Finding, 'file' | 'line' | 'side'>,
  commentable: CommentableLines,
  renames?: ReadonlyMap<string, string>,
): { path: string; line: number; side: 'RIGHT' | 'LEFT' } | undefined {
  if (!Number.isInteger(f.line) || f.line < 1) return undefined;
  if (f.side === 'after') {
    return commentable.get(f.file)?.right.has(f.line) ? { path: f.file, line: f.line, side: 'RIGHT' } : undefined;
  }
  for (const path of [renames?.get(f.file), f.file]) {
    if (path !== undefined && commentable.get(path)?.left.has(f.line)) return { path, line: f.line, side: 'LEFT' };
  }
  return undefined;
}
