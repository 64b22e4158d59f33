/**
 * The kustomize monorepo variant of `npm run bench` (issue #13 item 5): OVERLAYS overlays, each its
 * own root (`kubectl apply -k overlays/env-NN`), over one shared base of workloads and policies.
 * A one-file PR changes one overlay's patch. Prints the render time, the review time and how many
 * renders that PR cost: a target none of whose inputs changed is rendered once and shared by both
 * sides, so the answer should be OVERLAYS + 1, not 2 × OVERLAYS.
 */
import { ParseCache } from '../manifests/parseCache.js';
import { defaultConfig } from '../config/schema.js';
import { reviewSnapshots } from '../pipeline/review.js';
import { renderSides } from '../render/renderSides.js';
import { memorySnapshot } from './generate.js';

export const OVERLAYS = 50;
const SERVICES = 10;

function baseFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'base/kustomization.yaml': `resources:\n${Array.from({ length: SERVICES }, (_, i) => `  - svc-${i}.yaml`).join('\n')}\n`,
  };
  for (let i = 0; i < SERVICES; i++) {
    files[`base/svc-${i}.yaml`] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
spec:
  selector:
    matchLabels: {app: svc-${i}}
  template:
    metadata:
      labels: {app: svc-${i}}
    spec:
      containers:
        - name: app
          image: registry.example.com/svc-${i}:1.0.0
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: svc-${i}
spec:
  selector:
    matchLabels: {app: svc-${i}}
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/frontend/sa/web"]
`;
  }
  return files;
}

function overlay(n: number, principal: string): Record<string, string> {
  const env = `env-${String(n).padStart(2, '0')}`;
  return {
    [`overlays/${env}/kustomization.yaml`]: `namespace: ${env}
resources:
  - ../../base
  - namespace.yaml
patches:
  - path: allow.yaml
`,
    [`overlays/${env}/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${env}\n  labels: {istio-injection: enabled}\n`,
    [`overlays/${env}/allow.yaml`]: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: svc-0
spec:
  rules:
    - from:
        - source:
            principals: ["${principal}"]
`,
  };
}

export async function benchMonorepo(): Promise<string> {
  const common = baseFiles();
  const before: Record<string, string> = { ...common };
  for (let n = 0; n < OVERLAYS; n++) Object.assign(before, overlay(n, 'cluster.local/ns/frontend/sa/web'));
  const after = { ...before, ...overlay(7, '*') };
  const config = defaultConfig();
  const cache = new ParseCache();
  const base = memorySnapshot(
    'monorepo base',
    Object.entries(before).map(([path, text]) => ({ path, content: Buffer.from(text) })),
  );
  const head = memorySnapshot(
    'monorepo head',
    Object.entries(after).map(([path, text]) => ({ path, content: Buffer.from(text) })),
  );
  const t0 = performance.now();
  const rendered = await renderSides(base, head, config, cache);
  const t1 = performance.now();
  const result = reviewSnapshots({ base, head, config, cache, rendered, now: new Date('2026-01-01T00:00:00Z') });
  const t2 = performance.now();
  const findings = [...new Set(result.findings.map((f) => `${f.ruleId} ${f.workload ?? ''}`))].join(', ');
  return (
    `kustomize monorepo: ${OVERLAYS} overlays over one base (${SERVICES} services), one overlay's patch widened: ` +
    `render ${(t1 - t0).toFixed(0)} ms (${rendered.renders} renders for both sides), review ${(t2 - t1).toFixed(0)} ms, findings: ${findings || 'none'}`
  );
}
