import { SEVERITIES, type Finding, type Severity } from '../findings/finding.js';
import { describeUnanalysed, removedKindsLine, type ReviewResult } from '../findings/reviewResult.js';
import { errorLocation, locationLabel, placeLabel, plural, severityCounts, sortErrors, sortFindings, visible } from './format.js';

export interface TextOptions {
  /** The CLI passes `process.stdout.isTTY && !process.env.NO_COLOR`; files and pipes get plain text. */
  color: boolean;
}

const RESET = '\x1b[0m';
const STYLE = {
  critical: '\x1b[1;97;41m',
  high: '\x1b[1;31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  fail: '\x1b[1;31m',
  pass: '\x1b[1;32m',
} as const;

/** A terminal report: findings grouped by severity (worst first), then errors, then a one-line verdict. */
export function renderText(result: ReviewResult, options: TextOptions): string {
  const paint = (style: keyof typeof STYLE, s: string): string => (options.color ? `${STYLE[style]}${s}${RESET}` : s);
  const lines: string[] = [];

  const sorted = sortFindings(result.findings);
  for (const severity of SEVERITIES) {
    const group = sorted.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(paint('bold', `${severity.toUpperCase()} (${group.length})`), '');
    for (const f of group) lines.push(...renderFinding(f, paint), '');
  }

  const unanalysed = result.unanalysed ?? [];
  if (unanalysed.length > 0) {
    lines.push(paint('bold', `NOT ANALYSED (${unanalysed.length}): review by hand`), '');
    for (const o of unanalysed)
      lines.push(`  ${paint('dim', visible(`${o.file}:${o.line}`, { multiline: false }))}  ${visible(describeUnanalysed(o), { multiline: false })}`);
    lines.push('');
  }

  if (result.errors.length > 0) {
    lines.push(paint('bold', `ERRORS (${result.errors.length})`), '');
    for (const e of sortErrors(result.errors)) {
      const [first = '', ...rest] = visible(e.message, { multiline: true }).split('\n');
      lines.push(`  ${paint('dim', visible(errorLocation(e), { multiline: false }))}  ${first}`);
      for (const l of rest) lines.push(`    ${l}`);
    }
    lines.push('');
  }

  const removed = result.summary.removedKindsIgnored ?? 0;
  if (removed > 0) lines.push(paint('dim', removedKindsLine(removed)), '');
  lines.push(summaryLine(result, paint));
  return `${lines.join('\n')}\n`;
}

type Paint = (style: keyof typeof STYLE, s: string) => string;

function renderFinding(f: Finding, paint: Paint): string[] {
  const one = (s: string) => visible(s, { multiline: false });
  const where = placeLabel(f);
  const out = [
    `  ${badge(f.severity, paint)} ${paint('bold', one(f.title))} ${paint('dim', `[${one(f.ruleId)}]`)}`,
    `    ${one(where)}`,
    `    ${paint('dim', one(locationLabel(f)))}`,
  ];
  for (const l of visible(f.message, { multiline: true }).split('\n')) out.push(`    ${l}`);
  if (f.witness !== null) out.push(`    e.g. ${one(f.witness)}`);
  for (const n of f.notes ?? []) out.push(`    ${paint('dim', `note: ${one(n)}`)}`);
  return out;
}

function badge(s: Severity, paint: Paint): string {
  return paint(s, `[${s.toUpperCase()}]`);
}

function summaryLine(result: ReviewResult, paint: Paint): string {
  const s = result.summary;
  const counts = severityCounts(s);
  const parts = [
    s.total === 0 ? 'no findings' : `${plural(s.total, 'finding')} (${counts})`,
    plural(s.errors, 'error'),
    `${plural(s.filesParsed, 'file')} parsed`,
    plural(s.workloads, 'workload'),
    `fails on ${s.failOn} or worse`,
  ];
  const verdict = s.failed ? paint('fail', 'FAILED') : paint('pass', 'PASSED');
  return `${verdict}: ${parts.join(', ')}`;
}
