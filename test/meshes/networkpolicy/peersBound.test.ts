/**
 * Representative pods (peers.ts) are bounded. A pod's labels matter only to the selectors that
 * look in its namespace, so 400 rules each naming its own namespace and pod labels stay small;
 * a vocabulary that really needs more pods than the bound fails the review closed where the
 * layer changed, and holds nothing back from the mesh's findings where it did not.
 */
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { hostileNetworkPolicy } from '../../../src/bench/hostile.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { MAX_PODS } from '../../../src/meshes/networkpolicy/peers.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { memorySnapshot } from '../../../src/sources/memorySource.js';

/** A Namespace in the mesh, and one Deployment in it serving 8080 under its own service account. */
const workload = (ns: string, app: string) =>
  [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, namespace: ns },
      spec: {
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app } },
          spec: { serviceAccountName: app, containers: [{ name: app, image: `registry.example.com/${app}:1`, ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  ]
    .map((d) => stringify(d))
    .join('---\n');
const WORKLOADS = `${workload('shop', 'payments')}---\n${workload('batch', 'report')}`;

const allow = (principal: string) =>
  stringify({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'payments', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'payments' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [principal] } }] }] },
  });

// The policies are the bench's hostile ones (src/bench/hostile.ts): 400 rules each of its own
// namespace and pod labels; one rule over every namespace naming more pod label values than the bound.
const OWN = hostileNetworkPolicy(400, 'own');
const huge = (edited = false) => hostileNetworkPolicy(MAX_PODS + 10, 'one', edited);

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig() });
const said = (r: ReturnType<typeof review>) => r.findings.map((f) => `${f.ruleId} ${f.file}`).sort();

describe('representative pods stay bounded', () => {
  it('400 rules, each with its own namespace and pod labels: the mesh widening is judged against all of them (batch is held out)', () => {
    const np = OWN;
    const r = review(
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/web/sa/frontend') },
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/batch/sa/report') },
    );
    expect(said(r)).toEqual(['access-narrowed authz.yaml', 'weakening-held authz.yaml']);
  });

  it('a vocabulary beyond the bound, unchanged: the layer holds nothing back, so the mesh widening is a finding', () => {
    const np = huge();
    const r = review(
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/web/sa/frontend') },
      { 'w.yaml': WORKLOADS, 'np.yaml': np, 'authz.yaml': allow('cluster.local/ns/batch/sa/report') },
    );
    expect(said(r)).toEqual(['access-narrowed authz.yaml', 'allow-policy-broadened authz.yaml']);
  });

  it('a vocabulary beyond the bound, changed: the review fails closed on the policy, saying why', () => {
    const authz = allow('cluster.local/ns/web/sa/frontend');
    const r = review({ 'w.yaml': WORKLOADS, 'np.yaml': huge(), 'authz.yaml': authz }, { 'w.yaml': WORKLOADS, 'np.yaml': huge(true), 'authz.yaml': authz });
    const incomplete = r.findings.filter((f) => f.ruleId === 'analysis-incomplete');
    expect(new Set(incomplete.map((f) => f.file))).toEqual(new Set(['np.yaml']));
    expect(incomplete.map((f) => f.message).join('\n')).toContain(`more than ${MAX_PODS} kinds of pod`);
    expect(incomplete.map((f) => f.message).join('\n')).toContain('pairs of pods');
    expect(r.findings.filter((f) => f.mesh === 'networkpolicy' && f.ruleId !== 'analysis-incomplete')).toEqual([]);
  });

  // The bounds are config (`limits`, read from the base branch): a repository that needs more raises them.
  const limited = (before: Record<string, string>, after: Record<string, string>, limits: Partial<ReturnType<typeof defaultConfig>['limits']>) => {
    const config = defaultConfig();
    Object.assign(config.limits, limits);
    return reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config });
  };

  it('limits.maxRepresentativePods: the 400-rule policy changed under a bound of 50 fails closed naming the key; under the default it is analysed', () => {
    const authz = allow('cluster.local/ns/web/sa/frontend');
    const before = { 'w.yaml': WORKLOADS, 'np.yaml': OWN, 'authz.yaml': authz };
    const after = { 'w.yaml': WORKLOADS, 'np.yaml': OWN.replace('{team: t0}', '{team: t0-edited}'), 'authz.yaml': authz };
    expect(after['np.yaml']).not.toBe(OWN);
    const low = limited(before, after, { maxRepresentativePods: 50 });
    const incomplete = low.findings.filter((f) => f.ruleId === 'analysis-incomplete');
    expect(incomplete.map((f) => f.file)).toEqual(['np.yaml']);
    expect(incomplete[0]!.message).toContain('more than 50 kinds of pod apart (limits.maxRepresentativePods');
    expect(limited(before, after, {}).findings.filter((f) => f.ruleId === 'analysis-incomplete')).toEqual([]);
  });

  it('limits.maxConnectionPairs: a change reaching more pairs than the bound is not analysed, and says so', () => {
    const np = (from: string) =>
      stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'payments', namespace: 'shop' },
        spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': from } } }] }] },
      });
    const before = { 'w.yaml': WORKLOADS, 'np.yaml': np('web') };
    const after = { 'w.yaml': WORKLOADS, 'np.yaml': np('batch') };
    const low = limited(before, after, { maxConnectionPairs: 2 });
    expect(low.findings.map((f) => f.ruleId)).toEqual(['analysis-incomplete']);
    expect(low.findings[0]!.message).toContain('(limits.maxConnectionPairs)');
    const full = limited(before, after, {});
    expect(full.findings.map((f) => f.ruleId)).toContain('network-ingress-broadened');
  });
});
