import type { PolicyChange } from '../policy/change.js';
import { SEVERITIES, type Category, type Finding, type Severity } from './finding.js';
import { ruleFor } from './rules/index.js';
import { standaloneComponentOf } from '../targets/kustomizations.js';

/** Gives each change its rule: id, category, severity, words, and the line that caused it. */
export function toFindings(changes: PolicyChange[]): Finding[] {
  const out: Finding[] = [];
  for (const c of changes) {
    const rule = ruleFor(c);
    const r = c.anchor.resource;
    const base = rule.severityFor?.(c) ?? rule.severity;
    // Info findings are notes (a narrowing, a weakening another layer holds): exposure makes them no more urgent.
    const escalate = c.escalation !== undefined && ESCALATED.has(rule.category) && base !== 'info';
    const parts = [
      escalate ? `Raised one level: ${c.escalation}.` : '',
      explanation(rule.explain?.(c)),
      c.before ? `Before: ${c.before}.` : '',
      c.after ? `After: ${c.after}.` : '',
      `Fix: ${rule.fix}`,
    ].filter(Boolean);
    out.push({
      ruleId: rule.id,
      category: rule.category,
      severity: escalate ? raise(base) : base,
      mesh: c.mesh,
      workload: c.workload ? `${c.workload.namespace}/${c.workload.name}` : null,
      port: c.port,
      ...(c.ports && c.ports.length > 1 ? { ports: [...c.ports] } : {}),
      resource: { kind: r.kind, namespace: r.namespace ?? null, name: r.name },
      field: c.anchor.path.join('.'),
      ...(r.place?.(c.anchor.path) ?? { file: r.file, line: r.locate(c.anchor.path) }),
      side: c.side,
      title: rule.title(c),
      message: parts.join(' '),
      witness: c.witness,
      ...notesAndTargets(c),
    });
  }
  return out;
}

/** A rule's explanation as a sentence of the message: it ends with a full stop; none when it says nothing. */
const explanation = (text: string | undefined): string => {
  const t = text?.trim() ?? '';
  return t === '' || /[.!?)]$/.test(t) ? t : `${t}.`;
};

/** Weakenings weigh more on an exposed workload; informational categories stay informational. */
const ESCALATED = new Set<Category>(['access-broadened', 'mtls-weakened']);

const raise = (s: Severity): Severity => SEVERITIES[Math.max(0, SEVERITIES.indexOf(s) - 1)]!;

/**
 * The change's caveats; and for a cause in a kustomize Component no kustomization of the
 * repository lists (rendered alone, render/componentTarget.ts), that Component as the target
 * the finding holds in, with a note saying how it was read.
 */
function notesAndTargets(c: PolicyChange): Pick<Finding, 'notes' | 'targets'> {
  const notes = [...(c.notes ?? [])];
  const target = c.anchor.resource.target;
  const component = standaloneComponentOf(target);
  if (component !== undefined) {
    notes.push(
      `From the kustomize Component ${component}, which no kustomization of this repository lists: read as rendered alone, the objects it adds wherever it is applied.`,
    );
  }
  return { ...(notes.length > 0 ? { notes } : {}), ...(component !== undefined && target ? { targets: [target] } : {}) };
}
