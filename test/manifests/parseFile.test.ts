import { describe, expect, test } from 'vitest';
import { DEFAULT_MAX_ALIAS_NODES, MAX_NESTING_DEPTH, MESSAGES, parseFileContent, type ParseLimits } from '../../src/manifests/parseFile.js';

const LIMITS: ParseLimits = { maxFileBytes: 2 * 1024 * 1024, maxDocuments: 10_000 };

/** Lines joined with "\n", so a test reads with its line numbers: line N is the Nth argument. */
const lines = (...ls: string[]): string => `${ls.join('\n')}\n`;

function parse(text: string | Buffer, path = 'm.yaml', limits: ParseLimits = LIMITS) {
  return parseFileContent(path, Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'), limits);
}

function onlyError(text: string | Buffer, path = 'm.yaml', limits: ParseLimits = LIMITS) {
  const result = parse(text, path, limits);
  expect(result.errors).toHaveLength(1);
  return { ...result.errors[0]!, resources: result.resources };
}

const NAMESPACE = lines('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: a');

describe('bad input becomes one clear ParseError', () => {
  test('non-UTF-8 bytes', () => {
    const e = onlyError(Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    expect(e).toMatchObject({ file: 'm.yaml', line: 1, message: MESSAGES.notUtf8, resources: [] });
  });

  test('UTF-16 (a BOM that is not UTF-8)', () => {
    const e = onlyError(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(NAMESPACE, 'utf16le')]));
    expect(e).toMatchObject({ line: 1, message: MESSAGES.notUtf8 });
  });

  test('binary that happens to be valid UTF-8 (NUL bytes)', () => {
    expect(onlyError(Buffer.from([0x00, 0x01, 0x02, 0x41]))).toMatchObject({ line: 1, message: MESSAGES.binary });
  });

  test('a UTF-8 BOM is stripped, not an error', () => {
    const result = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NAMESPACE)]));
    expect(result.errors).toEqual([]);
    expect(result.resources[0]).toMatchObject({ kind: 'Namespace', name: 'a', line: 1 });
  });

  test('file over maxFileBytes', () => {
    const e = onlyError(NAMESPACE, 'm.yaml', { ...LIMITS, maxFileBytes: 10 });
    expect(e).toMatchObject({ line: 1, message: `file is ${NAMESPACE.length} bytes, over limits.maxFileBytes (10); not parsed` });
  });

  test('more documents than maxDocuments: error on the first one dropped, the first ones kept', () => {
    const text = [1, 2, 3].map((i) => lines('---', 'apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ns${i}`)).join('');
    const result = parse(text, 'm.yaml', { ...LIMITS, maxDocuments: 2 });
    expect(result.resources.map((r) => r.name)).toEqual(['ns1', 'ns2']);
    expect(result.errors).toEqual([
      { file: 'm.yaml', line: 11, message: 'file has more than 2 YAML documents (limits.maxDocuments); only the first 2 are read' },
    ]);
  });

  test('JSON with a // comment', () => {
    const text = lines('{', '  "apiVersion": "v1",', '  // the namespace', '  "kind": "Namespace",', '  "metadata": {"name": "a"}', '}');
    expect(onlyError(text, 'ns.json')).toMatchObject({ line: 3, message: 'JSON does not allow comments', resources: [] });
  });

  test('JSON with a /* */ comment', () => {
    const text = lines('{', '  "apiVersion": "v1", /* core */', '  "kind": "Namespace",', '  "metadata": {"name": "a"}', '}');
    expect(onlyError(text, 'ns.json')).toMatchObject({ line: 2, message: 'JSON does not allow comments' });
  });

  test('JSON with a # comment (YAML would accept it, JSON tools do not)', () => {
    const text = lines('# generated', '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}');
    expect(onlyError(text, 'ns.json')).toMatchObject({ line: 1, message: 'JSON does not allow comments' });
  });

  test('"//" inside a JSON string is not a comment', () => {
    const text = lines('{"apiVersion": "v1", "kind": "Namespace",', ' "metadata": {"name": "a", "annotations": {"u": "http://x/*y*/#z"}}}');
    const result = parse(text, 'ns.json');
    expect(result.errors).toEqual([]);
    expect(result.resources).toHaveLength(1);
  });

  test('YAML syntax error: its document is dropped, the others still load', () => {
    const text = lines(
      'apiVersion: v1', // 1
      'kind: Namespace',
      'metadata: {name: first}',
      '---', // 4
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: [broken', // 8
      '---', // 9
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: third}',
    );
    const result = parse(text);
    expect(result.resources.map((r) => [r.name, r.docIndex, r.line])).toEqual([
      ['first', 0, 1],
      ['third', 2, 10],
    ]);
    expect(result.errors.length).toBeGreaterThanOrEqual(1);
    expect(result.errors[0]!.message).toMatch(/^invalid YAML: /);
    expect(result.errors.every((e) => e.line >= 8 && e.line <= 9)).toBe(true);
  });

  test('duplicate key', () => {
    const text = lines('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: a', '  name: b');
    expect(onlyError(text)).toMatchObject({ line: 5, message: 'duplicate key "name": YAML map keys must be unique', resources: [] });
  });

  test('errors are capped per file, with a count of the rest', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n${'  k: v\n'.repeat(151)}`;
    const result = parse(text);
    expect(result.errors).toHaveLength(101);
    expect(result.errors[0]).toEqual({ file: 'm.yaml', line: 6, message: 'duplicate key "k": YAML map keys must be unique' });
    expect(result.errors[100]).toEqual({
      file: 'm.yaml',
      line: 105,
      message: '...and 50 more errors in this file (only the first 100 are listed)',
    });
  });

  test('a map with very many keys is checked for duplicates in linear time', () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: v`).join('\n');
    const started = Date.now();
    const result = parse(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n${keys}\n`);
    expect(result.errors).toEqual([]);
    // The parser's own uniqueKeys check is quadratic: 60k keys take it over a minute.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('alias bomb (billion laughs)', () => {
    const text = lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: lol}',
      'data:',
      '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      '  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      '  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      '  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      '  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      '  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      '  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
      '  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
    );
    // Refused by counting on the syntax tree: expanding 387 million strings would never finish.
    expect(onlyError(text)).toMatchObject({ line: 1, message: MESSAGES.aliasBomb(DEFAULT_MAX_ALIAS_NODES), resources: [] });
  });

  test('the alias budget is the expanded size, per file: a bomb split over documents is refused too', () => {
    const doc = (n: number) =>
      lines(
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        `metadata: {name: c${n}}`,
        'data:',
        '  a: &a [x, x, x, x, x, x, x, x, x, x]',
        `  b: [${Array(20).fill('*a').join(', ')}]`,
      );
    // Each document's aliases add 20 × 11 - 20 = 200 nodes: two fit in 450, the third does not.
    const result = parse([0, 1, 2].map(doc).join(''), 'm.yaml', { ...LIMITS, maxAliasNodes: 450 });
    expect(result.resources.map((r) => r.name)).toEqual(['c0', 'c1']);
    expect(result.errors).toEqual([{ file: 'm.yaml', line: 16, message: MESSAGES.aliasBomb(450) }]);
  });

  test('an anchor used 101 times in a small document is ordinary YAML', () => {
    const uses = Array.from({ length: 101 }, (_, i) => `  k${i}: *v`);
    const text = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: many}', 'data:', '  base: &v hello', ...uses);
    const result = parse(text);
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.resources[0]!.body['data'] as object)).toHaveLength(102);
  });

  test('a recursive alias is refused, as go-yaml refuses it', () => {
    const text = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: loop}', 'data: &d {self: *d}');
    expect(onlyError(text)).toMatchObject({ message: MESSAGES.recursiveAlias, resources: [] });
  });

  test('a few aliases are fine', () => {
    const text = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: ok}', 'data:', '  a: &x hello', '  b: *x');
    const result = parse(text);
    expect(result.errors).toEqual([]);
    expect(result.resources[0]!.body).toMatchObject({ data: { a: 'hello', b: 'hello' } });
  });

  test(`nesting deeper than ${MAX_NESTING_DEPTH} levels (flow)`, () => {
    const text = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: deep}', `data: ${'['.repeat(300)}${']'.repeat(300)}`);
    expect(onlyError(text)).toMatchObject({ line: 4, message: MESSAGES.tooDeep });
  });

  test('a document nested too deep is refused alone: the other documents of the file are read, at their own lines', () => {
    const text = lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: before}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      `metadata: {name: deep, labels: ${'['.repeat(300)}${']'.repeat(300)}}`,
      '--- # the third',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: after}',
    );
    const result = parse(text);
    expect(result.errors).toEqual([{ file: 'm.yaml', line: 7, message: MESSAGES.tooDeep }]);
    expect(result.resources.map((r) => [r.name, r.line])).toEqual([
      ['before', 1],
      ['after', 9],
    ]);
  });

  test('nesting deeper than the limit (block mappings): the line of the first level too deep', () => {
    const body = Array.from({ length: 250 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n${body} leaf\n`;
    // k0 is depth 1 (the document is depth 0), so the key k200 on line 4 + 200 is the first too deep.
    expect(onlyError(text)).toMatchObject({ line: 204, message: MESSAGES.tooDeep });
  });

  test('brackets inside strings and block scalars are not nesting', () => {
    const text = lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: brackets}',
      'data:',
      `  quoted: "${'['.repeat(300)}"`,
      '  script: |',
      `    ${'{'.repeat(300)}`,
      `  # ${'['.repeat(300)}`,
    );
    const result = parse(text);
    expect(result.errors).toEqual([]);
    expect(result.resources).toHaveLength(1);
  });

  test('nesting that would overflow the stack is an error, not a crash', () => {
    const result = parse(`a: ${'['.repeat(50_000)}`);
    expect(result.resources).toEqual([]);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  test('nesting built through aliases is measured too', () => {
    const inner = `${'['.repeat(150)}x${']'.repeat(150)}`;
    const outer = `${'['.repeat(60)}*a${']'.repeat(60)}`;
    const text = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: deep}', `a: &a ${inner}`, `b: ${outer}`);
    expect(onlyError(text)).toMatchObject({ line: 1, message: MESSAGES.tooDeep });
  });

  test('a mapping with only kind, in a file with objects', () => {
    const text = `${NAMESPACE}---\nkind: Namespace\nmetadata: {name: b}\n`;
    const result = parse(text);
    expect(result.resources).toHaveLength(1);
    expect(result.errors).toEqual([{ file: 'm.yaml', line: 6, message: 'object has kind but no apiVersion' }]);
  });

  test('a mapping with only apiVersion, in a file with objects', () => {
    const text = `${NAMESPACE}---\napiVersion: v1\nmetadata: {name: b}\n`;
    expect(parse(text).errors).toEqual([{ file: 'm.yaml', line: 6, message: 'object has apiVersion but no kind' }]);
  });

  test('non-string apiVersion or kind', () => {
    const text = `${NAMESPACE}---\napiVersion: 1\nkind: Namespace\n---\napiVersion: v1\nkind: [Namespace]\n`;
    expect(parse(text).errors).toEqual([
      { file: 'm.yaml', line: 6, message: 'apiVersion must be a non-empty string' },
      { file: 'm.yaml', line: 9, message: 'kind must be a non-empty string' },
    ]);
  });

  test('a list or a scalar as a document, in a file with objects', () => {
    const text = `${NAMESPACE}---\n- a\n- b\n---\njust text\n`;
    expect(parse(text).errors).toEqual([
      { file: 'm.yaml', line: 6, message: 'document 2 is a list, not a Kubernetes object (a mapping with apiVersion and kind)' },
      { file: 'm.yaml', line: 9, message: 'document 3 is a string scalar, not a Kubernetes object (a mapping with apiVersion and kind)' },
    ]);
  });

  test('metadata.name missing', () => {
    const text = lines('apiVersion: v1', 'kind: Service', 'metadata:', '  namespace: x', 'spec: {}');
    expect(onlyError(text)).toMatchObject({ line: 3, message: 'metadata.name is missing (Service)', resources: [] });
  });

  test('metadata missing altogether', () => {
    expect(onlyError(lines('apiVersion: v1', 'kind: Service', 'spec: {}'))).toMatchObject({
      line: 1,
      message: 'metadata.name is missing (Service)',
    });
  });

  test('metadata.name not a string', () => {
    const text = lines('apiVersion: v1', 'kind: Service', 'metadata:', '  name: 42');
    expect(onlyError(text)).toMatchObject({ line: 4, message: 'metadata.name must be a string (Service)' });
  });

  test('Go template outside a chart: block action breaks the YAML', () => {
    const text = lines(
      'apiVersion: policy.linkerd.io/v1beta1',
      'kind: Server',
      'metadata:',
      '  name: admin',
      '  {{ include "partials.namespace" . }}',
      'spec: {}',
    );
    expect(onlyError(text)).toMatchObject({ line: 5, message: 'Go template outside a Helm chart: render it or exclude it', resources: [] });
  });

  test('Go template outside a chart: action where a value goes (valid YAML by accident)', () => {
    const text = lines(
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata:',
      '  name: allow',
      'spec:',
      '  selector:',
      '    matchLabels:',
      '      istio: {{.GatewayIstioLabel}}',
    );
    expect(onlyError(text)).toMatchObject({ line: 8, message: MESSAGES.goTemplate });
  });

  test('Go template: the line of the first {{ after comments that mention it', () => {
    const text = lines('# render with {{ .Values }} first', '{{- range .Services }}', 'apiVersion: v1', 'kind: Namespace', '{{- end }}');
    expect(onlyError(text)).toMatchObject({ line: 2, message: MESSAGES.goTemplate });
  });

  test('{{ inside a string is data (Prometheus rule text), not a template', () => {
    const text = lines(
      'apiVersion: monitoring.coreos.com/v1',
      'kind: PrometheusRule',
      'metadata: {name: rules}',
      'spec:',
      '  description: "instance {{ $labels.instance }} is down"',
      '  summary: value is {{ $value }}',
    );
    const result = parse(text);
    expect(result.errors).toEqual([]);
    expect(result.resources).toHaveLength(1);
  });
});

