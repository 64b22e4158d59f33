/**
 * Properties of the NetworkPolicy review over random policies (fast-check): rewrites that keep the
 * allowed connections (split a policy into one per rule, merge them back, reorder rules and peers)
 * are silent, and adding a rule never narrows while removing one never broadens.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defaultConfig } from '../../../src/config/schema.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { memorySnapshot } from '../../../src/sources/memorySource.js';

const CONTEXT = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { team: 'x' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b', labels: { team: 'y' } } },
  ...[
    ['a', 'web', { app: 'web' }],
    ['a', 'db', { app: 'db', tier: 'data' }],
    ['b', 'job', { app: 'job' }],
  ].map(([ns, name, labels]) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080, name: 'http' }] }] } } },
  })),
];

const labels = fc.constantFrom<Record<string, string>>({}, { app: 'web' }, { app: 'db' }, { tier: 'data' }, { app: 'job' });
const selector = fc.oneof(
  labels.map((matchLabels) => ({ matchLabels })),
  fc.constantFrom({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }),
);
const peer = fc.oneof(
  selector.map((podSelector) => ({ podSelector })),
  fc.record({ namespaceSelector: fc.constantFrom({}, { matchLabels: { team: 'x' } }, { matchLabels: { team: 'y' } }) }),
  fc.record({ namespaceSelector: fc.constantFrom({ matchLabels: { team: 'y' } }), podSelector: selector }),
  fc.constantFrom({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { ipBlock: { cidr: '0.0.0.0/0' } }),
);
const port = fc.constantFrom({ port: 8080 }, { port: 'http' }, { port: 53, protocol: 'UDP' }, { port: 8000, endPort: 8100 }, { protocol: 'SCTP' });
const rule = fc.record({
  peers: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.option(fc.array(port, { minLength: 1, maxLength: 2 }), { nil: undefined }),
});
const policy = fc.record({
  ns: fc.constantFrom('a', 'b'),
  podSelector: selector,
  ingress: fc.array(rule, { maxLength: 3 }),
  egress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
});
type Policy = typeof policy extends fc.Arbitrary<infer T> ? T : never;
type RuleT = Policy['ingress'][number];

const toRule = (r: RuleT, key: 'from' | 'to') => ({ ...(r.peers ? { [key]: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) });
const manifest = (p: Policy, name: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: p.ns },
  spec: {
    podSelector: p.podSelector,
    policyTypes: p.egress ? ['Ingress', 'Egress'] : ['Ingress'],
    ingress: p.ingress.map((r) => toRule(r, 'from')),
    ...(p.egress ? { egress: p.egress.map((r) => toRule(r, 'to')) } : {}),
  },
});
const text = (docs: unknown[]) => [...CONTEXT, ...docs].map((d) => stringify(d)).join('---\n');
const review = (before: unknown[], after: unknown[]) =>
  reviewSnapshots({
    base: memorySnapshot('base', { 'all.yaml': text(before) }),
    head: memorySnapshot('head', { 'all.yaml': text(after) }),
    config: defaultConfig(),
  }).findings.filter((f) => f.mesh === 'networkpolicy');

/** One policy per rule (the same pods, the same policyTypes): the union is unchanged. */
const split = (p: Policy, i: number) => [
  manifest({ ...p, ingress: [], egress: p.egress ? [] : undefined }, `p${i}-isolate`),
  ...p.ingress.map((r, j) => manifest({ ...p, ingress: [r], egress: p.egress ? [] : undefined }, `p${i}-in${j}`)),
  ...(p.egress ?? []).map((r, j) => manifest({ ...p, ingress: [], egress: [r] }, `p${i}-out${j}`)),
];
const reorder = (p: Policy): Policy => ({
  ...p,
  ingress: [...p.ingress].reverse().map((r) => ({ ...r, peers: r.peers && [...r.peers].reverse() })),
  egress: p.egress && [...p.egress].reverse(),
});

describe('NetworkPolicy review properties', () => {
  it('splitting policies into one per rule, and reordering rules and peers, is silent', () => {
    fc.assert(
      fc.property(fc.array(policy, { minLength: 1, maxLength: 2 }), (ps) => {
        const before = ps.map((p, i) => manifest(p, `p${i}`));
        expect(review(before, ps.flatMap(split))).toEqual([]);
        expect(
          review(
            before,
            ps.map((p, i) => manifest(reorder(p), `p${i}`)),
          ),
        ).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('adding a rule never narrows; removing it never broadens', () => {
    let widened = 0;
    fc.assert(
      fc.property(policy, rule, (p, extra) => {
        const small = [manifest(p, 'p')];
        const big = [manifest({ ...p, ingress: [...p.ingress, extra] }, 'p')];
        const grown = review(small, big);
        if (grown.some((f) => f.category === 'access-broadened')) widened++;
        expect(grown.filter((f) => f.category === 'access-narrowed')).toEqual([]);
        expect(review(big, small).filter((f) => f.category === 'access-broadened' || f.category === 'egress-broadened')).toEqual([]);
      }),
      { numRuns: 25 },
    );
    // The property is not vacuous: the added rules do widen access in some runs.
    expect(widened).toBeGreaterThan(0);
  });
});
