import { describe, expect, it } from 'vitest';
import { completeCheckRun, failCheckRun, planCheckRun, startCheckRun, type CheckRunOutcome } from '../../../src/github/publish/checkRun.js';
import { redactSecrets } from '../../../src/github/publish/secrets.js';
import { finding, result } from '../../report/sample.js';
import { fakeThrottle, HEAD, octokit, pr, useGitHubMock } from './helpers.js';

const mock = useGitHubMock();
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
type PatchBody = {
  status?: string;
  conclusion?: string;
  output: { title: string; summary: string; text?: string; annotations?: Array<Record<string, unknown>> };
};

describe('planCheckRun', () => {
  it('fails on findings at or above failOn, titles the worst finding in words, annotates head-side lines', () => {
    const r = result([
      finding({
        ruleId: 'transport-weakened',
        workload: 'shop/payments',
        port: 8080,
        title: 'mTLS no longer required on shop/payments:8080',
        line: 12,
      }),
      finding({ workload: 'shop/cart', port: 8080, title: 'mTLS no longer required on shop/cart:8080', line: 20 }),
      finding({
        severity: 'medium',
        ruleId: 'access-broadened',
        category: 'access-broadened',
        title: 'Access broadened',
        workload: 'shop/cart',
        port: null,
        line: 30,
      }),
      finding({ severity: 'low', side: 'before', line: 4, title: 'Something removed' }),
    ]);
    const out = planCheckRun(r, 'high');
    expect(out.conclusion).toBe('failure');
    expect(out.title).toBe('2 high-severity weakenings: mTLS no longer required on shop/payments:8080 …');
    expect(out.annotations.map((a) => [a.start_line, a.end_line, a.annotation_level])).toEqual([
      [12, 12, 'failure'],
      [20, 20, 'failure'],
      [30, 30, 'warning'],
    ]);
    const first = out.annotations[0]!;
    expect(first.path).toBe('deploy/payments/peer-auth.yaml');
    expect(first.message).toContain('plaintext TCP from any pod in namespace default');
    expect(first.message).toContain('How to fix:');
    expect(first.raw_details).toMatch(/rule: transport-weakened[\s\S]*fingerprint: [0-9a-f]{64}/);
    expect(out.summary).toContain('| Severity |');
  });

  it('succeeds below failOn and says what it passed with; the levels map medium→warning, low/info→notice', () => {
    const r = result([
      finding({ severity: 'low', title: 'Minor', line: 3 }),
      finding({ severity: 'info', category: 'access-narrowed', ruleId: 'access-narrowed', title: 'Access narrowed on payments/api:8080', line: 5 }),
    ]);
    const out = planCheckRun(r, 'high');
    expect(out.conclusion).toBe('success');
    expect(out.title).toBe('Passed with 1 low-severity weakening: Minor on payments/api:8080 …');
    expect(out.annotations.map((a) => a.annotation_level)).toEqual(['notice', 'notice']);
    expect(planCheckRun(result([]), 'high')).toMatchObject({ conclusion: 'success', title: 'No mesh security changes', annotations: [] });
    expect(planCheckRun(result([finding({ severity: 'medium' })], [], 'high'), 'medium').conclusion).toBe('failure');
  });

  it('keeps a summary of huge multi-byte findings within 65,535 UTF-8 bytes, with a note', () => {
    const many = Array.from({ length: 400 }, (_, i) => finding({ line: i + 1, workload: `ns/w${i}`, message: '流量'.repeat(100), witness: '🔓'.repeat(50) }));
    const out = planCheckRun(result(many), 'high');
    expect(bytes(out.summary)).toBeLessThanOrEqual(65_535);
    expect(bytes(out.summary)).toBeGreaterThan(60_000);
    expect(out.summary).toMatch(/more findings? not shown/);
    expect(out.summary).not.toContain('\uFFFD');
  });
});