describe('what is not a manifest is ignored silently', () => {
  test('null and empty documents', () => {
    expect(parse('')).toEqual({ resources: [], errors: [] });
    expect(parse(lines('---', '---', '# only a comment', '---', '~', '---', '""'))).toEqual({ resources: [], errors: [] });
  });

  test('values.yaml, CI workflows: mappings with neither apiVersion nor kind', () => {
    expect(parse(lines('replicaCount: 2', 'image:', '  repository: nginx'))).toEqual({ resources: [], errors: [] });
    expect(parse(lines('on: [push]', 'jobs:', '  test: {runs-on: ubuntu-latest}'), '.github/workflows/ci.yml')).toEqual({
      resources: [],
      errors: [],
    });
  });

  test('Chart.yaml (apiVersion only) and a values file with a kind, alone in their file', () => {
    expect(parse(lines('apiVersion: v2', 'name: web', 'version: 1.0.0'), 'Chart.yaml')).toEqual({ resources: [], errors: [] });
    expect(parse(lines('kind: DaemonSet', 'image: {tag: 1}'), 'values.yaml')).toEqual({ resources: [], errors: [] });
  });

  test('a list or a scalar alone is not a manifest file', () => {
    expect(parse(lines('- a', '- b'))).toEqual({ resources: [], errors: [] });
    expect(parse('hello\n')).toEqual({ resources: [], errors: [] });
  });

  test('kustomization files and kubeconfig carry apiVersion and kind but are not cluster objects', () => {
    const kustomization = lines('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources: [a.yaml]');
    expect(parse(kustomization, 'kustomization.yaml')).toEqual({ resources: [], errors: [] });
    const kubeconfig = lines('apiVersion: v1', 'kind: Config', 'clusters: []');
    expect(parse(kubeconfig, 'kubeconfig.yaml')).toEqual({ resources: [], errors: [] });
  });
});

