import { describe, expect, it } from 'vitest';
import { Config, defaultConfig, type ConfigInput } from '../../../src/config/schema.js';
import { applyConfig, ignoreMatches, summarize } from '../../../src/findings/filter/applyConfig.js';
import type { Finding } from '../../../src/findings/finding.js';
import { Summary } from '../../../src/pipeline/reviewResult.js';
import { finding } from '../../report/sample.js';

const cfg = (input: ConfigInput): Config => Config.parse(input);
const NOW = new Date('2025-06-15T12:00:00Z');

describe('applyConfig: rule severity overrides', () => {
  const findings = [finding({ ruleId: 'mtls-weakened' }), finding({ ruleId: 'access-narrowed', category: 'access-narrowed', severity: 'info' })];

  it('no config changes nothing', () => {
    expect(applyConfig(findings, defaultConfig(), NOW)).toEqual(findings);
  });
  it('overrides severity per rule', () => {
    const out = applyConfig(findings, cfg({ rules: { 'mtls-weakened': 'low' } }), NOW);
    expect(out.map((f) => [f.ruleId, f.severity])).toEqual([
      ['mtls-weakened', 'low'],
      ['access-narrowed', 'info'],
    ]);
  });
  it("'off' removes the rule's findings", () => {
    const out = applyConfig(findings, cfg({ rules: { 'access-narrowed': 'off' } }), NOW);
    expect(out.map((f) => f.ruleId)).toEqual(['mtls-weakened']);
  });
  it('does not mutate its input', () => {
    const input = [finding()];
    const copy = structuredClone(input);
    applyConfig(input, cfg({ rules: { 'mtls-weakened': 'low' }, ignore: [{ rule: 'mtls-weakened', reason: 'r', expires: '2020-01-01' }] }), NOW);
    expect(input).toEqual(copy);
  });
  it('does not treat Object.prototype keys as rules', () => {
    expect(applyConfig([finding({ ruleId: 'constructor' })], defaultConfig(), NOW)).toHaveLength(1);
  });
});

describe('ignoreMatches', () => {
  it.each<[string, string | undefined, string | null, boolean]>([
    ['exact workload', 'payments/api', 'payments/api', true],
    ['other workload', 'payments/api', 'payments/api2', false],
    ['prefix with *', 'payments/*', 'payments/api', true],
    ['prefix does not cross namespaces', 'payments/*', 'payments-staging/api', false],
    ['bare * matches any named workload', '*', 'shop/cart', true],
    ['bare * does not match a finding without workload', '*', null, false],
    ['omitted workload matches anything', undefined, 'shop/cart', true],
    ['omitted workload matches no-workload findings', undefined, null, true],
    ['* only means prefix at the end', 'pay*/api', 'payments/api', false],
  ])('%s', (_name, workload, findingWorkload, expected) => {
    expect(ignoreMatches({ rule: 'r', workload }, { ruleId: 'r', workload: findingWorkload })).toBe(expected);
  });
  it('rule id must match exactly', () => {
    expect(ignoreMatches({ rule: 'mtls' }, { ruleId: 'mtls-weakened', workload: null })).toBe(false);
  });
});

