import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_PATH, loadBaseConfig, loadConfigFile, parseConfigBytes, parseConfigText } from '../../src/config/loadConfig.js';
import { defaultConfig } from '../../src/config/schema.js';

const SRC = '.github/mesh-review.yml';

function errorOf(text: string): string {
  const r = parseConfigText(text, SRC);
  if (!('error' in r)) throw new Error(`expected an error for:\n${text}`);
  return r.error;
}

describe('parseConfigText: defaults', () => {
  it.each([
    ['empty file', ''],
    ['only comments', '# nothing configured yet\n'],
    ['explicit null', '~\n'],
    ['empty mapping', '{}\n'],
  ])('%s gives the defaults', (_name, text) => {
    expect(parseConfigText(text, SRC)).toEqual({ config: defaultConfig() });
  });

  it('fills defaults around what is set', () => {
    const r = parseConfigText('failOn: medium\nistio:\n  rootNamespace: mesh-root\n', SRC);
    expect(r).toEqual({ config: { ...defaultConfig(), failOn: 'medium', istio: { rootNamespace: 'mesh-root', trustDomain: 'cluster.local' } } });
  });

  it('an empty section (entries all commented out) means the default', () => {
    expect(parseConfigText('ignore:\n#  - rule: a\n#    reason: b\nrules:\nexclude:\n', SRC)).toEqual({ config: defaultConfig() });
  });

  it("YAML 1.2: unquoted off is the string 'off', not false", () => {
    expect(parseConfigText('rules:\n  access-narrowed: off\n', SRC)).toMatchObject({ config: { rules: { 'access-narrowed': 'off' } } });
  });

  it('accepts a full config', () => {
    const text = [
      'include: ["k8s/**/*.yaml"]',
      'exclude: ["k8s/test/**"]',
      'failOn: critical',
      'rules:',
      '  access-narrowed: "off"',
      '  mtls-weakened: low',
      'ignore:',
      '  - rule: ingress-exposed',
      '    workload: "edge/*"',
      '    reason: public by design',
      '    expires: 2099-12-31',
    ].join('\n');
    const r = parseConfigText(text, SRC);
    expect('config' in r && r.config).toMatchObject({
      failOn: 'critical',
      rules: { 'access-narrowed': 'off', 'mtls-weakened': 'low' },
      ignore: [{ rule: 'ingress-exposed', workload: 'edge/*', reason: 'public by design', expires: '2099-12-31' }],
    });
  });
});

