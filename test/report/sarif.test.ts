import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FINGERPRINT_KEY, buildSarif, findingFingerprint, renderSarif, toUri, type SarifOptions, type SarifRuleMeta } from '../../src/report/sarif.js';
import { finding, result, sample } from './sample.js';

/** The parts of SARIF 2.1.0 GitHub code scanning requires or reads, written out by hand. */
const Level = z.enum(['error', 'warning', 'note']);
const Text = z.object({ text: z.string().min(1) });
const Rule = z.object({
  id: z.string().min(1),
  shortDescription: Text,
  fullDescription: Text,
  helpUri: z.string().url().optional(),
  defaultConfiguration: z.object({ level: Level }),
  properties: z.object({
    tags: z.array(z.string()).max(20),
    // GitHub wants a string holding a number from 0.0 to 10.0.
    'security-severity': z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .refine((v) => Number(v) >= 0 && Number(v) <= 10)
      .optional(),
  }),
});
const Result = z.object({
  ruleId: z.string().min(1),
  ruleIndex: z.number().int().nonnegative(),
  level: Level,
  message: Text,
  locations: z
    .array(
      z.object({
        physicalLocation: z.object({
          artifactLocation: z.object({
            uri: z
              .string()
              .min(1)
              .refine((u) => !u.startsWith('/') && !/^[a-z]+:/i.test(u), 'repo-relative'),
          }),
          region: z.object({ startLine: z.number().int().min(1) }),
        }),
      }),
    )
    .min(1),
  partialFingerprints: z.record(z.string(), z.string().min(1)),
});
const SarifLog = z.object({
  $schema: z.string().url(),
  version: z.literal('2.1.0'),
  runs: z
    .array(
      z.object({
        tool: z.object({
          driver: z.object({ name: z.literal('mesh-review'), version: z.string(), informationUri: z.string().url().optional(), rules: z.array(Rule) }),
        }),
        results: z.array(Result),
      }),
    )
    .length(1),
});

const rules: SarifRuleMeta[] = [
  { id: 'mtls-weakened', title: 'mTLS weakened', category: 'mtls-weakened', severity: 'high', helpUri: 'https://example.com/docs/rules/mtls-weakened.md' },
  {
    id: 'access-broadened',
    title: 'Access broadened',
    category: 'access-broadened',
    severity: 'medium',
    helpUri: 'https://example.com/docs/rules/access-broadened.md',
  },
];
const options: SarifOptions = { toolVersion: '0.1.0', rules, informationUri: 'https://example.com/mesh-review' };

