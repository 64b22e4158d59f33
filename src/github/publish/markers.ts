import type { Finding } from '../../findings/finding.js';
import { ruleById } from '../../findings/rules/index.js';
import { findingFingerprint, legacyFingerprint } from '../../report/sarif.js';

/**
 * Hidden markers mesh-review writes into what it posts, so that a later run
 * can recognise its own threads and reviews without any state of its own.
 * HTML comments are kept verbatim in a comment's raw body and never rendered.
 *
 * The fingerprint is the SARIF one (rule, workload, resource, causing field; not file,
 * line or port), so moving a policy, adding lines above it or another port joining
 * the finding keeps the same thread.
 */
export const fingerprintOf = (f: Pick<Finding, 'ruleId' | 'workload' | 'resource' | 'field'>): string => findingFingerprint(f);

/**
 * Every fingerprint an earlier run may have written for this finding: the current one,
 * then the one before the port left the identity (once per port it covers); and each
 * again under the rule's former ids (before rules were named for any mesh).
 */
export const fingerprintAliases = (f: Pick<Finding, 'ruleId' | 'workload' | 'resource' | 'field' | 'port' | 'ports'>): string[] => {
  const former = ruleById(f.ruleId)?.formerIds ?? [];
  return [
    fingerprintOf(f),
    ...former.map((ruleId) => fingerprintOf({ ...f, ruleId })),
    ...[f.ruleId, ...former].flatMap((ruleId) => (f.ports ?? [f.port]).map((port) => legacyFingerprint({ ...f, ruleId, port }))),
  ];
};

/**
 * Marks an inline comment as mesh-review's comment about one finding. A comment
 * about several findings on one line carries one marker each.
 */
export const commentMarker = (fingerprint: string): string => `<!-- mesh-review:fp=${fingerprint} -->`;

/** Marks a finding listed in a review body (it had no line to comment on). Read back from earlier reviews. */
export const bodyFindingMarker = (fingerprint: string): string => `<!-- mesh-review:body-fp=${fingerprint} -->`;

/**
 * How a body finding is recognised: the first 16 hex digits (64 bits) of its
 * fingerprint, so that one review can list thousands in a single trailer.
 */
export const shortFingerprint = (fingerprint: string): string => fingerprint.slice(0, 16);

/**
 * Every finding a review body lists, in one trailer. Items the body has no room
 * to show are still named here: a later run must not take them for new ones.
 */
export const bodyFindingsTrailer = (fingerprints: readonly string[]): string =>
  fingerprints.length === 0 ? '' : `<!-- mesh-review:body-fps=${[...new Set(fingerprints.map(shortFingerprint))].slice(0, MAX_TRAILER).join(',')} -->`;

/** 17 bytes each: 2,500 take 42 KiB of a body's 64 KiB, and leave room for the text. */
const MAX_TRAILER = 2500;

/** Marks a review as mesh-review's, with the head it reviewed and the attempt that posted it. */
export const reviewMarker = (headSha: string, runId: string): string => `<!-- mesh-review:review head=${headSha} run=${safeRunId(runId)} -->`;

/** A run id as the marker carries it (a delivery GUID passes unchanged); compare ids through this. */
export const safeRunId = (runId: string): string => runId.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64) || '-';

/** Marks the app's "fixed" reply in a thread, so it is never posted twice. */
export const FIXED_MARKER = '<!-- mesh-review:fixed -->';

const HEX = '[0-9a-f]{40,64}';
const COMMENT_FP = new RegExp(`<!-- mesh-review:fp=(${HEX}) -->`, 'g');
const BODY_FP = new RegExp(`<!-- mesh-review:body-fp=(${HEX}) -->`, 'g');
const BODY_FPS = /<!-- mesh-review:body-fps=([0-9a-f,]{16,}) -->/g;
const REVIEW = /<!-- mesh-review:review head=([0-9a-f]{7,64}) run=([A-Za-z0-9-]{1,64}) -->/;

/** The fingerprints an inline comment carries, in order, without repeats. */
export function parseCommentFingerprints(body: string | null | undefined): string[] {
  return body ? [...new Set([...body.matchAll(COMMENT_FP)].map((m) => m[1]!))] : [];
}

/** The (short) fingerprints a review body lists: its trailer, and the per-item markers of earlier versions. */
export function parseBodyFingerprints(body: string | null | undefined): string[] {
  if (!body) return [];
  const single = [...body.matchAll(BODY_FP)].map((m) => shortFingerprint(m[1]!));
  const trailer = [...body.matchAll(BODY_FPS)].flatMap((m) => m[1]!.split(',').filter((x) => /^[0-9a-f]{16}$/.test(x)));
  return [...new Set([...single, ...trailer])];
}

export function parseReviewMarker(body: string | null | undefined): { headSha: string; runId: string } | null {
  const m = body ? REVIEW.exec(body) : null;
  return m ? { headSha: m[1]!, runId: m[2]! } : null;
}

export const hasFixedMarker = (body: string | null | undefined): boolean => !!body && body.includes(FIXED_MARKER);
