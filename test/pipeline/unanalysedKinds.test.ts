import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

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
    ['a changed NetworkPolicy is said, on its line', { 'np.yaml': netpol('10.0.0.0/8') }, { 'np.yaml': netpol('0.0.0.0/0') }, ['np.yaml:1 NetworkPolicy shop/web-egress changed']],
    ['an added one too', {}, { 'np.yaml': netpol('0.0.0.0/0') }, ['np.yaml:1 NetworkPolicy shop/web-egress added']],
    ['a deleted one, at its base line', { 'np.yaml': netpol('10.0.0.0/8') }, {}, ['np.yaml:1 NetworkPolicy shop/web-egress deleted']],
    ['an unchanged one is not', { 'np.yaml': netpol('10.0.0.0/8') }, { 'np.yaml': netpol('10.0.0.0/8') }, []],
  ])('%s', (_name, before, after, expected) => {
    const r = review(before, after);
    expect(r.errors.map((e) => `${e.file}:${e.line} ${e.message.split(/ \(|:/)[0]}`)).toEqual(expected);
    for (const e of r.errors) expect(e.message).toContain('mesh-review does not analyse Kubernetes NetworkPolicy yet; review this change by hand');
    expect(r.findings).toEqual([]);
  });
});
