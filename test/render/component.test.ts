/**
 * A kustomize Component that no kustomization of the repository lists (history pair 36): a
 * target of its own, rendered through a wrapper kustomization by the real kubectl kustomize
 * with the root-only load restrictor, its findings naming the Component as their target.
 */
import { describe, expect, it } from 'vitest';
import { reviewRendered } from './reviewRendered.js';

const COMPONENT = 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n';
const policy = (rules: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: gateway-deny
  namespace: istio-system
spec:
  selector:
    matchLabels: {app: istio-ingressgateway}
  action: DENY
  rules:
${rules}`;
const DENY_ADMIN = policy('    - to:\n        - operation:\n            paths: ["/admin*"]\n');
const DENY_ADMIN_GET = policy('    - to:\n        - operation:\n            paths: ["/admin*"]\n            methods: [GET]\n'); // POST /admin now passes; `methods` is line 14
const FOREIGN_CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: "{}"\n';
const OWN_PATCH =
  'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: gateway-deny\n  namespace: istio-system\nspec:\n  action: AUDIT\n';

const review = reviewRendered;

interface Row {
  name: string;
  /** The component folder ('' for the repository root) and its kustomization's fields after `kind: Component`. */
  dir: string;
  fields: string;
  extra?: Record<string, string>;
  /** The target its objects carry, or 'failed' when it fails closed. */
  expect: 'rendered' | 'failed';
}

const rows: Row[] = [
  { name: 'in a folder of its own', dir: 'components/gw', fields: 'resources: [policy.yaml]\n', expect: 'rendered' },
  { name: 'at the repository root', dir: '', fields: 'resources: [policy.yaml]\n', expect: 'rendered' },
  {
    name: 'a strategic-merge patch for an object it does not declare: left out',
    dir: 'components/gw',
    fields: 'resources: [policy.yaml]\npatches:\n  - path: patches/cm.yaml\n',
    extra: { 'patches/cm.yaml': FOREIGN_CM },
    expect: 'rendered',
  },
  {
    name: 'an inline patchesStrategicMerge for an object it does not declare: left out',
    dir: 'components/gw',
    fields: `resources: [policy.yaml]\npatchesStrategicMerge:\n  - |-\n${FOREIGN_CM.replace(/^/gm, '    ')}\n`,
    expect: 'rendered',
  },
  {
    name: 'a patch with a target selector that matches nothing: kept, no error',
    dir: 'components/gw',
    fields:
      'resources: [policy.yaml]\npatches:\n  - target: {kind: Deployment, name: istiod}\n    patch: |-\n      - op: add\n        path: /metadata/labels/x\n        value: y\n',
    expect: 'rendered',
  },
  {
    name: 'a patch for its own object beside one for a foreign object: fails closed',
    dir: 'components/gw',
    fields: 'resources: [policy.yaml]\npatches:\n  - path: patches/cm.yaml\n  - path: patches/own.yaml\n',
    extra: { 'patches/cm.yaml': FOREIGN_CM, 'patches/own.yaml': OWN_PATCH },
    expect: 'failed',
  },
];

const files = (row: Row, policyText: string): Record<string, string> => {
  const at = (p: string) => (row.dir ? `${row.dir}/${p}` : p);
  const out: Record<string, string> = { [at('kustomization.yaml')]: COMPONENT + row.fields, [at('policy.yaml')]: policyText };
  for (const [p, text] of Object.entries(row.extra ?? {})) out[at(p)] = text;
  return out;
};

describe('a kustomize Component no kustomization lists', () => {
  it.each(rows)('$name', async (row) => {
    const r = await review(files(row, DENY_ADMIN), files(row, DENY_ADMIN_GET));
    const target = `kustomize-component:${row.dir || '.'}`;
    const policyFile = row.dir ? `${row.dir}/policy.yaml` : 'policy.yaml';
    if (row.expect === 'failed') {
      expect(r.rendered.head.failed.has(target)).toBe(true);
      expect(
        r.errors.some(
          (e) => e.message.startsWith(`${target} failed to render`) && /patch .*own\.yaml for its own AuthorizationPolicy gateway-deny/.test(e.message),
        ),
      ).toBe(true);
      return;
    }
    expect(r.errors).toEqual([]);
    const objects = r.rendered.head.resources.filter((x) => x.target === target);
    expect(objects.map((x) => `${x.kind}/${x.name}@${x.file}:${x.line}`)).toEqual([`AuthorizationPolicy/gateway-deny@${policyFile}:1`]);
    // The DENY no longer covers POST /admin: found on the Component's line, naming it as the target.
    const finding = r.findings.find((f) => f.ruleId === 'deny-policy-weakened');
    expect(finding).toMatchObject({ file: policyFile, line: 14, side: 'after', targets: [target] });
    expect(finding?.notes?.some((n) => n.includes(`Component ${row.dir || '.'}, which no kustomization of this repository lists`))).toBe(true);
  });

  it('a Component of nothing but patches for objects it does not declare puts no object into a cluster, and is no error', async () => {
    // microservices-demo's kustomize/components (alloydb, non-public-frontend, ...): rendered alone,
    // every patch is foreign; left without them kustomize calls the Component "empty".
    const tree = {
      'components/private/kustomization.yaml': `${COMPONENT}patchesStrategicMerge:\n  - |-\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: frontend-external\n    $patch: delete\n`,
    };
    const r = await review(tree, tree);
    expect(r.errors).toEqual([]);
    expect(r.rendered.head.failed.size).toBe(0);
    expect(r.rendered.head.resources).toEqual([]);
  });

  it('a Component an overlay lists is rendered through it only', async () => {
    const tree = {
      'components/gw/kustomization.yaml': `${COMPONENT}resources: [policy.yaml]\n`,
      'components/gw/policy.yaml': DENY_ADMIN,
      'overlay/kustomization.yaml': 'components: [../components/gw]\n',
    };
    const r = await review(tree, tree);
    expect(r.errors).toEqual([]);
    expect(r.rendered.head.resources.map((x) => x.target)).toEqual(['kustomize:overlay']);
  });
});
