import { describe, expect, it } from 'vitest';
import { reviewRendered } from './reviewRendered.js';
import { defaultConfig } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { renderSides } from '../../src/render/renderSides.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const deploy = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: c
          image: x
          ports: [{containerPort: 8080}]
`;
const denyAll = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-all
spec: {}
`;
const allowAll = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-all
spec:
  rules:
    - {}
`;

const review = reviewRendered;

describe('kustomize targets rendered by the real kubectl kustomize', () => {
  it("takes the kustomization's namespace: adding the namespace it already sets is silent", async () => {
    const before = {
      'app/kustomization.yaml': 'namespace: shop\nresources: [deploy.yaml, policy.yaml]\n',
      'app/deploy.yaml': deploy('api'),
      'app/policy.yaml': denyAll,
    };
    const after = { ...before, 'app/policy.yaml': denyAll.replace('name: deny-all', 'name: deny-all\n  namespace: shop') };
    const r = await review(before, after);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    const ap = r.rendered.head.resources.find((x) => x.kind === 'AuthorizationPolicy')!;
    expect(ap.namespace).toBe('shop');
    expect(ap.file).toBe('app/policy.yaml');
  });

  it('a patch that narrows an allow-all in an overlay is no object of its own', async () => {
    const files = {
      'base/kustomization.yaml': 'resources: [deploy.yaml, policy.yaml]\n',
      'base/deploy.yaml': deploy('api'),
      'base/policy.yaml': allowAll,
      'prod/kustomization.yaml': 'namespace: prod\nresources: [../base]\npatches:\n  - path: narrow.yaml\n',
      'prod/narrow.yaml': denyAll.replace('spec: {}', 'spec:\n  action: DENY\n  rules:\n    - {}'),
    };
    const r = await review(files, files);
    expect(r.rendered.head.owned.has('prod/narrow.yaml')).toBe(true);
    expect(r.rendered.head.resources.filter((x) => x.kind === 'AuthorizationPolicy')).toHaveLength(1);
    expect(r.findings).toEqual([]);
  });

  it('finds a weakening in a base, on the base file line, naming the overlay target', async () => {
    const before = {
      'base/kustomization.yaml': 'resources: [deploy.yaml, policy.yaml]\n',
      'base/deploy.yaml': deploy('api'),
      'base/policy.yaml': denyAll.replace('spec: {}', 'spec:\n  action: DENY\n  rules:\n    - from:\n        - source:\n            notNamespaces: [prod]\n'),
      'prod/kustomization.yaml': 'namespace: prod\nresources: [../base]\n',
    };
    const after = { ...before, 'base/policy.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n' };
    const r = await review(before, after);
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings.every((f) => f.file.startsWith('base/'))).toBe(true);
  });

  it('namePrefix and commonLabels as kustomize applies them', async () => {
    const files = {
      'app/kustomization.yaml': 'namePrefix: p-\nnamespace: ns\nlabels:\n  - pairs: {team: a}\n    includeSelectors: true\nresources: [deploy.yaml]\n',
      'app/deploy.yaml': deploy('api'),
    };
    const r = await review(files, files);
    const d = r.rendered.head.resources.find((x) => x.kind === 'Deployment')!;
    expect(d.name).toBe('p-api');
    expect((d.body.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual({ app: 'api', team: 'a' });
    expect(d.file).toBe('app/deploy.yaml');
    expect(d.line).toBe(1);
  });

  it('a file in a kustomization folder that it does not list is not applied', async () => {
    const files = {
      'app/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'app/deploy.yaml': deploy('api'),
      'app/alt.cloudflare.yaml': allowAll,
    };
    const r = await review(files, { ...files, 'app/alt.cloudflare.yaml': allowAll.replace('- {}', '- {}\n    - {}') });
    expect(r.rendered.head.owned.has('app/alt.cloudflare.yaml')).toBe(true);
    expect(r.findings).toEqual([]);
  });

  it('a remote base is a clear error, never fetched; the changed target fails closed', async () => {
    const before = { 'app/kustomization.yaml': 'resources: [deploy.yaml]\n', 'app/deploy.yaml': deploy('api') };
    const after = { ...before, 'app/kustomization.yaml': 'resources: [deploy.yaml, "https://github.com/example/repo//base?ref=v1"]\n' };
    const r = await review(before, after);
    expect(r.errors.some((e) => e.file === 'app/kustomization.yaml' && e.line === 1 && /remote base https:.*no network/.test(e.message))).toBe(true);
    expect(r.findings.some((f) => f.ruleId === 'analysis-incomplete' && f.severity === 'high')).toBe(true);
  });

  it('a render error names the target and file; its objects are unknown, never deleted', async () => {
    const before = {
      'app/kustomization.yaml': 'resources: [deploy.yaml, policy.yaml]\n',
      'app/deploy.yaml': deploy('api'),
      'app/policy.yaml': denyAll.replace('spec: {}', 'spec:\n  action: DENY\n  rules:\n    - {}'),
    };
    const after = { ...before, 'app/kustomization.yaml': 'resources: [deploy.yaml, policy.yaml, missing.yaml]\n' };
    const r = await review(before, after);
    expect(r.errors.some((e) => /kustomize:app failed to render/.test(e.message))).toBe(true);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['analysis-incomplete']);
  });

  it('a target whose inputs did not change is rendered once for both sides', async () => {
    const files = {
      'a/kustomization.yaml': 'resources: [d.yaml]\n',
      'a/d.yaml': deploy('a'),
      'b/kustomization.yaml': 'resources: [d.yaml]\n',
      'b/d.yaml': deploy('b'),
    };
    const config = defaultConfig();
    const out = await renderSides(memorySnapshot('b', files), memorySnapshot('h', { ...files, 'b/d.yaml': deploy('b2') }), config, new ParseCache());
    expect(out.renders).toBe(3);
  });
});
