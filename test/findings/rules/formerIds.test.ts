import { describe, expect, it } from 'vitest';
import { Config, type ConfigInput } from '../../../src/config/schema.js';
import { applyConfig, ignoreMatches } from '../../../src/findings/filter/applyConfig.js';
import { RULES, ruleById } from '../../../src/findings/rules/index.js';
import { fingerprintAliases, fingerprintOf } from '../../../src/github/publish/markers.js';
import { buildSarif, findingFingerprint, legacyFingerprint } from '../../../src/report/sarif.js';
import { finding, result } from '../../report/sample.js';

/** Rules renamed to read for any mesh (issue #14 item 5): former id → current id. */
const RENAMED: [string, string][] = [
  ['peer-authentication-weakened', 'transport-weakened'],
  ['sidecar-removed', 'proxy-removed'],
  ['client-tls-disabled', 'client-transport-weakened'],
  ['allow-all-restored', 'default-deny-lost'],
  ['policy-dry-run', 'policy-audit-only'],
  ['custom-authz-removed', 'external-authz-removed'],
  ['network-policy-broadened', 'network-ingress-broadened'],
  ['mtls-strengthened', 'transport-strengthened'],
  ['client-tls-breaks-strict', 'client-transport-refused'],
];

const cfg = (input: ConfigInput): Config => Config.parse(input);
const NOW = new Date('2025-06-15T12:00:00Z');
const weakened = finding({ ruleId: 'transport-weakened' });

describe('former rule ids', () => {
  it('are exactly the renamed ones, each naming one rule, none an id of another rule', () => {
    expect(RULES.flatMap((r) => r.formerIds.map((old) => [old, r.id]))).toEqual(expect.arrayContaining(RENAMED));
    expect(RULES.flatMap((r) => r.formerIds)).toHaveLength(RENAMED.length);
    const ids = new Set(RULES.map((r) => r.id));
    for (const [old] of RENAMED) expect(ids.has(old), old).toBe(false);
  });

  it.each(RENAMED)('%s finds %s', (old, id) => {
    expect(ruleById(old)?.id).toBe(id);
    expect(ruleById(id)?.id).toBe(id);
  });

  it('set a severity or turn a rule off in rules:, the current id winning over a former one', () => {
    expect(applyConfig([weakened], cfg({ rules: { 'peer-authentication-weakened': 'low' } }), NOW).map((f) => f.severity)).toEqual(['low']);
    expect(applyConfig([weakened], cfg({ rules: { 'peer-authentication-weakened': 'off' } }), NOW)).toEqual([]);
    const both = cfg({ rules: { 'peer-authentication-weakened': 'off', 'transport-weakened': 'medium' } });
    expect(applyConfig([weakened], both, NOW).map((f) => f.severity)).toEqual(['medium']);
  });

  it('name the rule in ignore entries', () => {
    expect(ignoreMatches({ rule: 'peer-authentication-weakened' }, weakened)).toBe(true);
    expect(ignoreMatches({ rule: 'sidecar-removed' }, weakened)).toBe(false);
    const out = applyConfig([weakened], cfg({ ignore: [{ rule: 'peer-authentication-weakened', reason: 'migration' }] }), NOW);
    expect(out).toEqual([]);
  });

  it('are fingerprint aliases, so threads an earlier version opened under them still match', () => {
    const aliases = fingerprintAliases(weakened);
    expect(aliases[0]).toBe(fingerprintOf(weakened));
    expect(aliases).toContain(findingFingerprint({ ...weakened, ruleId: 'peer-authentication-weakened' }));
    expect(aliases).toContain(legacyFingerprint({ ...weakened, ruleId: 'peer-authentication-weakened' }));
    expect(aliases).toContain(legacyFingerprint(weakened));
    // A rule never renamed has only its own.
    const other = finding({ ruleId: 'deny-policy-weakened' });
    expect(fingerprintAliases(other)).toEqual([fingerprintOf(other), legacyFingerprint(other)]);
  });

  it('are the SARIF rule descriptor deprecatedIds', () => {
    const rule = ruleById('transport-weakened')!;
    const log = buildSarif(result([weakened]), {
      toolVersion: '0',
      rules: [{ id: rule.id, formerIds: rule.formerIds, title: rule.id, category: rule.category, severity: rule.severity }],
    });
    expect(log.runs[0]!.tool.driver.rules[0]).toMatchObject({ id: 'transport-weakened', deprecatedIds: ['peer-authentication-weakened'] });
    expect(log.runs[0]!.results[0]!.ruleId).toBe('transport-weakened');
  });
});
