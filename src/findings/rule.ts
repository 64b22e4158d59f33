import type { Cause, PolicyChange } from '../policy/change.js';
import type { Category, Severity } from './finding.js';

/** A finding rule: one cause of policy change, named, categorised and explained. */
export interface Rule {
  id: string;
  cause: Cause;
  category: Category;
  /** Default severity; `severityFor` may raise it for wider scopes. */
  severity: Severity;
  /** One paragraph: why this matters. */
  rationale: string;
  severityFor?: (change: PolicyChange) => Severity;
  title: (change: PolicyChange) => string;
  /** How to fix it, appended to the message. */
  fix: string;
}

export const defineRule = (rule: Rule): Rule => rule;

export const where = (c: PolicyChange): string => {
  if (!c.workload) return 'the mesh';
  return `${c.workload.namespace}/${c.workload.name}${c.port === null ? '' : `:${c.port}`}`;
};
