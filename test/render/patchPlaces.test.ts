/**
 * Provenance through kustomize patches (issue #13 item 3): a field a patch set is found on the
 * patch's line, in a file the repository holds; a field kustomize left alone stays on the line of
 * the object's own file. Rendered by the real kubectl kustomize.
 */
import { describe, expect, it } from 'vitest';
import { reviewRendered } from './reviewRendered.js';

const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n';
const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
spec:
  selector:
    matchLabels: {app: payments}
  template:
    metadata:
      labels: {app: payments}
    spec:
      containers:
        - name: app
          image: x
          ports: [{containerPort: 8080}]
`;
const policy = (ns: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments
spec:
  selector:
    matchLabels: {app: payments}
  rules:
    - from:
        - source:
            namespaces: [${ns}]
`;
const base = {
  'base/kustomization.yaml': 'resources: [namespace.yaml, deploy.yaml, policy.yaml]\n',
  'base/namespace.yaml': namespace,
  'base/deploy.yaml': deploy,
  'base/policy.yaml': policy('checkout'),
};
/** A strategic-merge patch that sets the rule's namespaces; line 10 holds them. */
const smp = (ns: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments
spec:
  rules:
    - from:
        - source:
            namespaces:
              - ${ns}
`;
/** A JSON 6902 patch replacing the namespaces; line 3 holds the value. */
const ops = (ns: string) => `- op: replace
  path: /spec/rules/0/from/0/source/namespaces
  value: ["${ns}"]
`;

const review = reviewRendered;

const broadened = (r: Awaited<ReturnType<typeof review>>) => r.findings.filter((f) => f.ruleId === 'allow-policy-broadened').map((f) => `${f.file}:${f.line}`);

describe('a field a patch set is found on the patch line', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    [
      'a strategic-merge patch file widened to "*"',
      { ...base, 'prod/kustomization.yaml': 'namespace: shop\nresources: [../base]\npatches:\n  - path: allow.yaml\n', 'prod/allow.yaml': smp('checkout') },
      { ...base, 'prod/kustomization.yaml': 'namespace: shop\nresources: [../base]\npatches:\n  - path: allow.yaml\n', 'prod/allow.yaml': smp('"*"') },
      ['prod/allow.yaml:10'],
    ],
    [
      'a JSON 6902 patch file widened to "*"',
      {
        ...base,
        'prod/kustomization.yaml':
          'namespace: shop\nresources: [../base]\npatches:\n  - path: ops.yaml\n    target: {kind: AuthorizationPolicy, name: payments}\n',
        'prod/ops.yaml': ops('checkout'),
      },
      {
        ...base,
        'prod/kustomization.yaml':
          'namespace: shop\nresources: [../base]\npatches:\n  - path: ops.yaml\n    target: {kind: AuthorizationPolicy, name: payments}\n',
        'prod/ops.yaml': ops('*'),
      },
      ['prod/ops.yaml:3'],
    ],
    [
      'an inline strategic-merge patch in the kustomization',
      { ...base, 'prod/kustomization.yaml': `namespace: shop\nresources: [../base]\npatches:\n  - patch: |-\n${smp('checkout').replace(/^/gm, '      ')}\n` },
      { ...base, 'prod/kustomization.yaml': `namespace: shop\nresources: [../base]\npatches:\n  - patch: |-\n${smp('"*"').replace(/^/gm, '      ')}\n` },
      ['prod/kustomization.yaml:14'],
    ],
    [
      'the base widened, the overlay patching another field: the base line',
      {
        ...base,
        'prod/kustomization.yaml': 'namespace: shop\nresources: [../base]\npatches:\n  - path: label.yaml\n',
        'prod/label.yaml': 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: payments\n  labels: {team: pay}\n',
      },
      {
        ...base,
        'base/policy.yaml': policy('"*"'),
        'prod/kustomization.yaml': 'namespace: shop\nresources: [../base]\npatches:\n  - path: label.yaml\n',
        'prod/label.yaml': 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: payments\n  labels: {team: pay}\n',
      },
      ['base/policy.yaml:11'],
    ],
  ])('%s', async (_name, before, after, expected) => {
    const r = await review(before, after);
    expect(r.errors).toEqual([]);
    expect(broadened(r)).toEqual(expected);
  });
});

describe('a base used by several overlays', () => {
  it('one weakening in the base is one finding, on the base line, naming every overlay it holds in', async () => {
    const overlays = (files: Record<string, string>) => ({
      ...files,
      'overlays/dev/kustomization.yaml': 'namespace: shop\nresources: [../../base]\n',
      'overlays/staging/kustomization.yaml': 'namespace: shop\nresources: [../../base]\n',
      'overlays/prod/kustomization.yaml': 'namespace: shop\nresources: [../../base]\n',
    });
    const r = await review(overlays(base), overlays({ ...base, 'base/policy.yaml': policy('"*"') }));
    expect(r.errors).toEqual([]);
    const found = r.findings.filter((f) => f.ruleId === 'allow-policy-broadened');
    expect(found.map((f) => `${f.file}:${f.line}`)).toEqual(['base/policy.yaml:11']);
    expect(found[0]!.targets).toEqual(['kustomize:overlays/dev', 'kustomize:overlays/prod', 'kustomize:overlays/staging']);
  });
});
