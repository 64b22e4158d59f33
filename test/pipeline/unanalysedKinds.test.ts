import { describe, expect, it } from 'vitest';
import { Config, defaultConfig } from '../../src/config/schema.js';
import { planCheckRun } from '../../src/github/publish/checkRunPlan.js';
import { renderText } from '../../src/report/text.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

// Cilium network policies are not analysed yet.
const cnp = (cidr: string) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: web-egress
spec:
  endpointSelector: {}
  egress:
    - toCIDR:
        - ${cidr}
`;

// Admin network policies (mesh-semantics.md 5.2) are analysed in the versions the API has them.
const anp = (cidr: string, apiVersion = 'policy.networking.k8s.io/v1alpha1') => `apiVersion: ${apiVersion}
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
    - name: rest
      action: Deny
      to:
        - networks: [0.0.0.0/0]
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
    [
      'a changed CiliumNetworkPolicy is said, on its line',
      { 'cnp.yaml': cnp('10.0.0.0/8') },
      { 'cnp.yaml': cnp('0.0.0.0/0') },
      ['cnp.yaml:1 CiliumNetworkPolicy default/web-egress changed'],
    ],
    ['an added one too', {}, { 'cnp.yaml': cnp('0.0.0.0/0') }, ['cnp.yaml:1 CiliumNetworkPolicy default/web-egress added']],
    ['a deleted one, at its base line', { 'cnp.yaml': cnp('10.0.0.0/8') }, {}, ['cnp.yaml:1 CiliumNetworkPolicy default/web-egress deleted']],
    ['an unchanged one is not', { 'cnp.yaml': cnp('10.0.0.0/8') }, { 'cnp.yaml': cnp('10.0.0.0/8') }, []],
  ])('%s', (_name, before, after, expected) => {
    const r = review(before, after);
    expect(r.unanalysed.map((o) => `${o.file}:${o.line} ${o.kind} ${o.namespace}/${o.name} ${o.change}`)).toEqual(expected);
    for (const o of r.unanalysed) expect(o.what).toBe('Cilium network policies');
    // Read, only not evaluated: not an error ("could not be read"), not a finding, and no failure.
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.summary.failed).toBe(false);
  });

  it('a PR that changes only such objects gets a neutral check that says so, and lists them', () => {
    const r = review({ 'cnp.yaml': cnp('10.0.0.0/8') }, { 'cnp.yaml': cnp('0.0.0.0/0') });
    const plan = planCheckRun(r);
    expect(plan.conclusion).toBe('neutral');
    expect(plan.title).toBe('1 changed object of kinds not analysed: review them by hand');
    expect(plan.title).not.toMatch(/could not be read/);
    expect(plan.summary).toContain('`cnp.yaml:1`: CiliumNetworkPolicy default/web-egress changed: mesh-review does not analyse Cilium network policies yet');
    expect(planCheckRun(r, 'high', { onUnanalysed: 'failure' }).conclusion).toBe('failure');
    expect(planCheckRun(r, 'high', { onUnanalysed: 'success' }).conclusion).toBe('success');
  });

  it('github.onUnanalysed is neutral by default and takes only the three conclusions', () => {
    expect(defaultConfig().github.onUnanalysed).toBe('neutral');
    expect(Config.safeParse({ github: { onUnanalysed: 'failure' } }).success).toBe(true);
    expect(Config.safeParse({ github: { onUnanalysed: 'skipped' } }).success).toBe(false);
  });

  it('the text report lists them apart from errors, and they do not change the exit code', async () => {
    const r = review({ 'cnp.yaml': cnp('10.0.0.0/8') }, { 'cnp.yaml': cnp('0.0.0.0/0') });
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

  it('a changed AdminNetworkPolicy (v1alpha1) is analysed: no notice, a finding on the widened network', () => {
    const r = review({ 'anp.yaml': anp('10.0.0.0/8') }, { 'anp.yaml': anp('8.0.0.0/6') });
    expect(r.unanalysed).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual(['network-egress-broadened anp.yaml:13']);
  });

  it('an AuthorizationPolicy bound to a waypoint (targetRefs) is listed apart, edited or added; one with a selector is analysed', () => {
    const waypoint = (ns: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments-waypoint
  namespace: shop
spec:
  targetRefs:
    - kind: Service
      group: ""
      name: payments
  action: ALLOW
  rules:
    - from:
        - source:
            namespaces: [${ns}]
`;
    const edited = review({ 'ap.yaml': waypoint('web') }, { 'ap.yaml': waypoint('web, batch') });
    expect(edited.unanalysed.map((o) => `${o.kind} ${o.namespace}/${o.name} ${o.change} ${o.what}`)).toEqual([
      'AuthorizationPolicy shop/payments-waypoint changed Istio authorization bound to waypoints or gateways (targetRef, targetRefs)',
    ]);
    expect(review({}, { 'ap.yaml': waypoint('web') }).unanalysed.map((o) => o.change)).toEqual(['added']);
    const selected = (ns: string) => waypoint(ns).replace(/targetRefs:\n(.*\n){3}/, 'selector:\n    matchLabels:\n      app: payments\n');
    expect(review({ 'ap.yaml': selected('web') }, { 'ap.yaml': selected('web, batch') }).unanalysed).toEqual([]);
  });

  it('a version of the group mesh-review does not know is still listed apart', () => {
    const r = review({}, { 'anp.yaml': anp('10.0.0.0/8', 'policy.networking.k8s.io/v1beta1') });
    expect(r.unanalysed.map((o) => `${o.kind} ${o.change} ${o.what}`)).toEqual(['AdminNetworkPolicy added Kubernetes admin network policies']);
    expect(r.findings).toEqual([]);
  });
});
