import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const policy = (paths: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: payments-deny
  namespace: shop
spec:
  selector:
    matchLabels:
      app: payments
  action: DENY
  rules:
    - to:
        - operation:
            paths: [${paths}]
`;

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig() }).findings.filter(
    (f) => f.ruleId === 'ambiguous-precedence',
  );

describe('objects defined twice', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    [
      'a second copy with other contents is reported, on the new copy',
      { 'a.yaml': policy('"/admin*"') },
      { 'a.yaml': policy('"/admin*"'), 'z.yaml': policy('"/admin*", "/internal*"') },
      ['z.yaml:4'],
    ],
    ['an identical copy is harmless', { 'a.yaml': policy('"/admin*"') }, { 'a.yaml': policy('"/admin*"'), 'z.yaml': policy('"/admin*"') }, []],
    [
      'copies in other folders are other deployments (overlays, environments)',
      { 'prod/a.yaml': policy('"/admin*"'), 'staging/a.yaml': policy('"/admin*"') },
      { 'prod/a.yaml': policy('"/admin*"'), 'staging/a.yaml': policy('"/admin*", "/x*"') },
      [],
    ],
    [
      "a duplicate the base already had is not this change's",
      { 'a.yaml': policy('"/a*"'), 'z.yaml': policy('"/b*"') },
      { 'a.yaml': policy('"/a*"'), 'z.yaml': policy('"/b*"') },
      [],
    ],
    [
      "a duplicate the base already had, moved to another folder, is not this change's (issue #13: one pure rename gave 44 findings)",
      { 'old/a.yaml': policy('"/a*"'), 'old/z.yaml': policy('"/b*"') },
      { 'new/a.yaml': policy('"/a*"'), 'new/z.yaml': policy('"/b*"') },
      [],
    ],
  ])('%s', (_name, before, after, expected) => {
    const found = review(before, after);
    expect(found.map((f) => `${f.file}:${f.line}`)).toEqual(expected);
    for (const f of found)
      expect(f.message).toMatch(
        /AuthorizationPolicy shop\/payments-deny is defined 2 times with different contents \(a\.yaml:1, z\.yaml:1\); the cluster keeps only the copy applied last/,
      );
  });
});

const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: "${value}"
`;

describe('duplicates that collide in no way a review decides', () => {
  it('a duplicate pair that merely moved to another folder is not reported again', () => {
    const before = { 'old/a.yaml': policy('"/a*"'), 'old/z.yaml': policy('"/b*"') };
    const after = { 'new/a.yaml': policy('"/a*"'), 'new/z.yaml': policy('"/b*"') };
    expect(review(before, after)).toEqual([]);
  });

  it('kinds no analysis reads (a ConfigMap) are not reported as competing definitions', () => {
    expect(review({ 'a.yaml': configMap('x') }, { 'a.yaml': configMap('x'), 'z.yaml': configMap('y') })).toEqual([]);
  });

  it('a new pair of a security kind in a moved folder is still reported', () => {
    const found = review({ 'old/a.yaml': policy('"/a*"') }, { 'new/a.yaml': policy('"/a*"'), 'new/z.yaml': policy('"/b*"') });
    // Both copies are new files: the finding is anchored on the first of them.
    expect(found.map((f) => `${f.file}:${f.line}`)).toEqual(['new/a.yaml:4']);
  });
});
