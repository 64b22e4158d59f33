import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { changedFiles } from '../../src/pipeline/changedFiles.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';
import type { Snapshot } from '../../src/sources/snapshot.js';

/** An injected workload whose only ALLOW policy admits one caller. */
const APP = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  namespace: shop
spec:
  selector:
    matchLabels:
      app: payments
  template:
    metadata:
      labels:
        app: payments
    spec:
      containers:
        - name: payments
          image: example/payments:1
          ports:
            - containerPort: 8080
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments-callers
  namespace: shop
spec:
  selector:
    matchLabels:
      app: payments
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/shop/sa/checkout"]
`;

/** The attack: a new policy that allows everything. */
const ALLOW_ALL = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: open
  namespace: shop
spec:
  selector:
    matchLabels:
      app: payments
  rules:
    - {}
`;

/** The same policy, its rule written once as an anchor and used 101 times (ordinary YAML). */
const ALLOW_ALL_ANCHORED = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: open
  namespace: shop
  annotations:
    note: &n "x"
${Array.from({ length: 101 }, (_, i) => `    n${i}: *n`).join('\n')}
spec:
  selector:
    matchLabels:
      app: payments
  rules:
    - {}
`;

/** The same policy beside a billion-laughs ConfigMap. */
const ALLOW_ALL_BOMBED = `${ALLOW_ALL}---
apiVersion: v1
kind: ConfigMap
metadata: {name: lol, namespace: shop}
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

/** Valid YAML past the default 2 MiB limit: a comment block after the policy. */
const ALLOW_ALL_PADDED = `${ALLOW_ALL}${'# padding padding padding padding padding padding padding padding\n'.repeat(40_000)}`;

const review = (head: Record<string, string>, base: Record<string, string> = { 'app.yaml': APP }) =>
  reviewSnapshots({
    base: memorySnapshot('base', base),
    head: memorySnapshot('head', { 'app.yaml': APP, ...head }),
    config: defaultConfig(),
    now: new Date('2026-01-01T00:00:00Z'),
  });

const highs = (r: ReturnType<typeof review>) =>
  r.findings.filter((f) => f.severity === 'high' || f.severity === 'critical').map((f) => `${f.ruleId} ${f.file}:${f.line}`);

describe('what cannot be read in a file the change touched fails the gate (issue #11, item 1)', () => {
  it('a new allow-all policy written plainly fails', () => {
    const r = review({ 'open.yaml': ALLOW_ALL });
    expect(r.summary.failed).toBe(true);
    expect(highs(r)).toEqual(['allow-policy-broadened open.yaml:11']);
  });

  it('the same policy using one anchor 101 times is read and judged the same', () => {
    const plain = review({ 'open.yaml': ALLOW_ALL });
    const anchored = review({ 'open.yaml': ALLOW_ALL_ANCHORED });
    expect(anchored.errors).toEqual([]);
    expect(highs(anchored)).toEqual([`allow-policy-broadened open.yaml:${11 + 103}`]);
    expect(anchored.findings.map((f) => [f.ruleId, f.severity, f.workload, f.port])).toEqual(
      plain.findings.map((f) => [f.ruleId, f.severity, f.workload, f.port]),
    );
  });

  it('the same policy padded past the file size limit is a high analysis-incomplete naming the limit', () => {
    expect(ALLOW_ALL_PADDED.length).toBeGreaterThan(2 * 1024 * 1024);
    const r = review({ 'open.yaml': ALLOW_ALL_PADDED });
    expect(r.summary.failed).toBe(true);
    const f = r.findings.find((x) => x.file === 'open.yaml')!;
    expect(f).toMatchObject({ ruleId: 'analysis-incomplete', severity: 'high', line: 1, title: 'open.yaml could not be read completely' });
    expect(f.message).toContain('limits.maxFileBytes (2097152)');
    expect(f.message).toContain('.github/mesh-review.yml');
  });

  it('a billion-laughs document beside it is a high analysis-incomplete naming limits.maxAliasNodes', () => {
    const r = review({ 'open.yaml': ALLOW_ALL_BOMBED });
    expect(r.summary.failed).toBe(true);
    const f = r.findings.find((x) => x.ruleId === 'analysis-incomplete')!;
    expect(f).toMatchObject({ severity: 'high', file: 'open.yaml', line: 13 });
    expect(f.message).toContain('limits.maxAliasNodes');
  });

  it('a syntax error in a changed file is a high analysis-incomplete at its file and line', () => {
    const broken = ALLOW_ALL.replace('  rules:\n', '  rules:\n   - bad: [\n');
    const r = review({ 'open.yaml': broken });
    const f = r.findings.find((x) => x.ruleId === 'analysis-incomplete')!;
    expect(f).toMatchObject({ severity: 'high', file: 'open.yaml' });
    expect(f.line).toBeGreaterThanOrEqual(10);
    expect(f.message).toMatch(/invalid YAML/);
    expect(r.summary.failed).toBe(true);
  });

  it('an unreadable file the change left alone stays an error, not a finding', () => {
    const files = { 'app.yaml': APP, 'open.yaml': ALLOW_ALL_PADDED };
    const r = review(files, files);
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ file: 'open.yaml', message: expect.stringContaining('limits.maxFileBytes') })]);
    expect(r.summary.failed).toBe(false);
  });
});

describe('changedFiles', () => {
  const snap = (files: Record<string, string>, skipped: Snapshot['skipped'] = []): Snapshot => ({ ...memorySnapshot('s', files), skipped });

  it('new and edited files count, identical ones do not', () => {
    expect([...changedFiles(snap({ a: 'x', b: 'y' }), snap({ a: 'x', b: 'z', c: 'w' }))]).toEqual(['b', 'c']);
  });

  it('a skipped file is edited when its blob id changed, even at the same size', () => {
    const reason = 'file is 3000000 bytes, over limits.maxFileBytes (2097152); not read';
    expect([...changedFiles(snap({}, [{ path: 'big.yaml', reason, id: 'aaa' }]), snap({}, [{ path: 'big.yaml', reason, id: 'bbb' }]))]).toEqual(['big.yaml']);
    expect([...changedFiles(snap({}, [{ path: 'big.yaml', reason, id: 'aaa' }]), snap({}, [{ path: 'big.yaml', reason, id: 'aaa' }]))]).toEqual([]);
  });

  it('a file read on the base side and skipped on the head side is edited', () => {
    expect([...changedFiles(snap({ 'big.yaml': 'x' }), snap({}, [{ path: 'big.yaml', reason: 'too large' }]))]).toEqual(['big.yaml']);
  });
});
