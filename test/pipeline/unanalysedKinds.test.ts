import { describe, expect, it } from 'vitest';
import { Config, defaultConfig } from '../../src/config/schema.js';
import { planCheckRun } from '../../src/github/publish/checkRunPlan.js';
import { renderText } from '../../src/report/text.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

// Admin network policies (mesh-semantics.md 5.2) are not analysed yet.
const anp = (cidr: string) => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: web-egress
spec:
  priority: 10
  subject:
    namespaces: {}
  egress:
    - name: out
      action: Allow
      to:
        - networks: [${cidr}]
`;

const netpol = (cidr: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock:
            cidr: ${cidr}
`;

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig() });

describe('kinds mesh-review does not analyse yet', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    ['a changed AdminNetworkPolicy is said, on its line', { 'anp.yaml': anp('10.0.0.0/8') }, { 'anp.yaml': anp('0.0.0.0/0') }, ['anp.yaml:1 AdminNetworkPolicy default/web-egress changed']],
    ['an added one too', {}, { 'anp.yaml': anp('0.0.0.0/0') }, ['anp.yaml:1 AdminNetworkPolicy default/web-egress added']],
    ['a deleted one, at its base line', { 'anp.yaml': anp('10.0.0.0/8') }, {}, ['anp.yaml:1 AdminNetworkPolicy default/web-egress deleted']],
    ['an unchanged one is not', { 'anp.yaml': anp('10.0.0.0/8') }, { 'anp.yaml': anp('10.0.0.0/8') }, []],
  ])('%s', (_name, before, after, expected) => {
    const r = review(before, after);
    expect(r.unanalysed.map((o) => `${o.file}:${o.line} ${o.kind} ${o.namespace}/${o.name} ${o.change}`)).toEqual(expected);
    for (const o of r.unanalysed) expect(o.what).toBe('Kubernetes admin network policies');
    // Read, only not evaluated: not an error ("could not be read"), not a finding, and no failure.
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.summary.failed).toBe(false);
  });

  it('a PR that changes only such objects gets a neutral check that says so, and lists them', () => {
    const r = review({ 'anp.yaml': anp('10.0.0.0/8') }, { 'anp.yaml': anp('0.0.0.0/0') });
    const plan = planCheckRun(r);
    expect(plan.conclusion).toBe('neutral');
    expect(plan.title).toBe('1 changed object of kinds not analysed: review them by hand');
    expect(plan.title).not.toMatch(/could not be read/);
    expect(plan.summary).toContain('`anp.yaml:1`: AdminNetworkPolicy default/web-egress changed: mesh-review does not analyse Kubernetes admin network policies yet');
    expect(planCheckRun(r, 'high', { onUnanalysed: 'failure' }).conclusion).toBe('failure');
    expect(planCheckRun(r, 'high', { onUnanalysed: 'success' }).conclusion).toBe('success');
  });

  it('github.onUnanalysed is neutral by default and takes only the three conclusions', () => {
    expect(defaultConfig().github.onUnanalysed).toBe('neutral');
    expect(Config.safeParse({ github: { onUnanalysed: 'failure' } }).success).toBe(true);
    expect(Config.safeParse({ github: { onUnanalysed: 'skipped' } }).success).toBe(false);
  });

  it('the text report lists them apart from errors, and they do not change the exit code', async () => {
    const r = review({ 'anp.yaml': anp('10.0.0.0/8') }, { 'anp.yaml': anp('0.0.0.0/0') });
    const text = renderText(r, { color: false });
    expect(text).toContain('NOT ANALYSED (1): review by hand');
    expect(text).not.toContain('ERRORS');
    expect(text).toMatch(/PASSED/);
  });

  it('a changed NetworkPolicy is analysed: no notice, a finding on the widened cidr', () => {
    const r = review({ 'np.yaml': netpol('10.0.0.0/8') }, { 'np.yaml': netpol('0.0.0.0/0') });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.workload} ${f.file}:${f.line}`)).toEqual(['network-egress-broadened shop/* np.yaml:12']);
  });
});
