import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const HISTORY = resolve(import.meta.dirname, '../../../shared/corpus/history');

const review = (pair: string) => {
  const read = (side: string) => readFileSync(resolve(HISTORY, pair, `${side}.yaml`), 'utf8');
  return reviewSnapshots({
    base: memorySnapshot('before', { 'policy.yaml': read('before') }),
    head: memorySnapshot('after', { 'policy.yaml': read('after') }),
    config: defaultConfig(),
    now: new Date('2026-11-23T00:00:00Z'),
  });
};

const ids = (r: ReturnType<typeof review>) => r.findings.map((f) => `${f.ruleId} ${f.workload ?? '-'} ${f.file}:${f.line}`).sort();

/**
 * Real before/after pairs from public projects (../shared/corpus/history, see each NOTE.md).
 * Expectations were checked against the notes' semantic analysis, not copied from output.
 */
describe.skipIf(!existsSync(HISTORY))('corpus history pairs', () => {
  it('01 frontend rule widened: ALLOW broadened on the rule that lost its conditions', () => {
    const r = review('01-istio-samples-authz-frontend-widened');
    expect(r.findings.filter((f) => f.category === 'access-broadened').map((f) => [f.ruleId, f.workload])).toEqual([
      ['allow-policy-broadened', 'default/{app=frontend}'],
    ]);
    expect(r.summary.failed).toBe(true);
  });

  it('02 alpha Policy → PeerAuthentication STRICT: the removed API is reported, transport only gets stronger', () => {
    const r = review('02-istio-samples-ns-mtls-policy-to-peerauthn');
    expect(r.findings.filter((f) => f.category === 'mtls-weakened' || f.category === 'access-broadened')).toEqual([]);
    expect(r.findings.some((f) => f.ruleId === 'transport-strengthened' && f.workload === 'default/*')).toBe(true);
    expect(r.summary.failed).toBe(false);
  });

  it('03 principal typo fixed: one more real identity allowed (broadened), the typo identity dropped (narrowed)', () => {
    const r = review('03-asm-samples-principal-typo-fix');
    const broadened = r.findings.filter((f) => f.category === 'access-broadened');
    expect(broadened).toHaveLength(1);
    expect(broadened[0]!.ruleId).toBe('allow-policy-broadened');
    expect(broadened[0]!.witness).toContain('cluster.local/ns/onlineboutique/sa/checkoutservice');
    expect(r.findings.some((f) => f.category === 'access-narrowed')).toBe(true);
  });

  it('04 ALLOW rules:[{}] → CUSTOM ext-authz: narrower only', () => {
    const r = review('04-kubeflow-gateway-allow-to-custom-extauthz');
    expect(r.findings.map((f) => f.category)).toEqual(['access-narrowed']);
  });

  it('05 header rule → any JWT: both wider (JWT + header) and narrower (no JWT)', () => {
    const r = review('05-kubeflow-ml-pipeline-header-rule-to-jwt');
    const broadened = r.findings.find((f) => f.category === 'access-broadened');
    expect(broadened?.ruleId).toBe('allow-policy-broadened');
    expect(broadened?.witness).toContain('JWT principal');
    expect(broadened?.witness).toContain('header kubeflow-userid');
    expect(r.findings.some((f) => f.category === 'access-narrowed')).toBe(true);
  });

  it('every pair diffs without a crash and a pair diffed with itself is silent', () => {
    for (const pair of [
      '06-istio-expose-istiod-tls-passthrough',
      '07-netpol-recipe-dns-egress-or-peer',
      '08-netpol-recipe-dns-egress-or-to-and',
      '09-linkerd-viz-serverauthz-to-authzpolicy',
      '10-consul-demo-intention-wildcard-allow',
    ]) {
      expect(() => review(pair)).not.toThrow();
      const text = readFileSync(resolve(HISTORY, pair, 'after.yaml'), 'utf8');
      const same = reviewSnapshots({ base: memorySnapshot('a', { 'p.yaml': text }), head: memorySnapshot('b', { 'p.yaml': text }), config: defaultConfig() });
      expect(same.findings).toEqual([]);
    }
  });

  it('06: TCP forwarding becomes SNI-routed TLS passthrough with hosts widened to "*": istiod was reachable through the gateway port before and is after, so nothing is newly exposed (a tcp route matches connections, not names)', () => {
    const r = review('06-istio-expose-istiod-tls-passthrough');
    expect(r.findings.filter((f) => f.category === 'ingress-exposed')).toEqual([]);
    expect(r.findings.filter((f) => ['critical', 'high'].includes(f.severity))).toEqual([]);
  });

  it('09 is a Helm template outside a chart: reported as an error with file and line, not a crash', () => {
    const r = review('09-linkerd-viz-serverauthz-to-authzpolicy');
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]!.file).toBe('policy.yaml');
    expect(r.errors[0]!.line).toBeGreaterThan(0);
  });

  it('findings are anchored on real lines of the after file', () => {
    const r = review('03-asm-samples-principal-typo-fix');
    const lines = readFileSync(resolve(HISTORY, '03-asm-samples-principal-typo-fix', 'after.yaml'), 'utf8').split('\n');
    const f = r.findings.find((x) => x.ruleId === 'allow-policy-broadened')!;
    expect(lines[f.line - 1]).toContain('onlineboutique');
    expect(ids(r).length).toBeGreaterThan(0);
  });
});
