import type { PolicyChange } from '../policy/change.js';
import type { Finding } from './finding.js';
import { ruleForCause } from './rules/index.js';

/** Gives each change its rule: id, category, severity, words, and the line that caused it. */
export function toFindings(changes: PolicyChange[]): Finding[] {
  const out: Finding[] = [];
  for (const c of changes) {
    const rule = ruleForCause.get(c.cause);
    if (!rule) continue;
    const r = c.anchor.resource;
    const parts = [
      c.detail && rule.cause !== 'sidecar-removed' && rule.cause !== 'egress-broadened' ? c.detail : '',
      c.before ? `Before: ${c.before}.` : '',
      c.after ? `After: ${c.after}.` : '',
      `Fix: ${rule.fix}`,
    ].filter(Boolean);
    out.push({
      ruleId: rule.id,
      category: rule.category,
      severity: rule.severityFor?.(c) ?? rule.severity,
      mesh: c.mesh,
      workload: c.workload ? `${c.workload.namespace}/${c.workload.name}` : null,
      port: c.port,
      resource: { kind: r.kind, namespace: r.namespace ?? null, name: r.name },
      file: r.file,
      line: r.locate(c.anchor.path),
      side: c.side,
      title: rule.title(c),
      message: parts.join(' '),
      witness: c.witness,
    });
  }
  return out;
}
