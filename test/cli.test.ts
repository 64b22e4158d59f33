import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const DEMO = 'fixtures/demo';

/** Captures what the CLI writes; `isTTY` false, as in CI and pipes. */
function io() {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) => ({ isTTY: false, write: (s: string) => (sink.push(s), true) }) as unknown as NodeJS.WriteStream;
  return { io: { stdout: stream(out), stderr: stream(err) }, out: () => out.join(''), err: () => err.join('') };
}

describe('mesh-review diff', () => {
  it('reviews the demo: exit 1 on high findings, plain text without colour codes', async () => {
    const c = io();
    expect(await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`], c.io)).toBe(1);
    expect(c.out()).toContain('deny-policy-weakened');
    expect(c.out()).toContain('payments/authz.yaml:17');
    expect(c.out()).not.toContain('\x1b[');
  });

  it('--fail-on critical passes the same review', async () => {
    const c = io();
    expect(await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`, '--fail-on', 'critical'], c.io)).toBe(0);
  });

  it('--format json keeps the contract', async () => {
    const c = io();
    await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`, '--format', 'json'], c.io);
    const json = JSON.parse(c.out());
    expect(json.version).toBe(1);
    expect(Object.keys(json.findings[0]).sort()).toEqual(
      ['category', 'file', 'line', 'mesh', 'message', 'notes', 'port', 'ports', 'resource', 'ruleId', 'severity', 'title', 'witness', 'workload'].sort(),
    );
    expect(json.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(['allow-policy-broadened', 'deny-policy-weakened', 'transport-weakened']);
  });

  it('--format sarif and markdown render', async () => {
    const s = io();
    await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`, '--format', 'sarif'], s.io);
    expect(JSON.parse(s.out()).version).toBe('2.1.0');
    const m = io();
    await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`, '--format', 'markdown'], m.io);
    expect(m.out()).toContain('| Severity |');
  });

  it.each([
    [[], 'missing command'],
    [['diff'], '--base and --head are required'],
    [['diff', '--base', 'a', '--head', 'b', '--format', 'xml'], '--format must be'],
    [['diff', '--base', 'a', '--head', 'b', '--fail-on', 'urgent'], '--fail-on must be one of'],
    [['diff', '--bogus'], 'Unknown option'],
  ])('usage error %j exits 2', async (args, message) => {
    const c = io();
    expect(await main(args, c.io)).toBe(2);
    expect(c.err()).toContain(message);
  });

  it('a bad config file exits 2 naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-'));
    const file = join(dir, 'mesh-review.yml');
    writeFileSync(file, 'failOn: urgent\n');
    const c = io();
    expect(await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`, '--config', file], c.io)).toBe(2);
    expect(c.err()).toContain('failOn');
  });

  it('an ignore entry silences a finding; rules: off removes a rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-'));
    const file = join(dir, 'mesh-review.yml');
    // Written with the rule's former id (peer-authentication-weakened, now transport-weakened): still honoured.
    writeFileSync(
      file,
      'rules:\n  peer-authentication-weakened: off\nignore:\n  - rule: deny-policy-weakened\n    workload: payments/*\n    reason: accepted for the migration\n',
    );
    const c = io();
    await main(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`, '--config', file, '--format', 'json'], c.io);
    const ids = JSON.parse(c.out()).findings.map((f: { ruleId: string }) => f.ruleId);
    expect(ids).toEqual(['allow-policy-broadened']);
  });

  it('an unknown git ref is a clear error, exit 2', async () => {
    const c = io();
    expect(await main(['diff', '--base', 'no-such-ref-xyz', '--head', 'HEAD'], c.io)).toBe(2);
    expect(c.err()).toMatch(/no-such-ref-xyz/);
  });
});

describe('mesh-review diff on git refs', () => {
  it('reviews two commits of a clone, with the config of the base commit only', async () => {
    const { execFileSync } = await import('node:child_process');
    const { cpSync, mkdirSync, rmSync } = await import('node:fs');
    const repo = mkdtempSync(join(tmpdir(), 'mr-git-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo });
    git('init', '-q');
    cpSync(`${DEMO}/before`, join(repo, 'k8s'), { recursive: true });
    mkdirSync(join(repo, '.github'));
    // The base commit gates at critical: the demo's high findings pass.
    writeFileSync(join(repo, '.github/mesh-review.yml'), 'failOn: critical\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    rmSync(join(repo, 'k8s'), { recursive: true });
    cpSync(`${DEMO}/after`, join(repo, 'k8s'), { recursive: true });
    // The PR tries to switch its own gate off entirely; it must not be read.
    writeFileSync(join(repo, '.github/mesh-review.yml'), 'failOn: info\nrules:\n  deny-policy-weakened: off\n');
    git('add', '-A');
    git('commit', '-qm', 'head');
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const c = io();
      const code = await main(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json'], c.io);
      const json = JSON.parse(c.out());
      expect(json.summary.failOn).toBe('critical');
      expect(code).toBe(0);
      expect(json.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('deny-policy-weakened');
      expect(json.findings.find((f: { ruleId: string }) => f.ruleId === 'deny-policy-weakened').file).toBe('k8s/payments/authz.yaml');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('mesh-review diff: an unread file the change edits fails the exit code (issue #11, item 1)', () => {
  it('a file over limits.maxFileBytes edited to the same size: exit 1, analysis-incomplete naming the limit', async () => {
    const { execFileSync } = await import('node:child_process');
    const repo = mkdtempSync(join(tmpdir(), 'mr-big-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo });
    const policy = (rules: string) =>
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  rules: ${rules}\n`;
    // Same length on both sides, so only the blob id tells the edit apart.
    const base = policy('[{from: [{source: {namespaces: ["a"]}}]}]');
    const head = policy('[{}]').padEnd(base.length, ' ');
    const pad = `${'# padding\n'.repeat(300)}`;
    git('init', '-q');
    writeFileSync(join(repo, 'big.yaml'), base + pad);
    git('add', '-A');
    git('commit', '-qm', 'base');
    writeFileSync(join(repo, 'big.yaml'), head + pad);
    writeFileSync(join(repo, 'mesh-review.yml'), 'limits: {maxFileBytes: 1000}\n');
    git('commit', '-qam', 'head');
    expect(head.length).toBe(base.length);
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const c = io();
      const code = await main(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json', '--config', 'mesh-review.yml'], c.io);
      const json = JSON.parse(c.out());
      expect(json.findings.map((f: { ruleId: string; severity: string; file: string }) => `${f.ruleId} ${f.severity} ${f.file}`)).toEqual([
        'analysis-incomplete high big.yaml',
      ]);
      expect(json.findings[0].message).toContain('limits.maxFileBytes (1000)');
      expect(code).toBe(1);
    } finally {
      process.chdir(cwd);
    }
  });
});
