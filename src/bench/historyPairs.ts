/**
 * Real before/after pairs from the Git history of public repositories
 * (fixtures/history-real/<pair>/{before,after,NOTE.md,verdict.json}), each judged
 * by hand as a security reviewer before the engine was run on it (issue #13,
 * item 7). This module reviews a pair and scores the engine's findings against
 * that verdict; the test (test/pipeline/realHistory.test.ts) asserts the scores
 * and `npm run history` prints them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadBaseConfig } from '../config/loadConfig.js';
import { defaultConfig } from '../config/schema.js';
import { atOrAbove, type Finding } from '../findings/finding.js';
import { reviewSnapshots } from '../pipeline/review.js';
import type { ReviewResult } from '../pipeline/reviewResult.js';
import { readDirectorySnapshot } from '../sources/directorySource.js';
import { ParseCache } from '../manifests/parseCache.js';
import { renderSides } from '../render/renderSides.js';

export const HISTORY_DIR = resolve(import.meta.dirname, '../../fixtures/history-real');

/** One weakening the reviewer expects the engine to report. */
export const ExpectedFinding = z.object({
  /** Rule id; when absent any rule reporting on the workload (and port) counts. */
  rule: z.string().optional(),
  /**
   * `ns/name` as the engine names workloads; `ns/*` for any workload of a namespace, `*` for a mesh-wide
   * weakening (any workload, or none). A list when the same pods have several correct names (a gateway
   * Deployment and the root-namespace selector `any-namespace/{...}` that reaches it): any of them counts.
   */
  workload: z.union([z.string(), z.array(z.string()).min(1)]),
  port: z.number().int().optional(),
  what: z.string(),
});
export type ExpectedFinding = z.infer<typeof ExpectedFinding>;

export const Verdict = z.object({
  weakenings: z.array(ExpectedFinding),
  /** True when nothing in the change weakens the mesh: no finding at or above `high` may be reported. */
  harmless: z.boolean(),
  explanation: z.string(),
  /**
   * Findings that are true although they are no weakening of access (for
   * example a policy Istio rejects, present in the repository), so they are
   * not counted as false alarms. Judged by hand like the weakenings.
   */
  alsoTrue: z.array(ExpectedFinding.omit({ what: true }).extend({ why: z.string() })).optional(),
});
export type Verdict = z.infer<typeof Verdict>;

/** Categories that report good news; they are listed, never counted as alarms. */
const GOOD_NEWS = new Set(['access-narrowed', 'mtls-strengthened']);
/** The CLI's and the app's default `failOn`. */
export const FAIL_ON = defaultConfig().failOn;

export interface PairScore {
  pair: string;
  repo: string;
  verdict: Verdict;
  result: ReviewResult;
  /** Findings that are alarms (not good news). */
  alarms: Finding[];
  trueAlarms: Finding[];
  falseAlarms: Finding[];
  missed: ExpectedFinding[];
  /** Why the pair disagrees with the verdict; empty when it agrees. */
  wrong: string[];
}

export const listPairs = (): string[] =>
  existsSync(HISTORY_DIR)
    ? readdirSync(HISTORY_DIR, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(HISTORY_DIR, d.name, 'verdict.json')))
        .map((d) => d.name)
        .sort()
    : [];

export const readVerdict = (pair: string): Verdict => Verdict.parse(JSON.parse(readFileSync(join(HISTORY_DIR, pair, 'verdict.json'), 'utf8')));

/** `owner/name` from the pair's NOTE.md (its `- Repo:` line). */
export function repoOf(pair: string): string {
  const note = readFileSync(join(HISTORY_DIR, pair, 'NOTE.md'), 'utf8');
  return /- Repo: https:\/\/github\.com\/([^\s)]+)/.exec(note)?.[1] ?? 'unknown';
}

/**
 * A finding without a workload (an exposed host, a mesh-level change) belongs to
 * the namespace of the object it is anchored on, so `ns/*` matches it there.
 */
const workloadOf = (f: Finding): string | null => f.workload ?? (f.resource.namespace === null ? null : `${f.resource.namespace}/-`);

const matches = (f: Finding, e: Omit<ExpectedFinding, 'what'>): boolean => {
  const w = workloadOf(f);
  const names = typeof e.workload === 'string' ? [e.workload] : e.workload;
  return (
    (e.rule === undefined || f.ruleId === e.rule) &&
    (e.port === undefined || f.port === e.port) &&
    names.some((n) => n === '*' || n === w || (n.endsWith('/*') && w !== null && w.startsWith(n.slice(0, -1))))
  );
};

/** A side that does not exist (a folder added or deleted whole) is an empty snapshot. */
async function side(dir: string) {
  const config = defaultConfig();
  if (existsSync(dir)) return readDirectorySnapshot(dir, config);
  return { label: dir, files: [], skipped: [], readFile: async () => undefined };
}

export interface ReviewPairOptions {
  /** Read the pair as one flat folder of YAML, without rendering kustomize roots and charts (the engine before issue #13). */
  flat?: boolean;
}

/** Render errors of the last review, by pair (for the bench's report). */
export const renderFailures = new Map<string, string[]>();

/** Reviews a pair as the CLI does: kustomize roots and Helm charts rendered by the real tools, unless `flat`. */
export async function reviewPair(pair: string, options: ReviewPairOptions = {}): Promise<ReviewResult> {
  const root = join(HISTORY_DIR, pair);
  const base = await side(join(root, 'before'));
  const head = await side(join(root, 'after'));
  // As the CLI and the app read it: the base side's .github/mesh-review.yml, or the defaults.
  const loaded = await loadBaseConfig(base);
  if ('error' in loaded) throw new Error(`${pair}: ${loaded.error}`);
  const { config } = loaded;
  const cache = new ParseCache();
  const rendered = options.flat ? undefined : await renderSides(base, head, config, cache);
  if (rendered && rendered.head.errors.length > 0)
    renderFailures.set(
      pair,
      rendered.head.errors.map((e) => `${e.file}:${e.line}: ${e.message}`),
    );
  return reviewSnapshots({ base, head, config, cache, ...(rendered ? { rendered } : {}), now: new Date('2026-12-01T00:00:00Z') });
}

export function score(pair: string, verdict: Verdict, result: ReviewResult): PairScore {
  const alarms = result.findings.filter((f) => !GOOD_NEWS.has(f.category));
  const expected = [...verdict.weakenings, ...(verdict.alsoTrue ?? [])];
  const trueAlarms = alarms.filter((f) => expected.some((e) => matches(f, e)));
  const falseAlarms = alarms.filter((f) => !trueAlarms.includes(f));
  const missed = verdict.weakenings.filter((e) => !alarms.some((f) => matches(f, e)));
  const wrong: string[] = [];
  for (const m of missed) wrong.push(`missed ${m.rule ?? 'a finding'} on ${[m.workload].flat().join(' | ')}${m.port ? `:${m.port}` : ''}`);
  if (verdict.harmless) {
    for (const f of result.findings.filter((x) => atOrAbove(x.severity, FAIL_ON))) {
      wrong.push(`${f.severity} ${f.ruleId} on ${f.workload ?? '-'} (${f.file}:${f.line}) in a harmless change`);
    }
  }
  return { pair, repo: repoOf(pair), verdict, result, alarms, trueAlarms, falseAlarms, missed, wrong };
}

export async function scorePair(pair: string, options: ReviewPairOptions = {}): Promise<PairScore> {
  return score(pair, readVerdict(pair), await reviewPair(pair, options));
}
