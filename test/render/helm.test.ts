import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { renderSides } from '../../src/render/renderSides.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const chart = (policyAction: string) => ({
  'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
  'chart/values.yaml': `action: ${policyAction}\nns: shop\n`,
  'chart/templates/_helpers.tpl': '{{- define "shop.name" -}}api{{- end -}}\n',
  'chart/templates/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.name" . }}
  namespace: {{ .Values.ns }}
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: c
          image: x
          ports: [{containerPort: 8080}]
`,
  'chart/templates/policy.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: guard
  namespace: {{ .Values.ns }}
spec:
  action: {{ .Values.action }}
  rules:
    - from:
        - source:
            notNamespaces: [shop]
`,
});

async function review(before: Record<string, string>, after: Record<string, string>, config: Config = defaultConfig()) {
  const base = memorySnapshot('base', before);
  const head = memorySnapshot('head', after);
  const cache = new ParseCache();
  const rendered = await renderSides(base, head, config, cache);
  return { ...reviewSnapshots({ base, head, config, cache, rendered }), rendered };
}

describe('Helm charts rendered by the real helm template', () => {
  it('renders templates with default values, objects land on their template files, templates are no errors', async () => {
    const r = await review(chart('DENY'), chart('DENY'));
    expect(r.errors).toEqual([]);
    const ap = r.rendered.head.resources.find((x) => x.kind === 'AuthorizationPolicy')!;
    expect(ap.file).toBe('chart/templates/policy.yaml');
    expect(ap.namespace).toBe('shop');
    expect(r.rendered.head.resources.find((x) => x.kind === 'Deployment')!.name).toBe('api');
  });

  it('a values change that turns a DENY into an ALLOW is found, on a chart file', async () => {
    const r = await review(chart('DENY'), chart('ALLOW'));
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings.every((f) => f.file.startsWith('chart/'))).toBe(true);
  });

  it('multiple values files and set, as configured; one chart rendered per environment', async () => {
    const files = { ...chart('DENY'), 'envs/prod.yaml': 'ns: prod\n', 'envs/dev.yaml': 'ns: dev\n' };
    const config = defaultConfig();
    config.helm.charts = [
      { path: 'chart', releaseName: 'p', valuesFiles: ['envs/prod.yaml'], set: { action: 'AUDIT' } },
      { path: 'chart', releaseName: 'd', valuesFiles: ['envs/dev.yaml'], set: {} },
    ];
    const r = await review(files, files, config);
    const aps = r.rendered.head.resources.filter((x) => x.kind === 'AuthorizationPolicy');
    expect(aps.map((a) => `${a.namespace}:${(a.body.spec as { action: string }).action}`).sort()).toEqual(['dev:DENY', 'prod:AUDIT']);
  });

  it('a subchart is rendered by its parent, not on its own', async () => {
    const files = {
      ...chart('DENY'),
      'chart/charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
      'chart/charts/sub/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub-cm\n',
    };
    const r = await review(files, files);
    const cms = r.rendered.head.resources.filter((x) => x.kind === 'ConfigMap');
    expect(cms.map((c) => c.file)).toEqual(['chart/charts/sub/templates/cm.yaml']);
  });

  it('a template error is a render error on the template line and an analysis-incomplete finding', async () => {
    const after = { ...chart('DENY'), 'chart/templates/policy.yaml': 'kind: X\nname: {{ .Values.missing.deeper }}\n' };
    const r = await review(chart('DENY'), after);
    const e = r.errors.find((x) => /helm:chart failed to render/.test(x.message))!;
    expect(e.file).toBe('chart/templates/policy.yaml');
    expect(e.line).toBe(2);
    expect(r.findings.some((f) => f.ruleId === 'analysis-incomplete')).toBe(true);
    expect(r.findings.some((f) => /deleted|removed/i.test(f.title))).toBe(false);
  });
});
