import type { Finding } from '../findings/finding.js';
import type { Resource } from '../manifests/resource.js';

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

/**
 * A finding on a file that several targets render (a base used by three overlays) names them:
 * the change is in every deployment that file goes into, and one comment says which. A finding
 * already naming the targets it holds in (variants judged apart) keeps its own list.
 */
export function nameSharedTargets(findings: readonly Finding[], rendered: { base: readonly Resource[]; head: readonly Resource[] }): Finding[] {
  const byFile = (side: readonly Resource[]) => {
    const m = new Map<string, Set<string>>();
    for (const r of side) if (r.target) m.set(r.file, (m.get(r.file) ?? new Set()).add(r.target));
    return m;
  };
  const sides = { base: byFile(rendered.base), head: byFile(rendered.head) };
  return findings.map((f) => {
    const targets = (f.side === 'before' ? sides.base : sides.head).get(f.file);
    if (f.targets || !targets || targets.size < 2) return f;
    const list = [...targets].sort();
    return { ...f, targets: list, message: `${f.message} Holds in targets ${list.join(', ')}, which all deploy ${f.file}.` };
  });
}
