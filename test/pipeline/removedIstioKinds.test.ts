import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
`;

const serviceRole = (methods: string) => `apiVersion: rbac.istio.io/v1alpha1
kind: ServiceRole
metadata:
  name: reader
  namespace: shop
spec:
  rules:
    - services: ["*"]
      methods: [${methods}]
`;

const MESH_POLICY = `apiVersion: authentication.istio.io/v1alpha1
kind: MeshPolicy
metadata:
  name: default
spec:
  peers:
    - mtls: {}
`;

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({
    base: memorySnapshot('base', before),
    head: memorySnapshot('head', after),
    config: defaultConfig(),
    now: new Date('2026-01-01T00:00:00Z'),
  });

describe('kinds Istio removed (issue #11, item 10)', () => {
  it('in unchanged files they are one summary line, not an error on every review', () => {
    const files = { 'ns.yaml': NAMESPACE, 'legacy/role.yaml': serviceRole('"GET"'), 'legacy/mesh.yaml': MESH_POLICY };
    const r = review(files, files);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.summary.removedKindsIgnored).toBe(2);
    expect(renderText(r, { color: false })).toContain('2 objects of kinds Istio removed (rbac.istio.io, authentication.istio.io), in unchanged files: ignored');
    expect(renderMarkdown(r)).toContain('2 objects of kinds Istio removed');
  });

  it('one the change edits or moves is an error entry on its line, not a finding: Istio ignored it before as well, nothing got weaker (real history pair 37)', () => {
    const r = review({ 'ns.yaml': NAMESPACE, 'role.yaml': serviceRole('"GET"') }, { 'ns.yaml': NAMESPACE, 'moved/role.yaml': serviceRole('"GET", "POST"') });
    expect(r.findings).toEqual([]);
    expect(r.errors.map((e) => `${e.file}:${e.line}`)).toEqual(['moved/role.yaml:1']);
    expect(r.errors[0]!.message).toMatch(/rbac\.istio\.io\/v1alpha1 was removed from Istio .*\(edited or moved by this change\)$/);
    expect(r.summary.failed).toBe(false);
    expect(r.summary.removedKindsIgnored).toBe(0);
  });

  it('one the change adds fails the gate (its author expects a protection that does not exist); an unchanged one beside it in the same file is only counted', () => {
    const r = review({ 'ns.yaml': NAMESPACE, 'legacy.yaml': MESH_POLICY }, { 'ns.yaml': NAMESPACE, 'legacy.yaml': `${MESH_POLICY}---\n${serviceRole('"*"')}` });
    expect(r.findings.map((f) => [f.ruleId, f.severity, f.resource.kind])).toEqual([['invalid-policy', 'high', 'ServiceRole']]);
    expect(r.summary.removedKindsIgnored).toBe(1);
  });
});
