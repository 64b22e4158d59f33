import { portsOf, SEVERITIES, type Finding, type ReviewError } from '../findings/finding.js';
import { compareCodeUnits } from '../findings/sortFindings.js';
import { workloadWords } from '../findings/workloadWords.js';
import type { Summary } from '../findings/reviewResult.js';

/**
 * Helpers shared by the human-readable renderers (text, Markdown). Machine
 * formats (JSON, SARIF) carry the raw strings and leave display to their readers.
 */

// Ordering findings is the findings stage's (the pipeline returns them sorted); renderers re-sort what they are given.
export { sortFindings } from '../findings/sortFindings.js';

export function sortErrors(errors: readonly ReviewError[]): ReviewError[] {
  return [...errors].sort((a, b) => cmp(a.file, b.file) || a.line - b.line || cmp(a.message, b.message));
}

const cmp = compareCodeUnits;

/** `Kind ns/name`, or `Kind name` for cluster-scoped objects. */
export function resourceLabel(f: Pick<Finding, 'resource'>): string {
  const { kind, namespace, name } = f.resource;
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * A finding without a workload is about a policy object (a namespace-wide
 * PeerAuthentication, say); naming that object is more useful than a blank.
 */
export function workloadLabel(f: Pick<Finding, 'workload' | 'resource'>): string {
  return f.workload === null ? resourceLabel(f) : workloadWords(f.workload);
}

/** The ports a finding covers, as a table cell says them: `8080`, `8080, 9090`, or `any`. */
export function portsCell(f: Pick<Finding, 'port' | 'ports'>): string {
  const ports = portsOf(f);
  return ports.length === 0 ? 'any' : ports.join(', ');
}

/** Where a finding is, in words: `ns/name:8080`, `ns/name (ports 8080, 9090)`, or `ns/name` for no single port. */
export function workloadAndPorts(f: Pick<Finding, 'workload' | 'resource' | 'port' | 'ports'>): string {
  const ports = portsOf(f);
  if (ports.length === 0) return workloadLabel(f);
  return ports.length === 1 ? `${workloadLabel(f)}:${ports[0]}` : `${workloadLabel(f)} (ports ${ports.join(', ')})`;
}

/** `workloadAndPorts`, saying `(any port)` for a finding about no single port. */
export function placeLabel(f: Pick<Finding, 'workload' | 'resource' | 'port' | 'ports'>): string {
  return portsOf(f).length === 0 ? `${workloadLabel(f)} (any port)` : workloadAndPorts(f);
}

/** `file:line`, marking lines that exist only in the base version of the file. */
export function locationLabel(f: Pick<Finding, 'file' | 'line' | 'side'>): string {
  const at = f.line >= 1 ? `${f.file}:${f.line}` : f.file;
  return f.side === 'before' ? `${at} (base)` : at;
}

export function errorLocation(e: ReviewError): string {
  return e.line >= 1 ? `${e.file}:${e.line}` : e.file;
}

/** "1 critical, 2 high" in severity order, omitting zeros. */
export function severityCounts(summary: Pick<Summary, 'bySeverity'>): string {
  return SEVERITIES.filter((s) => (summary.bySeverity[s] ?? 0) > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`)
    .join(', ');
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * Characters that can rewrite a terminal (ESC, CSI, BEL...) or reorder what a
 * reviewer sees (bidi overrides, "Trojan Source"). Messages and witnesses carry
 * strings copied from the pull request's manifests, so they are untrusted here.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;

/**
 * Makes untrusted text safe to show: unsafe characters become visible `\u001b`
 * escapes. With `multiline` false, newlines become `\n` too, for one-line contexts.
 */
export function visible(s: string, { multiline }: { multiline: boolean }): string {
  const normalized = s.replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
  const escaped = normalized.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return multiline ? escaped : escaped.replace(/\n/g, '\\n');
}
