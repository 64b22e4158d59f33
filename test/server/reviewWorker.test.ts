/**
 * A review in a worker thread gets its snapshots by structured clone: data only. What a render
 * reads beside the manifests (a chart's templates and `_helpers.tpl`) must cross with them, or a
 * chart renders nothing in the app although it renders in the CLI.
 */
import { describe, expect, it } from 'vitest';
import analyse, { toWire } from '../../src/server/reviewWorker.js';
import { defaultConfig } from '../../src/config/schema.js';
import type { Snapshot } from '../../src/sources/snapshot.js';

const chartYaml = 'apiVersion: v2\nname: shop\nversion: 0.1.0\n';
const helpers = '{{- define "shop.name" -}}payments{{- end -}}\n';
const template = (cidr: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: {{ include "shop.name" . }}
  namespace: shop
spec:
  selector:
    matchLabels: {app: {{ include "shop.name" . }}}
  rules:
    - from:
        - source:
            ipBlocks: ["${cidr}"]
`;

const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n';

/** As the GitHub source builds it: templates are no manifests, they travel in `extra`. */
const snapshot = (label: string, cidr: string): Snapshot => {
  const extra = [
    { path: 'shop/templates/_helpers.tpl', content: Buffer.from(helpers) },
    { path: 'shop/templates/policy.yaml', content: Buffer.from(template(cidr)) },
  ];
  return {
    label,
    files: [
      { path: 'shop/Chart.yaml', content: Buffer.from(chartYaml) },
      { path: 'shop/values.yaml', content: Buffer.from('{}\n') },
      { path: 'mesh/namespace.yaml', content: Buffer.from(namespace) },
    ],
    skipped: [],
    paths: ['mesh/namespace.yaml', 'shop/Chart.yaml', 'shop/values.yaml', ...extra.map((f) => f.path)],
    extra,
    readFile: () => Promise.reject(new Error('not on this thread')),
  };
};

describe("the worker thread's snapshot", () => {
  it('carries the chart files a render reads, so a widened policy in a template is found', async () => {
    const wire = structuredClone(toWire({ base: snapshot('base', '10.0.0.0/8'), head: snapshot('head', '0.0.0.0/0'), config: defaultConfig() }));
    const result = await analyse(wire);
    expect(result.errors).toEqual([]);
    const found = result.findings.find((f) => f.ruleId === 'allow-policy-broadened');
    expect(found).toMatchObject({ file: 'shop/templates/policy.yaml' });
  });
});