describe('applyConfig: ignore entries', () => {
  const findings = [
    finding({ workload: 'payments/api' }),
    finding({ workload: 'payments/worker' }),
    finding({ workload: 'shop/cart' }),
    finding({ ruleId: 'access-broadened', category: 'access-broadened', workload: 'payments/api' }),
  ];
  const keep = (c: Config, now = NOW): string[] => applyConfig(findings, c, now).map((f) => `${f.ruleId} ${f.workload}`);

  it('by workload prefix, only for that rule', () => {
    expect(keep(cfg({ ignore: [{ rule: 'mtls-weakened', workload: 'payments/*', reason: 'migrating' }] }))).toEqual([
      'mtls-weakened shop/cart',
      'access-broadened payments/api',
    ]);
  });
  it('without workload, every finding of the rule', () => {
    expect(keep(cfg({ ignore: [{ rule: 'mtls-weakened', reason: 'known' }] }))).toEqual(['access-broadened payments/api']);
  });
  it('applies after overrides, so an ignored rule stays ignored whatever its severity', () => {
    const c = cfg({ rules: { 'mtls-weakened': 'critical' }, ignore: [{ rule: 'mtls-weakened', reason: 'known' }] });
    expect(keep(c)).toEqual(['access-broadened payments/api']);
  });

  it.each([
    ['the day before expiry', '2025-06-14T23:59:59Z', false],
    ['all of the expiry day (UTC)', '2025-06-15T23:59:59.999Z', false],
    ['the next day', '2025-06-16T00:00:00Z', true],
  ])('valid through the expiry day: %s', (_name, now, expired) => {
    const c = cfg({ ignore: [{ rule: 'access-broadened', reason: 'r', expires: '2025-06-15' }] });
    expect(keep(c, new Date(now)).includes('access-broadened payments/api')).toBe(expired);
  });

  it('an expired entry stops applying and says so on the finding', () => {
    const c = cfg({ ignore: [{ rule: 'access-broadened', workload: 'payments/api', reason: 'waiting on SEC-12', expires: '2025-01-31' }] });
    const out = applyConfig(findings, c, NOW);
    const back = out.find((f) => f.ruleId === 'access-broadened');
    expect(back?.notes).toEqual(['ignore entry for access-broadened expired on 2025-01-31; reason was: waiting on SEC-12']);
    // Findings the entry never matched get no note.
    expect(out.filter((f) => f.notes !== undefined)).toHaveLength(1);
  });
  it('a still-valid entry wins over an expired one, and keeps existing notes', () => {
    const c = cfg({
      ignore: [
        { rule: 'mtls-weakened', workload: 'shop/*', reason: 'old', expires: '2024-01-01' },
        { rule: 'mtls-weakened', workload: 'shop/cart', reason: 'new', expires: '2099-01-01' },
      ],
    });
    expect(keep(c)).not.toContain('mtls-weakened shop/cart');
    const noted = applyConfig([finding({ workload: 'shop/x', notes: ['earlier'] })], c, NOW)[0];
    expect(noted?.notes).toEqual(['earlier', 'ignore entry for mtls-weakened expired on 2024-01-01; reason was: old']);
  });
});

describe('summarize', () => {
  const fs: Finding[] = [finding({ severity: 'medium' }), finding({ severity: 'low', category: 'access-narrowed' })];
  const counts = { filesParsed: 4, workloads: 2 };

  it.each<[Finding['severity'], boolean]>([
    ['critical', false],
    ['high', false],
    ['medium', true],
    ['low', true],
    ['info', true],
  ])('failOn %s -> failed %s', (failOn, failed) => {
    expect(summarize(fs, [], { failOn }, counts).failed).toBe(failed);
  });

  it('counts by severity and category, with every key present', () => {
    const s = summarize(fs, [{ file: 'x.yaml', line: 1, message: 'bad' }], { failOn: 'high' }, counts);
    expect(Summary.parse(s)).toEqual(s);
    expect(s).toMatchObject({ total: 2, worst: 'medium', errors: 1, failOn: 'high', filesParsed: 4, workloads: 2 });
    expect(s.bySeverity).toEqual({ critical: 0, high: 0, medium: 1, low: 1, info: 0 });
    expect(s.byCategory['mtls-weakened']).toBe(1);
    expect(s.byCategory['access-narrowed']).toBe(1);
    expect(s.byCategory['ingress-exposed']).toBe(0);
  });
  it('no findings: worst is null, not failed, even with errors', () => {
    const s = summarize([], [{ file: 'x.yaml', line: 1, message: 'bad' }], { failOn: 'info' }, counts);
    expect(s).toMatchObject({ total: 0, worst: null, failed: false, errors: 1 });
  });
});
