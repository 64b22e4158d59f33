import { createHash } from 'node:crypto';
import { portsOf, severityRank, type Category, type Finding, type ReviewError, type Severity } from '../findings/finding.js';
import type { ReviewResult } from '../findings/reviewResult.js';

/** What the rule registry knows about a rule; SARIF wants it once per run, not per result. */
export interface SarifRuleMeta {
  id: string;
  title: string;
  category: Category;
  /** The rule's default severity (before config overrides). */
  severity: Severity;
  helpUri?: string;
  /** One paragraph; falls back to the title. */
  description?: string;
  /** Ids the rule had before (SARIF `deprecatedIds`), so results under them are known as this rule's. */
  formerIds?: readonly string[];
}

export interface SarifOptions {
  toolVersion: string;
  rules: readonly SarifRuleMeta[];
  informationUri?: string;
}

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifReportingDescriptor {
  id: string;
  deprecatedIds?: string[];
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help?: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; 'security-severity'?: string; precision?: string };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; informationUri?: string; version: string; rules: SarifReportingDescriptor[] } };
    results: SarifResult[];
  }[];
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INVALID_MANIFEST_RULE = 'invalid-manifest';
/**
 * Versioned so that changing what the hash covers does not silently re-key every alert.
 * v2: the port left the hash (a finding lists every port one change affected, and a port
 * joining the list must not re-key it); the causing field took its place.
 */
export const FINGERPRINT_KEY = 'meshReviewFinding/v2';

export const LEVEL: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/**
 * GitHub maps these onto its own bands (critical ≥ 9.0, high 7.0–8.9, medium
 * 4.0–6.9, low 0.1–3.9). They are strings because GitHub's SARIF reference
 * specifies `security-severity` as a string holding a number.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

/**
 * SARIF 2.1.0 for GitHub code scanning.
 *
 * Errors (files we could not read or parse) become results of an
 * `invalid-manifest` rule rather than `toolExecutionNotifications`: code
 * scanning turns results into alerts on the PR diff and in the Security tab,
 * whereas notifications at most reach the tool-status page, where nobody
 * reviewing the PR looks. A file that hides its policy from us must be seen.
 */
export function buildSarif(result: ReviewResult, options: SarifOptions): SarifLog {
  const rules: SarifReportingDescriptor[] = [];
  const indexOf = new Map<string, number>();
  const add = (d: SarifReportingDescriptor) => {
    if (indexOf.has(d.id)) return;
    indexOf.set(d.id, rules.length);
    rules.push(d);
  };

  // GitHub reads `security-severity` from the rule, not the result. Severity can
  // vary per finding (rules grade by blast radius; config overrides), so the rule
  // carries the worst severity this run reported: understating it could let a
  // critical alert slip under the repository's "fail on high" code-scanning gate.
  const worstByRule = new Map<string, Severity>();
  for (const f of result.findings) {
    const prev = worstByRule.get(f.ruleId);
    if (!prev || severityRank(f.severity) > severityRank(prev)) worstByRule.set(f.ruleId, f.severity);
  }

  for (const meta of options.rules) add(descriptor(meta, worstByRule.get(meta.id) ?? meta.severity));
  // A finding from a rule the caller did not describe still needs a valid ruleIndex.
  for (const f of result.findings) {
    if (!indexOf.has(f.ruleId)) {
      add(descriptor({ id: f.ruleId, title: f.title, category: f.category, severity: f.severity }, worstByRule.get(f.ruleId) ?? f.severity));
    }
  }
  if (result.errors.length > 0 && !indexOf.has(INVALID_MANIFEST_RULE)) add(invalidManifestDescriptor());

  const results = [
    ...result.findings.map((f) => findingResult(f, indexOf.get(f.ruleId) ?? 0)),
    ...result.errors.map((e) => errorResult(e, indexOf.get(INVALID_MANIFEST_RULE) ?? 0)),
  ];

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mesh-review',
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            version: options.toolVersion,
            rules,
          },
        },
        results,
      },
    ],
  };
}

export function renderSarif(result: ReviewResult, options: SarifOptions): string {
  return `${JSON.stringify(buildSarif(result, options), null, 2)}\n`;
}

function descriptor(meta: SarifRuleMeta, severity: Severity): SarifReportingDescriptor {
  if (meta.category === 'invalid-manifest') return { ...invalidManifestDescriptor(), id: meta.id, ...help(meta.helpUri, meta.title) };
  return {
    id: meta.id,
    ...(meta.formerIds && meta.formerIds.length > 0 ? { deprecatedIds: [...meta.formerIds] } : {}),
    name: pascalCase(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.description ?? meta.title },
    ...help(meta.helpUri, meta.title),
    defaultConfiguration: { level: LEVEL[meta.severity] },
    // The `security` tag is what makes GitHub treat the alert as a security
    // alert and honour `security-severity`; the category tag lets users filter.
    properties: { tags: ['security', meta.category], 'security-severity': SECURITY_SEVERITY[severity], precision: 'high' },
  };
}

