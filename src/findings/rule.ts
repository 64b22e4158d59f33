import type { Cause, PolicyChange } from '../policy/change.js';
import type { Category, Severity } from './finding.js';
import { workloadWords } from './workloadWords.js';

export { detailTags } from '../policy/change.js';

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
  /**
   * The change's `detail` holds tags for `severityFor` and `title` (see `detailTags`), not
   * words: it is then left out of the message.
   */
  detailIsTag?: boolean;
}

export const defineRule = (rule: Rule): Rule => rule;

export const where = (c: PolicyChange): string => {
  if (!c.workload) return 'the mesh';
  const id = `${c.workload.namespace}/${c.workload.name}`;
  const who = c.workload.potential ? workloadWords(id) : id;
  if (c.ports && c.ports.length > 1) return `${who} (ports ${c.ports.join(', ')})`;
  return c.workload.potential ? `${who}${c.port === null ? '' : ` (port ${c.port})`}` : `${id}${c.port === null ? '' : `:${c.port}`}`;
};