describe('resources', () => {
  test('multi-document file: names, namespaces, docIndex, line where the content starts', () => {
    const text = lines(
      '# leading comment', // 1
      '---', // 2
      '# about a', // 3
      'apiVersion: v1', // 4
      'kind: Namespace',
      'metadata:',
      '  name: a',
      '---', // 8
      '', // 9
      'apiVersion: v1', // 10
      'kind: ServiceAccount',
      'metadata: {name: sa, namespace: a}',
    );
    const result = parse(text);
    expect(result.errors).toEqual([]);
    expect(result.resources.map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace, docIndex: r.docIndex, line: r.line }))).toEqual([
      { kind: 'Namespace', name: 'a', namespace: undefined, docIndex: 0, line: 4 },
      { kind: 'ServiceAccount', name: 'sa', namespace: 'a', docIndex: 1, line: 10 },
    ]);
    expect(result.resources[1]).toMatchObject({ apiVersion: 'v1', file: 'm.yaml', body: { metadata: { name: 'sa', namespace: 'a' } } });
  });

  test('kind: List: each item is a resource at its own line, locate relative to the item', () => {
    const text = lines(
      'apiVersion: v1', // 1
      'kind: List',
      'items:',
      '- apiVersion: v1', // 4
      '  kind: Namespace',
      '  metadata:',
      '    name: one', // 7
      '- apiVersion: v1', // 8
      '  kind: Service',
      '  metadata:',
      '    name: two',
      '    namespace: one',
      '  spec:', // 13
      '    ports:',
      '    - port: 80', // 15
    );
    const result = parse(text, 'list.yaml');
    expect(result.errors).toEqual([]);
    const [one, two] = result.resources;
    expect([one!.name, one!.line, one!.docIndex, two!.name, two!.line, two!.docIndex]).toEqual(['one', 4, 0, 'two', 8, 0]);
    expect(two!.namespace).toBe('one');
    expect(one!.locate(['metadata', 'name'])).toBe(7);
    expect(two!.locate(['spec', 'ports', 0, 'port'])).toBe(15);
    expect(two!.locate(['spec'])).toBe(13);
    expect(two!.locate(['nowhere'])).toBe(8);
  });

  test('NamespaceList in JSON (as kubectl get -o json prints it)', () => {
    const text = lines(
      '{',
      '  "apiVersion": "v1",',
      '  "kind": "NamespaceList",',
      '  "items": [',
      '    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},',
      '    {',
      '      "apiVersion": "v1", "kind": "Namespace",',
      '      "metadata": {"name": "b", "labels": {"istio-injection": "enabled"}}',
      '    }',
      '  ]',
      '}',
    );
    const result = parse(text, 'ns.json');
    expect(result.errors).toEqual([]);
    expect(result.resources.map((r) => [r.name, r.line])).toEqual([
      ['a', 5],
      ['b', 6],
    ]);
    expect(result.resources[1]!.locate(['metadata', 'labels', 'istio-injection'])).toBe(8);
  });

  test('a bad List item is an error, the good items stay', () => {
    const text = lines('apiVersion: v1', 'kind: PodList', 'items:', '- apiVersion: v1', '  kind: Pod', '  metadata: {name: p}', '- just a string');
    const result = parse(text);
    expect(result.resources.map((r) => r.name)).toEqual(['p']);
    expect(result.errors).toEqual([{ file: 'm.yaml', line: 7, message: 'List item 1 is a string scalar, not a Kubernetes object' }]);
  });

  test('a kind ending in List without items is an ordinary object', () => {
    const text = lines('apiVersion: example.com/v1', 'kind: AccessList', 'metadata: {name: allow}', 'spec: {}');
    expect(parse(text).resources.map((r) => [r.kind, r.name])).toEqual([['AccessList', 'allow']]);
  });

  test('# Source: comments of helm template output set source', () => {
    const text = lines(
      '---',
      '# Source: web/templates/sa.yaml',
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata: {name: web}',
      '---',
      '# Source: web/templates/istio/policy.yaml',
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: web}',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: plain}',
    );
    const result = parse(text, 'rendered.yaml');
    expect(result.resources.map((r) => [r.kind, r.source, r.line])).toEqual([
      ['ServiceAccount', 'web/templates/sa.yaml', 3],
      ['AuthorizationPolicy', 'web/templates/istio/policy.yaml', 8],
      ['Namespace', undefined, 12],
    ]);
  });

  test('locate: key lines of nested fields, list items, fallbacks', () => {
    const text = lines(
      'apiVersion: security.istio.io/v1', // 1
      'kind: AuthorizationPolicy',
      'metadata:',
      '  name: allow', // 4
      'spec:', // 5
      '  action: ALLOW',
      '  rules:', // 7
      '  - from:', // 8
      '    - source:',
      '        principals: ["cluster.local/ns/a/sa/b"]', // 10
      '    to:', // 11
      '    - operation:',
      '        ports:',
      '        - "8080"', // 14
    );
    const [r] = parse(text).resources;
    expect(r!.line).toBe(1);
    expect(r!.locate(['metadata', 'name'])).toBe(4);
    expect(r!.locate(['spec', 'rules'])).toBe(7);
    expect(r!.locate(['spec', 'rules', 0])).toBe(8);
    expect(r!.locate(['spec', 'rules', 0, 'from', 0, 'source', 'principals', 0])).toBe(10);
    expect(r!.locate(['spec', 'rules', 0, 'to'])).toBe(11);
    expect(r!.locate(['spec', 'rules', 0, 'to', 0, 'operation', 'ports', 0])).toBe(14);
    // Missing fields fall back to the closest ancestor that exists, then to the object.
    expect(r!.locate(['spec', 'rules', 0, 'when'])).toBe(8);
    expect(r!.locate(['spec', 'rules', 5, 'from'])).toBe(7);
    expect(r!.locate(['spec', 'selector', 'matchLabels'])).toBe(5);
    expect(r!.locate(['status'])).toBe(1);
    expect(r!.locate([])).toBe(1);
  });

  test('locate in the second document of a file', () => {
    const text = `${NAMESPACE}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 80\n`;
    const s = parse(text).resources[1]!;
    expect(s.line).toBe(6);
    expect(s.locate(['spec', 'ports', 0, 'port'])).toBe(11);
  });
});

