import { atOrAbove, type Finding, type ReviewError, type Severity } from '../findings/finding.js';
import { describeUnanalysed, removedKindsLine, type ReviewResult } from '../findings/reviewResult.js';
import { errorLocation, locationLabel, plural, portsCell, severityCounts, sortErrors, sortFindings, visible, workloadLabel } from './format.js';

export interface MarkdownOptions {
  /**
   * Upper bound on the UTF-8 size of the output. GitHub caps a check run's
   * summary at 65535 characters and a comment body at 65536; counting bytes
   * (never fewer than characters) keeps us under both whatever the text holds.
   */
  maxBytes?: number;
  /** Where `docs/rules/<id>.md` lives, e.g. `https://github.com/org/mesh-review/blob/v1.2.0`. No links when absent. */
  docsBaseUrl?: string;
}

export const DEFAULT_MAX_BYTES = 65535;

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

/**
 * The review as a PR comment or check-run summary shows it. Rows are worst
 * first, so when the size limit bites it drops the least severe findings and
 * says how many; it never cuts a row in half, never exceeds the limit, never throws.
 */
export function renderMarkdown(result: ReviewResult, options: MarkdownOptions = {}): string {
  const requested = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxBytes = Number.isFinite(requested) ? Math.max(0, Math.floor(requested)) : DEFAULT_MAX_BYTES;

  const removed = result.summary.removedKindsIgnored ?? 0;
  const head = [heading(result), '', summaryLine(result), ...(removed > 0 ? ['', `_${removedKindsLine(removed)}_`] : [])];
  const rows = sortFindings(result.findings).map((f) => row(f, options.docsBaseUrl));
  const errorItems = sortErrors(result.errors).map(errorItem);
  const unanalysedItems = (result.unanalysed ?? []).map((o) => `- \`${inline(`${o.file}:${o.line}`)}\`: ${inline(describeUnanalysed(o))}`);

  const assemble = (shownRows: number, shownErrors: number): string => {
    const parts = [...head];
    if (shownRows > 0) {
      parts.push('', '| Severity | Workload | Port | What changed | Example request | File |', '| --- | --- | --- | --- | --- | --- |');
      parts.push(...rows.slice(0, shownRows));
    }
    if (shownRows < rows.length) parts.push('', `_… ${plural(rows.length - shownRows, 'more finding')} not shown_`);
    if (unanalysedItems.length > 0) {
      parts.push('', `### ${plural(unanalysedItems.length, 'changed object')} of kinds not analysed: review them by hand`, '');
      parts.push(...unanalysedItems.slice(0, MAX_UNANALYSED_LISTED));
      if (unanalysedItems.length > MAX_UNANALYSED_LISTED) parts.push('', `_… ${unanalysedItems.length - MAX_UNANALYSED_LISTED} more not shown_`);
    }
    if (errorItems.length > 0) {
      parts.push('', `### Errors (${errorItems.length})`, '');
      parts.push(...errorItems.slice(0, shownErrors));
      if (shownErrors < errorItems.length) parts.push('', `_… ${plural(errorItems.length - shownErrors, 'more error')} not shown_`);
    }
    return `${parts.join('\n')}\n`;
  };
  const fits = (s: string) => Buffer.byteLength(s, 'utf8') <= maxBytes;

  // Findings first (they are what the review is for), then as many errors as still fit.
  const shownRows = largestFitting(rows.length, (k) => fits(assemble(k, 0)));
  const shownErrors = largestFitting(errorItems.length, (m) => fits(assemble(shownRows, m)));
  const out = assemble(shownRows, shownErrors);
  // Only a limit too small for the heading itself gets here: cut, but never mid-character.
  return fits(out) ? out : truncateUtf8(out, maxBytes);
}

/**
 * Largest k in [0, n] with ok(k), by binary search: `ok` is monotone in practice
 * (each row or error item is longer than the digit the "N more" note saves).
 * The caller re-checks the final size, so a non-monotone corner costs rows, not correctness.
 */
function largestFitting(n: number, ok: (k: number) => boolean): number {
  if (ok(n)) return n;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Unanalysed objects listed in the summary; the JSON report has them all. */
const MAX_UNANALYSED_LISTED = 20;

function heading(result: ReviewResult): string {
  const s = result.summary;
  if (s.failed) {
    const blocking = result.findings.filter((f) => atOrAbove(f.severity, s.failOn)).length;
    return `## ❌ mesh-review: ${plural(blocking, 'finding')} at or above ${s.failOn}`;
  }
  if (s.errors > 0) return `## ⚠️ mesh-review: passed, but ${plural(s.errors, 'error')} may hide findings`;
  const unanalysed = result.unanalysed?.length ?? 0;
  if (unanalysed > 0) return `## ⚠️ mesh-review: ${plural(unanalysed, 'changed object')} of kinds not analysed: review them by hand`;
  if (s.total > 0) return `## ✅ mesh-review: passed (${plural(s.total, 'finding')} below ${s.failOn})`;
  return '## ✅ mesh-review: no findings';
}

function summaryLine(result: ReviewResult): string {
  const s = result.summary;
  const found = s.total === 0 ? 'No findings' : `**${plural(s.total, 'finding')}** (${severityCounts(s)})`;
  return `${found} · ${plural(s.errors, 'error')} · ${plural(s.filesParsed, 'file')} parsed · ${plural(s.workloads, 'workload')} · fails on **${s.failOn}** or worse`;
}

function row(f: Finding, docsBaseUrl: string | undefined): string {
  const rule = docsBaseUrl ? `[${inline(f.ruleId)}](${ruleUrl(docsBaseUrl, f.ruleId)})` : code(f.ruleId);
  const what = [`**${inline(f.title)}** (${rule})`, inline(f.message), ...(f.notes ?? []).map((n) => `_⚠️ ${inline(n)}_`)];
  const cells = [
    `${ICON[f.severity]} ${f.severity}`,
    inline(workloadLabel(f)),
    portsCell(f),
    what.join('<br>'),
    f.witness === null ? '—' : code(f.witness),
    code(locationLabel(f)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function errorItem(e: ReviewError): string {
  return `- ${code(errorLocation(e))}: ${inline(e.message)}`;
}

export function ruleUrl(base: string, ruleId: string): string {
  // Parentheses and spaces would end a Markdown link target early; `|` would end the table cell.
  const safeBase = base.replace(/\/+$/, '').replace(/[()\s|<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `${safeBase}/docs/rules/${encodeURIComponent(ruleId).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}.md`;
}

/**
 * Untrusted text as inert inline Markdown inside a table cell: every character
 * that could start formatting, a link, HTML or a cell boundary is escaped,
 * newlines become `<br>`, and `@name` cannot ping anyone.
 */
export function inline(s: string): string {
  return visible(s, { multiline: true })
    .replace(/[\\`*_[\]<>|~&#!()]/g, (c) => `\\${c}`)
    .replace(/@(?=[A-Za-z0-9])/g, '@&#8203;')
    .replace(/\n/g, '<br>');
}

/**
 * A code span that survives any content: the fence is longer than the longest
 * backtick run inside, padded when the content touches a backtick (CommonMark
 * rules), with `|` escaped because GFM splits table cells even inside code spans.
 */
export function code(s: string): string {
  const body = visible(s, { multiline: false });
  if (body === '') return '` `';
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || (body.startsWith(' ') && body.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`.replace(/\|/g, '\\|');
}

/** The longest prefix of `s` within `maxBytes` UTF-8 bytes, cut between code points. */
export function truncateUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}
