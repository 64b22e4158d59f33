import { CATEGORIES, portsOf, SEVERITIES, type Finding, type ReviewError } from '../findings/finding.js';
import type { ReviewResult, Summary, UnanalysedObject } from '../findings/reviewResult.js';

/** One finding as the public JSON contract spells it (issue #3, item 6). */
export interface JsonFinding {
  ruleId: string;
  category: Finding['category'];
  severity: Finding['severity'];
  mesh: string;
  workload: string | null;
  /** The first of `ports` (kept for scripts written before findings covered several ports), or null. */
  port: number | null;
  /** Every port the finding covers, lowest first: one change seen on several ports is one finding. [] = no single port. */
  ports: number[];
  resource: { kind: string; namespace: string | null; name: string };
  file: string;
  line: number;
  title: string;
  message: string;
  witness: string | null;
  /** Caveats a reviewer should weigh (e.g. a port only a policy names); [] when none. */
  notes: string[];
}

export interface JsonReport {
  version: 1;
  summary: Summary;
  findings: JsonFinding[];
  errors: ReviewError[];
  /** Changed objects of kinds mesh-review does not analyse (added in version 1: readers of older output see no key). */
  unanalysed: UnanalysedObject[];
}

/**
 * Projects a ReviewResult onto the contract by naming every key, rather than
 * spreading: internal fields (`side`, `field`) and anything added to Finding
 * later must not leak into an interface scripts depend on. Key order is fixed
 * too, so two runs diff cleanly.
 */
export function toJsonReport(result: ReviewResult): JsonReport {
  const s = result.summary;
  return {
    version: 1,
    summary: {
      total: s.total,
      bySeverity: Object.fromEntries(SEVERITIES.map((k) => [k, s.bySeverity[k] ?? 0])) as Summary['bySeverity'],
      byCategory: Object.fromEntries(CATEGORIES.map((k) => [k, s.byCategory[k] ?? 0])) as Summary['byCategory'],
      failOn: s.failOn,
      failed: s.failed,
      worst: s.worst,
      filesParsed: s.filesParsed,
      workloads: s.workloads,
      errors: s.errors,
      removedKindsIgnored: s.removedKindsIgnored ?? 0,
    },
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      category: f.category,
      severity: f.severity,
      mesh: f.mesh,
      workload: f.workload,
      port: f.port,
      ports: portsOf(f),
      resource: { kind: f.resource.kind, namespace: f.resource.namespace, name: f.resource.name },
      file: f.file,
      line: f.line,
      title: f.title,
      message: f.message,
      witness: f.witness,
      notes: [...(f.notes ?? [])],
    })),
    errors: result.errors.map((e) => ({ file: e.file, line: e.line, message: e.message })),
    unanalysed: (result.unanalysed ?? []).map((o) => ({
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      file: o.file,
      line: o.line,
      change: o.change,
      what: o.what,
    })),
  };
}

/** `mesh-review diff --format json`: pretty-printed, newline-terminated (POSIX text file, clean `git diff`). */
export function renderJson(result: ReviewResult): string {
  return `${JSON.stringify(toJsonReport(result), null, 2)}\n`;
}
