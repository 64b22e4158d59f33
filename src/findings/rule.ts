import type { Cause, ChangeOf, PolicyChange } from '../policy/change.js';
import type { Category, Severity } from './finding.js';
import { workloadWords } from './workloadWords.js';

/**
 * A finding rule: which changes it takes (`causes`, asked through `matches`), and its words:
 * id, category, severity, title, explanation and fix. Every change is taken by exactly one
 * rule (rules/index.ts `ruleFor`). The rule's page is docs/rules/<id>.md, its table of
 * matching and non-matching changes test/findings/rules/<id>.test.ts.
 */
export interface Rule<C extends Cause = Cause> {
  /** Reads for any mesh; `.github/mesh-review.yml`, JSON and SARIF name the rule by it. */
  id: string;
  /** Ids the rule had before: still accepted in the config, and matched in earlier runs' fingerprints. */
  formerIds: readonly string[];
  /** The causes of change this rule reports. */
  causes: readonly C[];
  /** Whether this rule reports the change (its cause is one of `causes`). */
  matches(change: PolicyChange): change is ChangeOf<C>;
  category: Category;
  /** Default severity; `severityFor` may raise it for wider scopes. */
  severity: Severity;
  /** One paragraph: why this matters. */
  rationale: string;
  severityFor?(change: ChangeOf<C>): Severity;
  title(change: ChangeOf<C>): string;
  /** The sentence the message opens with (after an escalation), from the change's facts, if it has one. */
  explain?(change: ChangeOf<C>): string | undefined;
  /** How to fix it, appended to the message. */
  fix: string;
}

/** A rule from its causes and words: `matches` takes a change of one of `causes`. */
export function defineRule<const C extends Cause>(spec: Omit<Rule<C>, 'matches' | 'formerIds'> & { formerIds?: readonly string[] }): Rule<C> {
  const causes: readonly Cause[] = spec.causes;
  return { formerIds: [], ...spec, matches: (change: PolicyChange): change is ChangeOf<C> => causes.includes(change.cause) };
}

export const where = (c: PolicyChange): string => {
  if (!c.workload) return 'the mesh';
  const id = `${c.workload.namespace}/${c.workload.name}`;
  const who = c.workload.potential ? workloadWords(id) : id;
  if (c.ports && c.ports.length > 1) return `${who} (ports ${c.ports.join(', ')})`;
  return c.workload.potential ? `${who}${c.port === null ? '' : ` (port ${c.port})`}` : `${id}${c.port === null ? '' : `:${c.port}`}`;
};
