import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
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
    expect(r.errors.map((e) => `${e.file}:${e.line} ${e.message.split(/ \(|:/)[0]}`)).toEqual(expected);
    for (const e of r.errors) expect(e.message).toContain('mesh-review does not analyse Kubernetes admin network policies yet; review this change by hand');
    expect(r.findings).toEqual([]);
  });

  it('a changed NetworkPolicy is analysed: no notice, a finding on the widened cidr', () => {
    const r = review({ 'np.yaml': netpol('10.0.0.0/8') }, { 'np.yaml': netpol('0.0.0.0/0') });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.workload} ${f.file}:${f.line}`)).toEqual(['network-egress-broadened shop/* np.yaml:12']);
  });
});
