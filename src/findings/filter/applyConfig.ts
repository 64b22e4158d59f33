import type { Config, IgnoreEntry } from '../../config/schema.js';
import type { Summary } from '../reviewResult.js';
import { ruleById } from '../rules/index.js';
import { CATEGORIES, SEVERITIES, atOrAbove, severityRank, type Category, type Finding, type ReviewError, type Severity } from '../finding.js';

/**
 * Applies the repository's config to raw rule output: severity overrides
 * first (so `off` removes a finding before anything else looks at it), then
 * ignore entries. Findings are copied, never mutated: the same raw list may be
 * rendered under another config (e.g. `--config` on the CLI).
 */
export function applyConfig(findings: readonly Finding[], config: Pick<Config, 'rules' | 'ignore'>, now: Date): Finding[] {
  const today = utcDay(now);
  const out: Finding[] = [];
  for (const raw of findings) {
    const override = severityOverride(config.rules, raw.ruleId);
    if (override === 'off') continue;
    const finding: Finding = override ? { ...raw, severity: override } : { ...raw };

    const matching = config.ignore.filter((e) => ignoreMatches(e, finding));
    if (matching.some((e) => !isExpired(e, today))) continue;

    // Only expired entries match: the finding is back, and the author of the
    // ignore deserves to know why, or it looks like a new regression.
    const notes = [...(finding.notes ?? [])];
    for (const e of matching) {
      const note = `ignore entry for ${e.rule} expired on ${e.expires}; reason was: ${e.reason}`;
      if (!notes.includes(note)) notes.push(note);
    }
    if (notes.length > 0) finding.notes = notes;
    out.push(finding);
  }
  return out;
}

/**
 * The severity `rules:` sets for a rule, under its id or a former id of it (a config written
 * before the rule was renamed); the current id wins when both are there.
 */
function severityOverride(rules: Config['rules'], ruleId: string): Config['rules'][string] | undefined {
  for (const id of [ruleId, ...(ruleById(ruleId)?.formerIds ?? [])]) if (Object.hasOwn(rules, id)) return rules[id];
  return undefined;
}

/**
 * Rule ids match exactly, or by a former id of the finding's rule. A workload pattern is `ns/name`, or a prefix ending
 * in `*` (`payments/*`, or `*` for any named workload); an entry without
 * `workload` matches every finding of the rule, including those that name no workload.
 */
export function ignoreMatches(entry: Pick<IgnoreEntry, 'rule' | 'workload'>, finding: Pick<Finding, 'ruleId' | 'workload'>): boolean {
  if (entry.rule !== finding.ruleId && ruleById(entry.rule)?.id !== finding.ruleId) return false;
  if (entry.workload === undefined) return true;
  if (finding.workload === null) return false;
  return entry.workload.endsWith('*') ? finding.workload.startsWith(entry.workload.slice(0, -1)) : finding.workload === entry.workload;
}

/** An entry is valid through its `expires` day in UTC, so "expires: 2025-06-30" still applies all of June 30. */
function isExpired(entry: IgnoreEntry, today: string): boolean {
  return entry.expires !== undefined && today > entry.expires;
}

/** YYYY-MM-DD of `d` in UTC; comparing these strings orders the days. */
function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export interface ReviewCounts {
  filesParsed: number;
  workloads: number;
}

/** The summary block of the JSON contract, computed from the findings that survived the config. */
export function summarize(findings: readonly Finding[], errors: readonly ReviewError[], config: Pick<Config, 'failOn'>, counts: ReviewCounts): Summary {
  // Every key present with 0, so consumers can read `bySeverity.critical` without a fallback.
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  let worst: Severity | null = null;
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCategory[f.category] += 1;
    if (worst === null || severityRank(f.severity) > severityRank(worst)) worst = f.severity;
  }
  return {
    total: findings.length,
    bySeverity,
    byCategory,
    failOn: config.failOn,
    failed: findings.some((f) => atOrAbove(f.severity, config.failOn)),
    worst,
    filesParsed: counts.filesParsed,
    workloads: counts.workloads,
    errors: errors.length,
  };
}
