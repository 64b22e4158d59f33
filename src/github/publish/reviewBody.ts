import type { Category, Finding, Severity } from '../../findings/finding.js';
import { ruleById } from '../../findings/rules/index.js';
import { withoutFix } from '../../findings/withoutFix.js';
import { locationLabel, plural, workloadAndPorts, workloadLabel } from '../../report/format.js';
import { code, inline, ruleUrl } from '../../report/markdown.js';
import { fitBytes } from './checkRunPlan.js';
import { bodyFindingsTrailer, commentMarker, fingerprintOf, reviewMarker } from './markers.js';

/**
 * The Markdown mesh-review posts in a pull request: one inline comment per
 * line that caused findings, and the review's body. Everything that comes from the manifests
 * (titles, messages, witnesses, paths) is untrusted and escaped: it cannot
 * format, link, ping anyone or close the hidden markers.
 */
export interface BodyOptions {
  /** Where `docs/rules/<id>.md` lives (as for renderMarkdown); no links when absent. */
  docsBaseUrl?: string;
}

/** GitHub's limit for a comment or review body is 65,536 characters; bytes are never fewer. */
export const BODY_MAX_BYTES = 65_536;

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };
const WEAKENINGS: ReadonlySet<Category> = new Set<Category>(['mtls-weakened', 'access-broadened', 'egress-broadened', 'ingress-exposed']);

const place = (f: Finding): string => workloadAndPorts(f);
const headline = (f: Finding): string => (f.title.includes(workloadLabel(f)) ? f.title : `${f.title} on ${place(f)}`);

function ruleLink(f: Finding, options: BodyOptions): string {
  return options.docsBaseUrl ? `[${inline(f.ruleId)}](${ruleUrl(options.docsBaseUrl, f.ruleId)})` : code(f.ruleId);
}

function witnessLabel(f: Finding): string {
  return WEAKENINGS.has(f.category) ? 'Who can now reach it, and how' : 'Example';
}

/**
 * The body of the inline comment about the findings one line caused (worst
 * first), ending with one fingerprint marker per finding.
 */
export function renderComment(findings: Finding | readonly Finding[], options: BodyOptions = {}): string {
  const list = Array.isArray(findings) ? (findings as readonly Finding[]) : [findings as Finding];
  const markers = list.map((f) => commentMarker(fingerprintOf(f))).join('\n');
  const budget = BODY_MAX_BYTES - Buffer.byteLength(markers) - 2;
  const text = list.length === 1 ? singleComment(list[0]!, options) : groupComment(list, options, budget);
  return `${fitBytes(text, budget)}\n\n${markers}`;
}

function singleComment(f: Finding, options: BodyOptions): string {
  const rule = ruleById(f.ruleId);
  const lines = [
    `**${ICON[f.severity]} ${f.severity} · ${inline(headline(f))}**`,
    '',
    `**What changed${f.side === 'before' ? ' (this line was removed or changed)' : ''}:** ${inline(withoutFix(f))}`,
  ];
  if (f.witness !== null) lines.push('', `**${witnessLabel(f)}:** ${code(f.witness)}`);
  // Rule texts are mesh-review's own Markdown (trusted), unlike anything read from the manifests.
  if (rule) lines.push('', `**How to fix:** ${rule.fix}`);
  for (const note of f.notes ?? []) lines.push('', `_⚠️ ${inline(note)}_`);
  const docs = options.docsBaseUrl ? `Why this matters: ${ruleLink(f, options)}` : `Rule ${ruleLink(f, options)}`;
  lines.push('', `<sub>${docs} · ${inline(resource(f))}</sub>`);
  return lines.join('\n');
}

/**
 * Several findings caused by one line (a mesh-wide or namespace-wide policy):
 * one item per finding, then each rule's fix and page once. Items that do not
 * fit are counted, never cut; every finding keeps its marker.
 */
