/**
 * Representative pods (peers.ts) are bounded. A pod's labels matter only to the selectors that
 * look in its namespace, so 400 rules each naming its own namespace and pod labels stay small;
 * a vocabulary that really needs more pods than the bound fails the review closed where the
 * layer changed, and holds nothing back from the mesh's findings where it did not.
 */
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { MAX_PODS } from '../../../src/meshes/networkpolicy/peers.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { memorySnapshot } from '../../../src/sources/memorySource.js';

const WORKLOADS = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: batch, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: shop}
spec:
  selector: {matchLabels: {app: payments}}
  template:
    metadata: {labels: {app: payments}}
    spec:
      serviceAccountName: payments
      containers: [{name: p, image: registry.example.com/p:1, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: report, namespace: batch}
spec:
  selector: {matchLabels: {app: report}}
  template:
    metadata: {labels: {app: report}}
    spec:
      serviceAccountName: report
      containers: [{name: r, image: registry.example.com/r:1, ports: [{containerPort: 8080}]}]
`;

const allow = (principal: string) =>
  stringify({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'payments', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'payments' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [principal] } }] }] },
  });

const netpol = (rules: unknown[]) =>
  stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'payments-ingress', namespace: 'shop' },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: rules },
  });

/** Rule i admits pods of namespaces labelled team=t<i> whose app is not one of two values of its own. */
const ownVocabulary = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    from: [
      {
        namespaceSelector: { matchLabels: { team: `t${i}` } },
        podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [`a${i}`, `b${i}`] }] },
      },
    ],
    ports: [{ protocol: 'TCP', port: 8000 + i, endPort: 8000 + i + 5 }],
  }));

/** One rule looking in every namespace, naming more pod label values than the bound. */
const hugeVocabulary = (extra: string[] = []) => [
  {
    from: [
      {
        namespaceSelector: {},
        podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [...Array.from({ length: MAX_PODS + 10 }, (_, i) => `v${i}`), ...extra] }] },
      },
    ],
  },
];

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig() });
const said = (r: ReturnType<typeof review>) => r.findings.map((f) => `${f.ruleId} ${f.file}`).sort();

describe('representative pods stay bounded', () => {
  it('400 rules, each with its own namespace and pod labels: the mesh widening is judged against all of them (batch is held out)', () => {
    const np = netpol(ownVocabulary(400));
    const r = review(
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/web/sa/frontend') },
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/batch/sa/report') },
    );
    expect(said(r)).toEqual(['access-narrowed authz.yaml', 'weakening-held authz.yaml']);
  });

  it('a vocabulary beyond the bound, unchanged: the layer holds nothing back, so the mesh widening is a finding', () => {
    const np = netpol(hugeVocabulary());
    const r = review(
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/web/sa/frontend') },
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/batch/sa/report') },
    );
    expect(said(r)).toEqual(['access-narrowed authz.yaml', 'allow-policy-broadened authz.yaml']);
  });

  it('a vocabulary beyond the bound, changed: the review fails closed on the policy, saying why', () => {
    const authz = allow('cluster.local/ns/web/sa/frontend');
    const r = review(
      { 'w.yaml': WORKLOADS, 'np.yaml': netpol(hugeVocabulary()), 'authz.yaml': authz },
      { 'w.yaml': WORKLOADS, 'np.yaml': netpol(hugeVocabulary(['more'])), 'authz.yaml': authz },
    );
    const incomplete = r.findings.filter((f) => f.ruleId === 'analysis-incomplete');
    expect(new Set(incomplete.map((f) => f.file))).toEqual(new Set(['np.yaml']));
    expect(incomplete.map((f) => f.message).join('\n')).toContain(`more than ${MAX_PODS} kinds of pod`);
    expect(incomplete.map((f) => f.message).join('\n')).toContain('pairs of pods');
    expect(r.findings.filter((f) => f.mesh === 'networkpolicy' && f.ruleId !== 'analysis-incomplete')).toEqual([]);
  });
});