/**
 * Not a security verdict but a blind spot, so no `security` tag: it shows as a
 * plain warning, which GitHub does not fail checks on by default, yet it is on
 * the line of the broken file.
 */
function invalidManifestDescriptor(): SarifReportingDescriptor {
  return {
    id: INVALID_MANIFEST_RULE,
    name: 'InvalidManifest',
    shortDescription: { text: 'Manifest could not be analysed' },
    fullDescription: {
      text: 'The file could not be read or parsed, so any mesh policy it holds was not reviewed. Findings for other files are unaffected.',
    },
    defaultConfiguration: { level: 'warning' },
    properties: { tags: ['correctness', INVALID_MANIFEST_RULE] },
  };
}

function help(helpUri: string | undefined, title: string): Pick<SarifReportingDescriptor, 'helpUri' | 'help'> {
  if (!helpUri) return {};
  return { helpUri, help: { text: `${title}. See ${helpUri}`, markdown: `${title}. See [the rule's documentation](${helpUri}).` } };
}

function findingResult(f: Finding, ruleIndex: number): SarifResult {
  const lines = [`${f.title}: ${f.message}`];
  if (f.witness !== null) lines.push(`Example request: ${f.witness}`);
  // Code scanning shows the location against the head commit; a line that only
  // exists in the base version needs saying, or the annotation looks misplaced.
  if (f.side === 'before') lines.push(`(Line ${f.line} of ${f.file} refers to the base commit.)`);
  for (const n of f.notes ?? []) lines.push(`Note: ${n}`);
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: lines.join('\n') },
    locations: [location(f.file, f.line)],
    partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(f) },
    properties: {
      'security-severity': SECURITY_SEVERITY[f.severity],
      severity: f.severity,
      category: f.category,
      mesh: f.mesh,
      workload: f.workload,
      port: f.port,
      ports: portsOf(f),
      ...(f.notes && f.notes.length > 0 ? { notes: [...f.notes] } : {}),
    },
  };
}

function errorResult(e: ReviewError, ruleIndex: number): SarifResult {
  return {
    ruleId: INVALID_MANIFEST_RULE,
    ruleIndex,
    level: 'warning',
    message: { text: e.message },
    locations: [location(e.file, e.line)],
    // The line is left out so the alert survives edits above the broken spot.
    partialFingerprints: { [FINGERPRINT_KEY]: sha256(['error', e.file, e.message]) },
    properties: {},
  };
}

function location(file: string, line: number): SarifResult['locations'][number] {
  return {
    physicalLocation: {
      artifactLocation: { uri: toUri(file) },
      // SARIF regions are 1-based; file-level problems (line 0) point at the top.
      region: { startLine: Number.isInteger(line) && line >= 1 ? line : 1 },
    },
  };
}

/**
 * Identity of a finding across runs: rule, workload, resource and the field inside it
 * that caused the finding, but not file or line, so moving a policy to another file or
 * adding lines above it keeps the same alert instead of closing one and opening another.
 * Not the port either: one change seen on several ports is one finding listing them,
 * and another port joining (or leaving) the list is the same finding, the same thread.
 * Distinct changes on one workload differ in their field (`portLevelMtls.9090` vs
 * `portLevelMtls.8080`, rule 0 vs rule 1), so they stay apart.
 */
export function findingFingerprint(f: Pick<Finding, 'ruleId' | 'workload' | 'resource' | 'field'>): string {
  return sha256([f.ruleId, f.workload, f.resource.kind, f.resource.namespace, f.resource.name, f.field ?? null]);
}

/**
 * The v1 identity (rule, workload, port, resource), which threads and alerts made before
 * v2 carry: matched as an alias of the v2 one, so an upgrade neither settles an open
 * thread as fixed nor posts it again.
 */
export function legacyFingerprint(f: Pick<Finding, 'ruleId' | 'workload' | 'port' | 'resource'>): string {
  return sha256([f.ruleId, f.workload, f.port, f.resource.kind, f.resource.namespace, f.resource.name]);
}

function sha256(parts: unknown[]): string {
  // JSON of an array keeps field boundaries unambiguous ("a/b"+"c" ≠ "a"+"b/c").
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A repo-relative path as a relative URI reference: `/`-separated, each segment percent-encoded. */
export function toUri(path: string): string {
  const segments = path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
