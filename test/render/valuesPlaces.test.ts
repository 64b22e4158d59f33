/**
 * Provenance through a Helm chart (issue #13 item 3), rendered by the real helm: a field of an
 * object whose template the PR left alone is found on the changed values line its template reads;
 * one whose template changed, on the template's line that names the field.
 */
import { describe, expect, it } from 'vitest';
import { reviewRendered } from './reviewRendered.js';
import { defaultConfig } from '../../src/config/schema.js';

const chart = 'apiVersion: v2\nname: shop\nversion: 0.1.0\n';
const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n';
const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  namespace: shop
spec:
  selector:
    matchLabels: {app: payments}
  template:
    metadata:
      labels: {app: payments}
    spec:
      containers:
        - name: app
          image: {{ .Values.image }}
          ports: [{containerPort: 8080}]
`;
const policy = (field: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments
  namespace: shop
spec:
  selector:
    matchLabels: {app: payments}
  rules:
    - from:
        - source:
            ${field}: {{ toJson .Values.callers }}
`;
const values = (callers: string) => `image: x\n# who may call payments\ncallers:\n  - ${callers}\n`;
const tree = (v: string, field = 'namespaces') => ({
  'mesh/namespace.yaml': namespace,
  'shop/Chart.yaml': chart,
  'shop/values.yaml': v,
  'shop/templates/deploy.yaml': deploy,
  'shop/templates/policy.yaml': policy(field),
});

const review = reviewRendered;

describe('a chart field found where the PR changed it', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    ['a values line the template reads', tree(values('checkout')), tree(values('"*"')), ['shop/values.yaml:4']],
    ['the template itself', tree(values('checkout'), 'principals'), tree(values('checkout'), 'namespaces'), ['shop/templates/policy.yaml:12']],
  ])('%s', async (_name, before, after, expected) => {
    const r = await review(before, after);
    expect(r.errors).toEqual([]);
    expect(r.findings.filter((f) => f.ruleId === 'allow-policy-broadened').map((f) => `${f.file}:${f.line}`)).toEqual(expected);
  });
});

describe('a values file the configuration gives a release', () => {
  it('a changed line of it that the template reads is where the finding lands', async () => {
    const config = defaultConfig();
    config.helm.charts = [{ path: 'shop', releaseName: 'shop', valuesFiles: ['env/prod.yaml'], set: {} }];
    config.helm.discover = false;
    const before = { ...tree(values('checkout')), 'env/prod.yaml': 'callers:\n  - checkout\n' };
    const after = { ...tree(values('checkout')), 'env/prod.yaml': 'callers:\n  - "*"\n' };
    const r = await reviewRendered(before, after, config);
    expect(r.errors).toEqual([]);
    expect(r.findings.filter((f) => f.ruleId === 'allow-policy-broadened').map((f) => `${f.file}:${f.line}`)).toEqual(['env/prod.yaml:2']);
  });
});