describe('startCheckRun', () => {
  it('creates an in-progress run on the head sha', async () => {
    const { throttle } = fakeThrottle();
    mock.api().post('/repos/acme/shop/check-runs').reply(201, { id: 42 });
    const id = await startCheckRun(octokit(), pr, { name: 'mesh-review', detailsUrl: 'https://example.com/x', externalId: 'mesh-review:1' }, { throttle });
    expect(id).toBe(42);
    expect(mock.requests[0]!.body).toMatchObject({
      name: 'mesh-review',
      head_sha: HEAD,
      status: 'in_progress',
      details_url: 'https://example.com/x',
      external_id: 'mesh-review:1',
    });
  });

  it('after a 5xx, adopts the run GitHub did create instead of leaving a second one in progress', async () => {
    const { throttle } = fakeThrottle();
    mock
      .api()
      .post('/repos/acme/shop/check-runs')
      .reply(502, 'Bad Gateway')
      .get(`/repos/acme/shop/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 2,
        check_runs: [
          { id: 41, external_id: 'mesh-review:old' },
          { id: 43, external_id: 'mesh-review:2' },
        ],
      });
    expect(await startCheckRun(octokit(), pr, { externalId: 'mesh-review:2' }, { throttle })).toBe(43);
  });

  it('after a 5xx with no run created, posts again', async () => {
    const { throttle } = fakeThrottle();
    mock
      .api()
      .post('/repos/acme/shop/check-runs')
      .reply(500, 'x')
      .get(`/repos/acme/shop/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post('/repos/acme/shop/check-runs')
      .reply(201, { id: 44 });
    expect(await startCheckRun(octokit(), pr, {}, { throttle })).toBe(44);
  });
});

describe('completeCheckRun', () => {
  it('sends 120 annotations in 3 PATCHes of at most 50, the first one completing the run', async () => {
    const { throttle } = fakeThrottle();
    const many = Array.from({ length: 120 }, (_, i) => finding({ line: i + 1, workload: `ns/w${i}` }));
    const outcome = planCheckRun(result(many), 'high');
    expect(outcome.annotations).toHaveLength(120);
    const bodies: PatchBody[] = [];
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/42')
      .times(3)
      .reply(200, (_uri, body) => {
        bodies.push(body as PatchBody);
        return { id: 42 };
      });
    await completeCheckRun(octokit(), pr, 42, outcome, { throttle });
    expect(bodies.map((b) => b.output.annotations?.length)).toEqual([50, 50, 20]);
    expect(bodies[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(bodies[1]!.conclusion).toBeUndefined();
    expect(bodies.flatMap((b) => b.output.annotations!.map((a) => a.start_line))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(mock.requests).toHaveLength(3); // and each was validated against the OpenAPI description
  });

  it('after the conclusion is written, a failed append is reported, not thrown, and not resent after a 5xx; a rate-limited one is retried', async () => {
    const { throttle, sleeps } = fakeThrottle();
    const many = Array.from({ length: 160 }, (_, i) => finding({ line: i + 1, workload: `ns/w${i}` }));
    const outcome = planCheckRun(result(many), 'high');
    const bodies: PatchBody[] = [];
    const ok = () =>
      mock
        .api()
        .patch('/repos/acme/shop/check-runs/42')
        .reply(200, (_uri, body) => {
          bodies.push(body as PatchBody);
          return { id: 42 };
        });
    ok();
    mock.api().patch('/repos/acme/shop/check-runs/42').reply(502, { message: 'Server Error' });
    mock.api().patch('/repos/acme/shop/check-runs/42').reply(429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '5' });
    ok();
    ok();
    const warnings: string[] = [];
    const out = await completeCheckRun(octokit(), pr, 42, outcome, { throttle, log: { warn: (_o, msg) => warnings.push(msg ?? '') } });
    // Batch 2 (5xx) is missing and not resent; batch 3 waited out its rate limit; batch 4 still went.
    expect(bodies.map((b) => b.output.annotations![0]!.start_line)).toEqual([1, 101, 151]);
    expect(bodies[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(sleeps).toEqual([5000]);
    expect(out).toMatchObject({ annotationsSent: 110, annotationsFailed: 50 });
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatch(/^annotation batch 2 of 4 \(50 annotations\): .*502/);
    expect(warnings).toHaveLength(1);
  });

  it('the PATCH that writes the conclusion still throws when it fails', async () => {
    const { throttle } = fakeThrottle({ maxServerErrorRetries: 0 });
    mock.api().patch('/repos/acme/shop/check-runs/42').reply(502, { message: 'Server Error' });
    const outcome: CheckRunOutcome = { conclusion: 'success', title: 'ok', summary: 'ok', annotations: [] };
    await expect(completeCheckRun(octokit(), pr, 42, outcome, { throttle })).rejects.toMatchObject({ status: 502 });
  });

  it('cuts a summary over 65,535 bytes between code points, with a note', async () => {
    const { throttle } = fakeThrottle();
    const outcome: CheckRunOutcome = {
      conclusion: 'success',
      title: 'ok',
      summary: `${'é'.repeat(30_000)}${'🔓'.repeat(5_000)}`,
      text: 'ü'.repeat(40_000),
      annotations: [],
    };
    expect(bytes(outcome.summary)).toBe(80_000);
    let sent: PatchBody | undefined;
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/42')
      .reply(200, (_uri, body) => {
        sent = body as PatchBody;
        return { id: 42 };
      });
    await completeCheckRun(octokit(), pr, 42, outcome, { throttle });
    expect(bytes(sent!.output.summary)).toBeLessThanOrEqual(65_535);
    expect(bytes(sent!.output.summary)).toBeGreaterThan(65_400);
    expect(sent!.output.summary).toMatch(/truncated to fit GitHub’s size limit/);
    expect(sent!.output.summary).not.toContain('\uFFFD');
    expect(bytes(sent!.output.text!)).toBeLessThanOrEqual(65_535);
    expect(sent!.output.annotations).toBeUndefined();
  });
});

describe('failCheckRun', () => {
  const leaky = [
    'request failed: authorization: token ghs_test',
    'installation token ghs_16C7e42F292c6912E7710c838347Ae178B4a and ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz gho_oauthtoken123 v1.0123456789abcdef0123456789abcdef01234567',
    'header Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2lnbmF0dXJl',
    'clone https://x-access-token:ghs_zzzzzzzzzzzzzzzzzzzz@github.com/acme/shop.git',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretsecret\n-----END RSA PRIVATE KEY-----',
  ].join('\n');
  const secrets = [
    'ghs_test',
    'ghs_16C7e42F',
    'ghp_abc',
    'github_pat_11',
    'gho_oauth',
    'v1.0123456789abcdef',
    'eyJhbGci',
    'ghs_zzzz',
    'MIIEowIBAAKCAQEA',
    'secretsecret',
  ];

  it('completes the existing run with the reason, and no token in it', async () => {
    const { throttle } = fakeThrottle();
    let sent: PatchBody | undefined;
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/42')
      .reply(200, (_uri, body) => {
        sent = body as PatchBody;
        return { id: 42 };
      });
    expect(await failCheckRun(octokit(), pr, 42, new Error(leaky), 'failure', {}, { throttle })).toBe(42);
    expect(sent).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const text = JSON.stringify(sent);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).toContain('request failed');
    expect(text).toContain('[REDACTED]');
  });

  it('creates a completed run when there is none, or when the update fails', async () => {
    const { throttle } = fakeThrottle();
    const posted: Array<Record<string, unknown>> = [];
    mock
      .api()
      .post('/repos/acme/shop/check-runs')
      .reply(201, (_uri, body) => {
        posted.push(body as Record<string, unknown>);
        return { id: 50 };
      })
      .patch('/repos/acme/shop/check-runs/42')
      .reply(404, { message: 'Not Found' })
      .post('/repos/acme/shop/check-runs')
      .reply(201, (_uri, body) => {
        posted.push(body as Record<string, unknown>);
        return { id: 51 };
      });
    expect(await failCheckRun(octokit(), pr, undefined, 'timed out after 120 s', 'neutral', {}, { throttle })).toBe(50);
    expect(await failCheckRun(octokit(), pr, 42, leaky, 'failure', {}, { throttle })).toBe(51);
    expect(posted[0]).toMatchObject({ name: 'mesh-review', head_sha: HEAD, status: 'completed', conclusion: 'neutral' });
    expect(JSON.stringify(posted[0])).toContain('timed out after 120 s');
    for (const s of secrets) expect(JSON.stringify(posted[1])).not.toContain(s);
  });

  it('redacts an unterminated key block and leaves prose alone', () => {
    expect(redactSecrets('key: -----BEGIN PRIVATE KEY-----\nMIIabc')).toBe('key: [REDACTED] private key');
    expect(redactSecrets('the token expired; Basic checks passed')).toBe('the token expired; Basic checks passed');
  });
});
