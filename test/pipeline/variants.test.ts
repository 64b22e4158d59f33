import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

/** An ALLOW policy for app=payments in shop, allowing the given principals. */
const allow = (principals: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments-allow
  namespace: shop
spec:
  selector:
    matchLabels:
      app: payments
  action: ALLOW
  rules:
    - from:
        - source:
            principals: [${principals}]
`;

const workload = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  namespace: shop
spec:
  selector:
    matchLabels:
      app: payments
  template:
    metadata:
      labels:
        app: payments
    spec:
      containers:
        - name: app
          image: payments
          ports:
            - containerPort: 8080
`;

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig() }).findings.filter(
    (f) => f.ruleId === 'allow-policy-broadened',
  );

const narrow = '"cluster.local/ns/shop/sa/checkout"';
const wide = '"cluster.local/ns/shop/sa/checkout", "cluster.local/ns/web/sa/frontend"';

describe('variants: one object defined by several deployments (issue #13 item 2)', () => {
  it('a widening in one variant is found although an unchanged variant of the same object exists, and names its deployment', () => {
    const before = { 'workload.yaml': workload, 'prod/policy.yaml': allow(narrow), 'staging/policy.yaml': allow(narrow) };
    const after = { 'workload.yaml': workload, 'prod/policy.yaml': allow(narrow), 'staging/policy.yaml': allow(wide) };
    const found = review(before, after);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.file).toBe('staging/policy.yaml');
      expect(f.targets).toEqual(['folder:staging']);
      expect(f.message).toContain('Holds in target folder:staging');
    }
  });

  it('the same widening written in the own copy of each variant: one finding per copy, each naming its deployment', () => {
    const before = { 'workload.yaml': workload, 'prod/policy.yaml': allow(narrow), 'staging/policy.yaml': allow(narrow) };
    const after = { 'workload.yaml': workload, 'prod/policy.yaml': allow(wide), 'staging/policy.yaml': allow(wide) };
    const found = review(before, after);
    expect(new Set(found.map((f) => f.file))).toEqual(new Set(['prod/policy.yaml', 'staging/policy.yaml']));
    for (const f of found) expect(f.targets).toEqual([f.file === 'prod/policy.yaml' ? 'folder:prod' : 'folder:staging']);
  });

  it('an object that merely moved from one folder to another is no variant: nothing is reported', () => {
    const before = { 'workload.yaml': workload, 'prod/policy.yaml': allow(narrow) };
    const after = { 'workload.yaml': workload, 'production/policy.yaml': allow(narrow) };
    expect(review(before, after)).toEqual([]);
  });

  it('a widening of the common context holds in every variant: one finding, no target named', () => {
    const before = {
      'workload.yaml': workload,
      'mesh/policy.yaml': allow(narrow),
      'prod/other.yaml': allow(narrow).replace('payments-allow', 'x'),
      'staging/other.yaml': allow(narrow).replace('payments-allow', 'x').replace('checkout', 'cart'),
    };
    const after = { ...before, 'mesh/policy.yaml': allow(wide) };
    const found = review(before, after);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.file).toBe('mesh/policy.yaml');
      expect(f.targets).toBeUndefined();
    }
  });
});