describe('parseConfigText: errors name the file, the key path and the problem', () => {
  it.each([
    ['bad severity', 'failOn: urgent', `${SRC}: failOn: expected one of critical|high|medium|low|info`],
    ['bad severity says what was written', 'failOn: High', '(got "High")'],
    ['unknown top-level key', 'failOnn: high', `${SRC}: failOnn: unknown key; did you mean "failOn"?`],
    ['unknown key, no close match, lists allowed keys', 'colour: red', `${SRC}: colour: unknown key (allowed: include, exclude, failOn,`],
    ['unknown nested key', 'istio:\n  trust_domain: example.org', `${SRC}: istio.trust_domain: unknown key; did you mean "trustDomain"?`],
    ['unknown key in an ignore entry', 'ignore:\n  - rule: a\n    reason: b\n    until: 2025-01-01', `${SRC}: ignore[0].until: unknown key`],
    ['wrong type', 'include: "**/*.yaml"', `${SRC}: include: expected a list, got a string`],
    ['wrong type nested', 'limits:\n  maxFileBytes: big', `${SRC}: limits.maxFileBytes: expected a number, got a string`],
    ['bad rule severity', 'rules:\n  mtls-weakened: loud', `${SRC}: rules.mtls-weakened: expected one of critical|high|medium|low|info|off`],
    ['missing reason', 'ignore:\n  - rule: a', `${SRC}: ignore[0].reason: missing (expected a string)`],
    ['bad expires format', 'ignore:\n  - rule: a\n    reason: b\n    expires: 31/12/2025', `${SRC}: ignore[0].expires: expected YYYY-MM-DD (got "31/12/2025")`],
    ['expires not a real day', 'ignore:\n  - rule: a\n    reason: b\n    expires: 2025-02-30', `${SRC}: ignore[0].expires: not a calendar date`],
    ['top level is a list', '- failOn: high', `${SRC}: expected a mapping of settings at the top level, got a list`],
    ['top level is a scalar', 'high', `${SRC}: expected a mapping of settings at the top level, got a string`],
    ['a section of the wrong shape', 'ignore:\n  rule: a', `${SRC}: ignore: expected a list, got a mapping`],
    ['an empty gate is not a default', 'failOn:', `${SRC}: failOn: expected one of critical|high|medium|low|info (got null`],
    ['__proto__ is not silently dropped', 'rules:\n  __proto__: "off"', `${SRC}: rules.__proto__: unknown key`],
    ['__proto__ at top level', '__proto__:\n  failOn: low', `${SRC}: __proto__: unknown key`],
    ['YAML syntax', 'failOn: [high', `${SRC}: invalid YAML:`],
    ['duplicate key', 'failOn: high\nfailOn: low', `${SRC}: invalid YAML: Map keys must be unique at line 2, column 1`],
    ['two documents', 'failOn: high\n---\nfailOn: low', `${SRC}: invalid YAML: Source contains multiple documents`],
    ['unresolved alias', 'failOn: *sev', `${SRC}: invalid YAML:`],
  ])('%s', (_name, text, expected) => {
    expect(errorOf(text)).toContain(expected);
  });

  it('reports every problem, one per line', () => {
    const lines = errorOf('failOn: urgent\nbogus: 1\n').split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.startsWith(`${SRC}: `)).toBe(true);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(errorOf(bomb)).toContain('invalid YAML');
  });
});

describe('parseConfigBytes', () => {
  it('rejects invalid UTF-8 rather than guessing', () => {
    expect(parseConfigBytes(Buffer.from([0x66, 0xff, 0x0a]), SRC)).toEqual({ error: `${SRC}: not valid UTF-8` });
  });
  it('accepts a UTF-8 BOM', () => {
    expect(parseConfigBytes(Buffer.from('\uFEFFfailOn: low\n'), SRC)).toMatchObject({ config: { failOn: 'low' } });
  });
  it('refuses an oversized file', () => {
    expect(parseConfigBytes(Buffer.alloc(300 * 1024, 0x20), SRC)).toMatchObject({ error: expect.stringContaining('more than the') });
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-review-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file', async () => {
    const p = join(dir, 'ok.yml');
    await writeFile(p, 'failOn: medium\n');
    expect(await loadConfigFile(p)).toMatchObject({ config: { failOn: 'medium' } });
  });
  it('names the file in validation errors', async () => {
    const p = join(dir, 'bad.yml');
    await writeFile(p, 'failOn: nope\n');
    expect(await loadConfigFile(p)).toEqual({ error: expect.stringContaining(`${p}: failOn: expected one of`) });
  });
  it('a missing --config file is an error, not defaults', async () => {
    const p = join(dir, 'absent.yml');
    expect(await loadConfigFile(p)).toEqual({ error: `${p}: cannot read config: no such file` });
  });
});

describe('loadBaseConfig', () => {
  it('reads CONFIG_PATH from the snapshot it is given', async () => {
    const asked: string[] = [];
    const base = {
      readFile: async (p: string) => {
        asked.push(p);
        return Buffer.from('failOn: critical\n');
      },
    };
    expect(await loadBaseConfig(base)).toMatchObject({ config: { failOn: 'critical' } });
    expect(asked).toEqual([CONFIG_PATH]);
    expect(CONFIG_PATH).toBe('.github/mesh-review.yml');
  });
  it('defaults when the base has no config', async () => {
    expect(await loadBaseConfig({ readFile: async () => undefined })).toEqual({ config: defaultConfig() });
  });
});
