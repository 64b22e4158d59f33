import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { parseFileContent } from '../../src/manifests/parseFile.js';
import type { ParsedFile } from '../../src/manifests/resource.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';
import type { Snapshot } from '../../src/sources/snapshot.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = resolve(repoRoot, '../shared/corpus');
const hasCorpus = existsSync(corpusDir);

if (!hasCorpus) console.warn(`corpus tests skipped: ${corpusDir} is absent`);

const GO_TEMPLATE = 'Go template outside a Helm chart: render it or exclude it';

/**
 * The files of the corpus that must produce errors, with their first error.
 * From shared/corpus/INVENTORY.md, "Files outside templates/ and .tmpl that a
 * strict YAML parser rejects": four are Go templates outside a chart, one is
 * a real syntax error, and one is a template whose quotes break the YAML.
 * Plus one the inventory's parser let through because it tolerates duplicate
 * keys: a docs snippet that lost the `---` between two objects (kubectl's
 * strict decoding rejects it too). Files under a chart's templates/ and
 * `.yaml.tmpl` files are never selected, so they are not here.
 */
const EXPECTED_ERRORS: Record<string, { line: number; message: string; count: number; resources: number }> = {
  'history/09-linkerd-viz-serverauthz-to-authzpolicy/after.yaml': { line: 5, message: GO_TEMPLATE, count: 1, resources: 0 },
  'history/09-linkerd-viz-serverauthz-to-authzpolicy/before.yaml': { line: 5, message: GO_TEMPLATE, count: 1, resources: 0 },
  'istio/pilot/pkg/xds/testdata/benchmarks/authorizationpolicy.yaml': { line: 22, message: GO_TEMPLATE, count: 1, resources: 0 },
  'istio/tests/integration/pilot/testdata/authz-b.yaml': { line: 9, message: GO_TEMPLATE, count: 1, resources: 0 },
  'linkerd2/test/integration/deep/dualstack/testdata/ipfamilies-policy.yml': {
    line: 32,
    message: 'invalid YAML: Unexpected scalar at node end',
    count: 1,
    resources: 2,
  },
  'netpol-analyzer/tests/document_with_syntax_error/document_with_syntax_error.yaml': {
    line: 225,
    message: GO_TEMPLATE,
    count: 1,
    resources: 0,
  },
  'linkerd-website/linkerd.io/content/2-edge/tasks/adding-non-kubernetes-workloads/snippet-05-authorizationpolicy-in-cluster-endpoint-authn.yaml': {
    line: 15,
    message: 'duplicate key "apiVersion": YAML map keys must be unique',
    count: 4,
    resources: 1,
  },
};

/**
 * INVENTORY counts 681 plain objects. Here: its 2 kustomize Components are
 * build config, not objects (-2); its one List counts as its 5 items (+4); the
 * duplicate-key snippet loses the object with the duplicates (-1); the
 * syntax error drops the third object of ipfamilies-policy.yml (-1).
 */
const EXPECTED_RESOURCES = 681;

describe.skipIf(!hasCorpus)('shared corpus', () => {
  let corpus: { snapshot: Snapshot; parsed: Map<string, ParsedFile> };
  beforeAll(async () => {
    const config = defaultConfig();
    const snapshot = await readDirectorySnapshot(corpusDir, config);
    const parsed = new Map<string, ParsedFile>();
    for (const file of snapshot.files) parsed.set(file.path, parseFileContent(file.path, file.content, config.limits));
    corpus = { snapshot, parsed };
  });

  test('every selected file loads, and only the known files have errors', () => {
    const { snapshot, parsed } = corpus;
    expect(snapshot.skipped).toEqual([]);
    expect(snapshot.files.length).toBeGreaterThan(250);
    const withErrors = Object.fromEntries(
      [...parsed]
        .filter(([, result]) => result.errors.length > 0)
        .map(([path, result]) => [
          path,
          { line: result.errors[0]!.line, message: result.errors[0]!.message, count: result.errors.length, resources: result.resources.length },
        ]),
    );
    expect(withErrors).toEqual(EXPECTED_ERRORS);
  });

  test('resources found match the inventory', () => {
    const { parsed } = corpus;
    const resources = [...parsed.values()].flatMap((p) => p.resources);
    expect(resources).toHaveLength(EXPECTED_RESOURCES);
    const listItems = parsed.get('netpol-analyzer/tests/onlineboutique_workloads/ns.yaml')!.resources;
    expect(listItems.map((r) => r.kind)).toEqual(Array(5).fill('Namespace'));
    expect(new Set(resources.map((r) => r.hash)).size).toBeGreaterThan(400);
  });

  test('raw chart templates are not selected', () => {
    const { snapshot } = corpus;
    const paths = snapshot.files.map((f) => f.path);
    expect(paths.filter((p) => /\/templates\//.test(p) && /(helm-chart|charts)\//.test(p))).toEqual([]);
    expect(paths).toContain('microservices-demo/helm-chart/values.yaml');
  });
});
