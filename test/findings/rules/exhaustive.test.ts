import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defineRule } from '../../../src/findings/rule.js';
import { RULES, ruleFor } from '../../../src/findings/rules/index.js';
import { toFindings } from '../../../src/findings/toFindings.js';
import { CAUSES, CAUSE_FACTS, makeChange, type FactsOf, type PolicyChange } from '../../../src/policy/change.js';
import { SAMPLE_FACTS, sampleChange } from './table.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');
/** `transport-weakened` → `transportWeakened`: the rule's source file name. */
const camel = (id: string): string => id.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const names = (dir: string, suffix: string): string[] =>
  readdirSync(`${ROOT}${dir}`)
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, -suffix.length));

describe('every change is taken by exactly one rule', () => {
  it('has sample facts for every cause, and only causes', () => {
    expect(Object.keys(SAMPLE_FACTS).sort()).toEqual([...CAUSES].sort());
    expect(Object.keys(CAUSE_FACTS).sort()).toEqual([...CAUSES].sort());
  });

  it.each(CAUSES.map((c) => [c] as const))('a %s change', (cause) => {
    const change = sampleChange(cause);
    const taking = RULES.filter((r) => r.matches(change)).map((r) => r.id);
    expect(taking).toHaveLength(1);
    expect(ruleFor(change).id).toBe(taking[0]);
    expect(toFindings([change])).toHaveLength(1);
  });

  it('every rule takes some cause', () => {
    for (const rule of RULES)
      expect(
        CAUSES.some((c) => rule.matches(sampleChange(c))),
        rule.id,
      ).toBe(true);
  });

  it('a change no rule takes is thrown, never dropped', () => {
    const stray = { ...sampleChange('deny-weakened'), cause: 'made-up' } as unknown as PolicyChange;
    expect(() => ruleFor(stray)).toThrow('no rule takes a made-up change');
    expect(() => toFindings([stray])).toThrow('no rule takes');
  });

  it('a change two rules take is thrown', () => {
    const copy = defineRule({ ...RULES.find((r) => r.id === 'deny-policy-weakened')!, id: 'deny-copy' });
    expect(() => ruleFor(sampleChange('deny-weakened'), [...RULES, copy])).toThrow('rules deny-policy-weakened, deny-copy all take a deny-weakened change');
  });
});

describe('facts are checked against their cause', () => {
  const fields = sampleChange('deny-weakened');
  it.each<[string, () => unknown]>([
    ['facts of another cause', () => makeChange('sidecar-removed', { gateway: true } as unknown as FactsOf<'sidecar-removed'>, fields)],
    ['a tag string', () => makeChange('port-bypassed', 'ambient' as unknown as FactsOf<'port-bypassed'>, fields)],
    ['a missing fact', () => makeChange('egress-tls-removed', { host: 'a.example' } as unknown as FactsOf<'egress-tls-removed'>, fields)],
    ['an extra fact', () => makeChange('deny-weakened', { detail: 'prose' } as unknown as FactsOf<'deny-weakened'>, fields)],
  ])('%s is refused', (_name, make) => {
    expect(make).toThrow(/^facts of a [a-z-]+ change/);
  });
});

describe('each rule three times under one name: source, table, page', () => {
  const sources = names('src/findings/rules/', '.ts').filter((n) => n !== 'index');
  const tables = names('test/findings/rules/', '.test.ts').filter((n) => n !== 'exhaustive' && n !== 'formerIds');
  const pages = names('docs/rules/', '.md').filter((n) => n !== 'README');

  it.each(RULES.map((r) => [r.id, r] as const))('%s', (id, rule) => {
    const source = `src/findings/rules/${camel(id)}.ts`;
    expect(existsSync(`${ROOT}${source}`), `${source} is missing`).toBe(true);
    expect(read(source)).toContain(`id: '${id}',`);
    const table = `test/findings/rules/${id}.test.ts`;
    expect(existsSync(`${ROOT}${table}`), `${table} is missing`).toBe(true);
    expect(read(table)).toContain(`from '../../../src/findings/rules/${camel(id)}.js'`);
    const page = `docs/rules/${id}.md`;
    expect(existsSync(`${ROOT}${page}`), `${page} is missing`).toBe(true);
    for (const old of rule.formerIds) expect(read(page), `${page} names its former id ${old}`).toContain(`Former id: \`${old}\``);
  });

  it('has no source, table or page without a rule', () => {
    expect(sources.sort()).toEqual(RULES.map((r) => camel(r.id)).sort());
    expect(tables.sort()).toEqual(RULES.map((r) => r.id).sort());
    expect(pages.sort()).toEqual(RULES.map((r) => r.id).sort());
  });
});
