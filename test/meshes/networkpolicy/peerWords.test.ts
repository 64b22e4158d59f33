import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { memorySnapshot } from '../../../src/sources/memorySource.js';

// A representative pod of a namespace with a name no selector uses is spoken of as such, never by its stand-in name.
const np = (spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: shop}
spec: ${spec}
`;

describe('representative peers in words', () => {
  it('a namespace no policy names reads as such in the example request', () => {
    const r = reviewSnapshots({
      base: memorySnapshot('base', {
        'np.yaml': np('{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}}]}]}'),
      }),
      head: memorySnapshot('head', { 'np.yaml': np('{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}') }),
      config: defaultConfig(),
    });
    const text = JSON.stringify(r.findings);
    expect(r.findings.map((f) => f.ruleId)).toContain('network-ingress-broadened');
    expect(text).not.toContain('any-other-value');
    expect(r.findings.some((f) => f.message.includes('a namespace no policy names') || JSON.stringify(f).includes('a namespace no policy names'))).toBe(true);
  });
});
