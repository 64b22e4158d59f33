import type { Finding } from './finding.js';
import { ruleById } from './rules/index.js';

/**
 * A finding's message without the rule's fix it ends with: reports that show
 * the fix under a heading of their own (comments, annotations) say it once.
 */
export function withoutFix(f: Pick<Finding, 'message' | 'ruleId'>): string {
  const rule = ruleById(f.ruleId);
  const suffix = rule ? ` Fix: ${rule.fix}` : undefined;
  return suffix && f.message.endsWith(suffix) ? f.message.slice(0, -suffix.length) : f.message;
}
