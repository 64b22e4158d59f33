import { severityRank, type Finding } from './finding.js';

/** Code-unit order, not localeCompare: output must not depend on the machine's locale. */
export const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Worst first, then by place, so the same review always reads the same way. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      compareCodeUnits(a.file, b.file) ||
      a.line - b.line ||
      compareCodeUnits(a.ruleId, b.ruleId) ||
      compareCodeUnits(a.workload ?? '', b.workload ?? '') ||
      (a.port ?? -1) - (b.port ?? -1),
  );
}