describe('renderSarif', () => {
  const log = SarifLog.parse(JSON.parse(renderSarif(sample, options)));
  const run = log.runs[0]!;
  const driverRules = run.tool.driver.rules;

  it('passes the GitHub-shaped schema', () => {
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'mesh-review', version: '0.1.0', informationUri: 'https://example.com/mesh-review' });
    expect(run.results).toHaveLength(sample.findings.length + sample.errors.length);
  });

  it('every ruleIndex points at the rule with that id', () => {
    for (const r of run.results) expect(driverRules[r.ruleIndex]?.id).toBe(r.ruleId);
  });

  it('describes rules not passed in (from the finding) and invalid-manifest when there are errors', () => {
    expect(driverRules.map((r) => r.id)).toEqual(['mtls-weakened', 'access-broadened', 'ingress-exposed', 'invalid-manifest']);
    expect(driverRules[0]).toMatchObject({ helpUri: rules[0]!.helpUri, shortDescription: { text: 'mTLS weakened' } });
    expect(driverRules[0]!.properties.tags).toContain('security');
    expect(driverRules[3]!.properties.tags).not.toContain('security');
  });

  it.each([
    ['critical', 'error', '9.5'],
    ['high', 'error', '8.0'],
    ['medium', 'warning', '5.5'],
    ['low', 'note', '3.0'],
    ['info', 'note', '1.0'],
  ] as const)('%s -> level %s, security-severity %s', (severity, level, score) => {
    const one = buildSarif(result([finding({ severity })]), { toolVersion: '1', rules: [] });
    const r = one.runs[0]!.results[0]!;
    expect(r.level).toBe(level);
    expect(r.properties['security-severity']).toBe(score);
    // GitHub reads security-severity from the rule, so it must be there too.
    expect(one.runs[0]!.tool.driver.rules[0]!.properties['security-severity']).toBe(score);
  });

  it('the rule carries the worst severity seen this run, its default level stays the default', () => {
    const two = buildSarif(result([finding({ severity: 'medium' }), finding({ severity: 'critical', workload: 'a/b' })]), options);
    const rule = two.runs[0]!.tool.driver.rules.find((r) => r.id === 'mtls-weakened')!;
    expect(rule.properties['security-severity']).toBe('9.5');
    expect(rule.defaultConfiguration.level).toBe('error');
  });

  it('errors are warnings of invalid-manifest at their file, line 0 clamped to 1', () => {
    const out = buildSarif(result([], [{ file: './deploy/x y.yaml', line: 0, message: 'not YAML' }]), options);
    const r = out.runs[0]!.results[0]!;
    expect(r).toMatchObject({ ruleId: 'invalid-manifest', level: 'warning', message: { text: 'not YAML' } });
    expect(r.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'deploy/x%20y.yaml' }, region: { startLine: 1 } });
  });

  it('message carries the witness, a base-side hint and notes', () => {
    const crit = run.results.find((r) => r.ruleId === 'ingress-exposed')!;
    expect(crit.message.text).toContain('Exposed to the internet: ');
    expect(crit.message.text).toContain('Example request: plaintext TCP');
    expect(crit.message.text).toContain('refers to the base commit');
    expect(crit.message.text).toContain('Note: ignore entry for ingress-exposed expired');
  });

  it('fingerprints are stable across file moves and line shifts, and tell findings apart', () => {
    const a = finding();
    const moved: typeof a = { ...a, file: 'other.yaml', line: 99 };
    expect(findingFingerprint(moved)).toBe(findingFingerprint(a));
    expect(findingFingerprint({ ...a, field: 'spec.portLevelMtls.9090.mode' })).not.toBe(findingFingerprint({ ...a, field: 'spec.portLevelMtls.8080.mode' }));
    expect(findingFingerprint({ ...a, workload: 'payments/ap', resource: { ...a.resource, name: 'idefault' } })).not.toBe(findingFingerprint(a));
    const r = buildSarif(result([a]), options).runs[0]!.results[0]!;
    expect(r.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: findingFingerprint(a) });
    expect(findingFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a port joining a finding does not re-key it: the port is not part of its identity', () => {
    const a = { ...finding(), field: 'spec.rules.0' };
    const grown = { ...a, port: 3550, ports: [3550, 8080, 9090] };
    expect(findingFingerprint(grown)).toBe(findingFingerprint(a));
    const r = buildSarif(result([grown]), options).runs[0]!.results[0]!;
    expect(r.properties).toMatchObject({ port: 3550, ports: [3550, 8080, 9090] });
  });

  it('notes are result properties too, for tools that read properties rather than the text', () => {
    const crit = buildSarif(sample, options).runs[0]!.results.find((r) => r.ruleId === 'ingress-exposed')!;
    expect(crit.properties.notes).toEqual([expect.stringContaining('ignore entry for ingress-exposed expired')]);
  });

  it('an empty review is a valid log with no results', () => {
    const empty = SarifLog.parse(JSON.parse(renderSarif(result([]), { toolVersion: '1', rules })));
    expect(empty.runs[0]!.results).toEqual([]);
    expect(empty.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['mtls-weakened', 'access-broadened']);
  });
});

describe('toUri', () => {
  it.each([
    ['deploy/a.yaml', 'deploy/a.yaml'],
    ['./deploy/a.yaml', 'deploy/a.yaml'],
    ['/deploy/a.yaml', 'deploy/a.yaml'],
    ['deploy\\win\\a.yaml', 'deploy/win/a.yaml'],
    ['charts/x/templates/a b#1.yaml', 'charts/x/templates/a%20b%231.yaml'],
    ['c:/odd.yaml', 'c%3A/odd.yaml'],
  ])('%s -> %s', (input, expected) => {
    expect(toUri(input)).toBe(expected);
  });
});
