import { atOrAbove, type Category, type Finding, type Severity } from '../../findings/finding.js';
import { ruleById } from '../../findings/rules/index.js';
import { withoutFix } from '../../findings/withoutFix.js';
import type { ReviewResult } from '../../pipeline/reviewResult.js';
import { plural, portsCell, sortFindings, visible, workloadAndPorts, workloadLabel } from '../../report/format.js';
import { DEFAULT_MAX_BYTES, renderMarkdown, truncateUtf8 } from '../../report/markdown.js';
import { fingerprintOf } from './markers.js';

/**
 * What the `mesh-review` check run ends with, planned from a review result
 * without any I/O. `completeCheckRun` sends it.
 */
export type CheckConclusion = 'success' | 'failure' | 'neutral';
export type AnnotationLevel = 'failure' | 'warning' | 'notice';

/** One annotation, in the shape `output.annotations[]` of the Checks API takes. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: AnnotationLevel;
  title: string;
  message: string;
  raw_details: string;
}

export interface CheckRunOutcome {
  conclusion: CheckConclusion;
  title: string;
  /** Markdown, at most 65,535 UTF-8 bytes once sent (completeCheckRun enforces it). */
  summary: string;
  text?: string;
  annotations: CheckAnnotation[];
}

export interface PlanCheckRunOptions {
  /** Passed to renderMarkdown for rule links. */
  docsBaseUrl?: string;
  /** Size limit of the summary, in UTF-8 bytes. Default and maximum 65,535. */
  maxSummaryBytes?: number;
  /** Conclusion when nothing fails but objects of kinds not analysed changed (config `github.onUnanalysed`). */
  onUnanalysed?: CheckConclusion;
}

/** GitHub's limit for `output.summary` and `output.text`; counted in bytes here, which is never fewer than characters. */
export const OUTPUT_MAX_BYTES = DEFAULT_MAX_BYTES;
/** GitHub's limits for one annotation: title 255 characters, message and raw_details 64 KB. */
const ANNOTATION_TITLE_MAX = 255;
const ANNOTATION_TEXT_MAX_BYTES = 64 * 1024 - 1;
/** Check run titles have no documented limit; a title is a line, so keep it one. */
const TITLE_MAX = 240;

export const ANNOTATION_LEVEL: Record<Severity, AnnotationLevel> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};

const WEAKENINGS: ReadonlySet<Category> = new Set<Category>(['mtls-weakened', 'access-broadened', 'egress-broadened', 'ingress-exposed']);
const CHANGES: ReadonlySet<Category> = new Set<Category>(['mtls-strengthened', 'access-narrowed']);

export function planCheckRun(result: ReviewResult, failOn: Severity = result.summary.failOn, options: PlanCheckRunOptions = {}): CheckRunOutcome {
  const failed = failOn === result.summary.failOn ? result.summary.failed : result.findings.some((f) => atOrAbove(f.severity, failOn));
  const maxBytes = Math.min(options.maxSummaryBytes ?? OUTPUT_MAX_BYTES, OUTPUT_MAX_BYTES);
  const summary = renderMarkdown(result, { maxBytes, ...(options.docsBaseUrl ? { docsBaseUrl: options.docsBaseUrl } : {}) });
  const unanalysed = (result.unanalysed ?? []).length > 0;
  return {
    conclusion: failed ? 'failure' : unanalysed ? (options.onUnanalysed ?? 'neutral') : 'success',
    title: checkRunTitle(result, failed),
    summary: fitBytes(summary, maxBytes),
    annotations: sortFindings(result.findings)
      .filter((f) => f.side === 'after')
      .map(annotationFor),
  };
}

/**
 * The worst finding in words: "2 high-severity weakenings: mTLS no longer
 * required on shop/payments:8080 …" (the ellipsis says there are more).
 */
export function checkRunTitle(result: ReviewResult, failed: boolean): string {
  const sorted = sortFindings(result.findings);
  const worst = sorted[0];
  const errors = result.errors.length;
  const unanalysed = (result.unanalysed ?? []).length;
  if (!worst) {
    if (errors > 0) return `No findings, but ${plural(errors, 'file')} could not be read`;
    if (unanalysed > 0) return `${plural(unanalysed, 'changed object')} of kinds not analysed: review them by hand`;
    return 'No mesh security changes';
  }
  const atWorst = sorted.filter((f) => f.severity === worst.severity);
  const noun = atWorst.every((f) => WEAKENINGS.has(f.category)) ? 'weakening' : atWorst.every((f) => CHANGES.has(f.category)) ? 'change' : 'finding';
  const head = `${plural(atWorst.length, `${worst.severity}-severity ${noun}`)}: ${describe(worst)}${sorted.length > 1 ? ' …' : ''}`;
  const title = failed ? head : `Passed with ${head}`;
  return oneLine(title, TITLE_MAX);
}

/** "mTLS no longer required on payments/api:8080": the title, plus the place when the title does not name it. */
export function describe(f: Finding): string {
  const place = workloadAndPorts(f);
  return f.title.includes(workloadLabel(f)) ? f.title : `${f.title} on ${place}`;
}

function annotationFor(f: Finding): CheckAnnotation {
  const rule = ruleById(f.ruleId);
  const message = [
    withoutFix(f),
    f.witness === null ? null : `Who can now reach it, and how: ${f.witness}`,
    rule ? `How to fix: ${rule.fix}` : null,
    ...(f.notes ?? []),
  ]
    .filter((s): s is string => s !== null && s !== '')
    .join('\n\n');
  const rawDetails = [
    `rule: ${f.ruleId}`,
    `severity: ${f.severity}`,
    `category: ${f.category}`,
    `workload: ${f.workload ?? '-'}`,
    `port: ${portsCell(f)}`,
    `resource: ${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}`,
    `fingerprint: ${fingerprintOf(f)}`,
  ].join('\n');
  const line = Number.isInteger(f.line) && f.line >= 1 ? f.line : 1;
  return {
    path: f.file,
    start_line: line,
    end_line: line,
    annotation_level: ANNOTATION_LEVEL[f.severity],
    title: oneLine(`[${f.severity}] ${f.title}`, ANNOTATION_TITLE_MAX),
    message: fitBytes(visible(message, { multiline: true }), ANNOTATION_TEXT_MAX_BYTES),
    raw_details: fitBytes(visible(rawDetails, { multiline: true }), ANNOTATION_TEXT_MAX_BYTES),
  };
}

const TRUNCATION_NOTE = '\n\n_… truncated to fit GitHub’s size limit._\n';

/** `text` within `maxBytes` UTF-8 bytes: cut between code points, with a note saying so. */
export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const noteBytes = Buffer.byteLength(TRUNCATION_NOTE, 'utf8');
  if (maxBytes <= noteBytes) return truncateUtf8(text, maxBytes);
  return truncateUtf8(text, maxBytes - noteBytes) + TRUNCATION_NOTE;
}

/** One line of at most `max` characters (code points), ellipsised. */
function oneLine(s: string, max: number): string {
  const flat = visible(s, { multiline: false });
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}