describe('hash', () => {
  const block = lines(
    'apiVersion: security.istio.io/v1',
    'kind: PeerAuthentication',
    'metadata:',
    '  name: default',
    '  namespace: istio-system',
    'spec:',
    '  mtls:',
    '    mode: STRICT',
    '  portLevelMtls:',
    '    "8080": {mode: DISABLE}',
  );
  const reformatted = lines(
    '# same object, other formatting and key order',
    'spec: {portLevelMtls: {"8080": {mode: "DISABLE"}}, mtls: {mode: \'STRICT\'}}',
    'metadata: {namespace: istio-system, name: default}',
    'kind: "PeerAuthentication"',
    'apiVersion: security.istio.io/v1',
  );
  const json = JSON.stringify({
    kind: 'PeerAuthentication',
    apiVersion: 'security.istio.io/v1',
    spec: { mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } },
    metadata: { name: 'default', namespace: 'istio-system' },
  });
  const hashOf = (text: string, path = 'm.yaml') => {
    const result = parse(text, path);
    expect(result.errors).toEqual([]);
    return result.resources[0]!.hash;
  };

  test('equal across formatting, quoting, comments, key order and JSON vs YAML', () => {
    expect(hashOf(block)).toMatch(/^[0-9a-f]{40}$/);
    expect(hashOf(reformatted)).toBe(hashOf(block));
    expect(hashOf(json, 'pa.json')).toBe(hashOf(block));
  });

  test('different when a value changes', () => {
    expect(hashOf(block.replace('STRICT', 'PERMISSIVE'))).not.toBe(hashOf(block));
  });

  test('different when only the type changes (port 8080 vs "8080")', () => {
    const a = lines('apiVersion: v1', 'kind: Service', 'metadata: {name: s}', 'spec: {ports: [{port: 8080}]}');
    expect(hashOf(a.replace('8080', '"8080"'))).not.toBe(hashOf(a));
  });

  test('anchors and aliases hash like the expanded text', () => {
    const withAlias = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'data: {a: &v x, b: *v}');
    const expanded = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'data: {a: x, b: x}');
    expect(hashOf(withAlias)).toBe(hashOf(expanded));
  });
});
