import type { Finding } from '../findings/finding.js';

/** The findings of one variant view, and the targets the view stands for (undefined: no variants). */
export interface ViewFindings {
  targets: string[] | undefined;
  findings: Finding[];
}

/**
 * Joins the findings of every variant view. One finding seen in several views (a base file
 * used by three overlays: same rule, workload, port, field and line) is one finding, naming
 * the targets it holds in; a finding that holds in every view (the common context changed)
 * names none, since it holds whichever variant is deployed.
 */
export function mergeVariantFindings(views: readonly ViewFindings[]): Finding[] {
  if (views.length === 1) return views[0]!.findings;
  const all = new Set(views.flatMap((v) => v.targets ?? []));
  const byKey = new Map<string, { finding: Finding; targets: Set<string> }>();
  for (const view of views) {
    for (const f of view.findings) {
      const key = [f.ruleId, f.workload, (f.ports ?? [f.port]).join(','), f.file, f.line, f.field, f.side, f.title].join('|');
      const seen = byKey.get(key);
      if (seen) for (const t of view.targets ?? []) seen.targets.add(t);
      else byKey.set(key, { finding: f, targets: new Set(view.targets ?? []) });
    }
  }
  return [...byKey.values()].map(({ finding, targets }) => {
    if (targets.size === 0 || targets.size === all.size) return finding;
    const list = [...targets].sort();
    return {
      ...finding,
      targets: list,
      message: `${finding.message} Holds in ${list.length === 1 ? 'target' : 'targets'} ${list.join(', ')} (variants of one object are judged apart).`,
    };
  });
}