function groupComment(list: readonly Finding[], options: BodyOptions, budget: number): string {
  const worst = list[0]!;
  const removed = list.every((f) => f.side === 'before');
  const head = [
    `**${ICON[worst.severity]} ${list.length} findings caused by this line${removed ? ' (removed or changed)' : ''}, worst ${worst.severity}**`,
    '',
  ];
  const items = list.map((f) => {
    const parts = [`- ${ICON[f.severity]} **${f.severity}** · ${inline(headline(f))}`, `  ${inline(withoutFix(f))}`];
    if (f.witness !== null) parts.push(`  ${witnessLabel(f)}: ${code(f.witness)}`);
    return parts.join('\n');
  });
  const rules = [...new Set(list.map((f) => f.ruleId))].map((id) => list.find((f) => f.ruleId === id)!);
  const tail: string[] = [''];
  for (const f of rules) {
    const rule = ruleById(f.ruleId);
    if (rule) tail.push(`**How to fix (${inline(f.ruleId)}):** ${rule.fix}`, '');
  }
  for (const note of new Set(list.flatMap((f) => f.notes ?? []))) tail.push(`_⚠️ ${inline(note)}_`, '');
  const docs = rules.map((f) => ruleLink(f, options)).join(', ');
  const resources = [...new Set(list.map(resource))].map(inline).join(', ');
  tail.push(`<sub>${options.docsBaseUrl ? 'Why this matters' : 'Rules'}: ${docs} · ${resources}</sub>`);
  return fitItems(head, items, tail, budget, (more) => `_… ${plural(more, 'more finding')} in the \`mesh-review\` check run._`);
}

/**
 * `head`, as many of `items` as fit in `maxBytes` (binary search: the parts
 * only grow with k), a note counting the rest, and `tail`.
 */
function fitItems(head: readonly string[], items: readonly string[], tail: readonly string[], maxBytes: number, more: (n: number) => string): string {
  const assemble = (k: number): string => {
    const parts = [...head, ...items.slice(0, k)];
    if (k < items.length) parts.push('', more(items.length - k));
    return [...parts, ...tail].join('\n');
  };
  const fits = (k: number) => Buffer.byteLength(assemble(k), 'utf8') <= maxBytes;
  let lo = 0;
  let hi = items.length;
  if (fits(hi)) lo = hi;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return fitBytes(assemble(lo), maxBytes);
}

export interface ReviewBodyInput {
  headSha: string;
  /** Identifies the attempt that posts the review (see `reviewMarker`). */
  runId: string;
  /** Inline comments, and the findings they are about (a comment may be about several on its line). */
  inlineCount: number;
  inlineFindings?: number;
  bodyFindings: readonly Finding[];
}

/**
 * The review's body: how many findings are commented inline, then the findings
 * that have no commentable line, each with its marker, worst first. Items that
 * do not fit are counted, never cut.
 */
export function renderReviewBody(input: ReviewBodyInput, options: BodyOptions = {}): string {
  const head = [reviewMarker(input.headSha, input.runId), '### mesh-review', ''];
  const inlineFindings = input.inlineFindings ?? input.inlineCount;
  const total = inlineFindings + input.bodyFindings.length;
  const listed = input.bodyFindings.length > 0 ? `, ${input.bodyFindings.length} listed here` : '';
  const comments = plural(input.inlineCount, 'inline comment');
  head.push(
    input.inlineCount === 0
      ? `${plural(total, 'finding')} on this commit, listed here.`
      : inlineFindings === input.inlineCount
        ? `${plural(total, 'finding')} on this commit: ${comments} below${listed}.`
        : `${plural(total, 'finding')} on this commit, ${listed ? `${inlineFindings}` : 'all'} in ${comments} below${listed}.`,
  );
  const items = input.bodyFindings.map((f) => bodyItem(f, options));
  if (items.length > 0) {
    head.push('', '**Not on a line this pull request changed** (also in the `mesh-review` check run):', '');
  }
  // Every listed finding is named in the trailer, shown or not; the trailing newline is kept as an empty last part.
  const trailer = bodyFindingsTrailer(input.bodyFindings.map(fingerprintOf));
  return fitItems(
    head,
    items,
    trailer ? ['', trailer, ''] : [''],
    BODY_MAX_BYTES,
    (more) => `_… ${plural(more, 'more finding')} in the \`mesh-review\` check run._`,
  );
}

function bodyItem(f: Finding, options: BodyOptions): string {
  const rule = ruleById(f.ruleId);
  const parts = [`- ${ICON[f.severity]} **${f.severity}** · ${inline(headline(f))} · ${code(locationLabel(f))} · ${ruleLink(f, options)}`];
  parts.push(`  ${inline(withoutFix(f))}`);
  if (f.witness !== null) parts.push(`  ${witnessLabel(f)}: ${code(f.witness)}`);
  if (rule) parts.push(`  How to fix: ${rule.fix.replace(/\n+/g, ' ')}`);
  return parts.join('\n');
}

function resource(f: Finding): string {
  const { kind, namespace, name } = f.resource;
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}
