/**
 * Property tests of the whole engine on generated Istio repositories.
 *
 * A repository is a list of Kubernetes objects (namespaces, Deployments with their
 * Services, PeerAuthentications, AuthorizationPolicies), each assigned to a file, and
 * rendered to YAML text in a generated style (block / flow / flow leaves, quoting,
 * key order, comments, JSON). On it:
 *
 *   1. a repository reviewed against itself yields no finding, no error, no crash;
 *   2. equivalence-preserving rewrites (mesh-semantics.md 2.2, 2.4, pitfalls 1, 19)
 *      yield no finding at all, not even access-narrowed or mtls-strengthened;
 *   3. known broadenings are always found: an ALLOW principal widened to "*" under
 *      STRICT, and a DENY deleted whose rule matched requests the ALLOWs allow.
 *
 * Each failure message holds the YAML of both sides, so a shrunk counterexample can be
 * replayed as a fixture. A rewrite excluded because the engine is wrong must say
 * `// engine bug:` and why (none is, at present); the bugs these properties found are pinned,
 * as their smallest cases, at the end of the file. `PROPERTY_RUNS=2000` runs every property
 * longer; `FC_SEED` replays a run (vitest.setup.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Document, isScalar, parseAllDocuments, visit } from 'yaml';
import { describe, expect, it, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import type { ReviewResult } from '../../src/pipeline/reviewResult.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

interface Doc {
  file: string;
  obj: Obj;
}

/** Objects in file order; a file's documents keep their order inside it. */
interface Repo {
  docs: Doc[];
}

const ROOT = 'istio-system';
const TD = 'cluster.local';
const SECURITY = 'security.istio.io';
const NOW = new Date('2026-01-15T00:00:00Z');

// ------------------------------------------------------------------ value pools

const NAMESPACES = ['shop', 'frontend', 'batch'] as const;
const APPS = ['api', 'web', 'db'] as const;
const TIERS = ['backend', 'edge'] as const;
const CONTAINER_PORTS = [8080, 9090, 5432] as const;
const MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;
type Mode = (typeof MODES)[number];

const PRINCIPALS = [`${TD}/ns/frontend/sa/web`, `${TD}/ns/shop/sa/api`, `${TD}/ns/batch/sa/default`, `${TD}/ns/shop/*`, `*/ns/frontend/sa/web`, '*'];
const NAMESPACE_VALUES = ['shop', 'frontend', 'batch', ROOT, 'fr*', '*end', '*'];
const IP_VALUES = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '192.168.0.0/24', '203.0.113.7', '2001:db8::/32', '0.0.0.0/0'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'P*', '*T', '*'];
const PATHS = ['/api/*', '/api/v1/*', '/admin', '/admin/*', '*/health', '/', '*'];
const HOSTS = ['example.com', '*.example.com', 'api.*', 'API.Example.com', '*'];
const PORT_VALUES = ['8080', '9090', '5432', '7000'];
const HEADER_KEYS = ['request.headers[x-user]', 'request.headers[X-Env]'];
const HEADER_VALUES = ['alice', 'adm*', '*-ops', 'prod', '*'];

const list = (pool: readonly string[], maxLength = 3) => fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength });

// ------------------------------------------------------------------ object builders

function namespaceObj(name: string, injection: string | undefined): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(injection ? { labels: { 'istio-injection': injection } } : {}) } };
}

interface WorkloadSpec {
  tier: string | undefined;
  version: string | undefined;
  sa: string | undefined;
  ports: number[];
  /** Per container port: Service port name prefix; `auto` = a name without protocol prefix. */
  protocols: ('http' | 'tcp' | 'grpc' | 'auto')[];
  targetByName: boolean;
  service: boolean;
}

function workloadObjs(ns: string, app: string, w: WorkloadSpec): Obj[] {
  const labels: Obj = { app };
  if (w.tier) labels.tier = w.tier;
  if (w.version) labels.version = w.version;
  const deployment: Obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: ns, labels: { app } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels },
        spec: {
          ...(w.sa ? { serviceAccountName: w.sa } : {}),
          containers: [{ name: app, image: `ghcr.io/example/${app}:1.0.0`, ports: w.ports.map((p) => ({ name: `port-${p}`, containerPort: p })) }],
        },
      },
    },
  };
  if (!w.service) return [deployment];
  const service: Obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, namespace: ns },
    spec: {
      selector: { app },
      ports: w.ports.map((p, i) => {
        const proto = w.protocols[i % w.protocols.length] ?? 'auto';
        return { name: proto === 'auto' ? `p${i}-${app}` : `${proto}-${app}-${i}`, port: 80 + i, targetPort: w.targetByName ? `port-${p}` : p };
      }),
    },
  };
  return [deployment, service];
}

type ModeSpec = Mode | 'absent' | 'empty';

interface PaSpec {
  selector: Obj | undefined;
  mode: ModeSpec;
  portLevel: [string, Mode][];
}

function peerAuthObj(name: string, ns: string, pa: PaSpec): Obj {
  const spec: Obj = {};
  if (pa.selector) spec.selector = pa.selector;
  if (pa.mode === 'empty') spec.mtls = {};
  else if (pa.mode !== 'absent') spec.mtls = { mode: pa.mode };
  if (pa.portLevel.length > 0) spec.portLevelMtls = Object.fromEntries(pa.portLevel.map(([p, m]) => [p, { mode: m }]));
  return { apiVersion: `${SECURITY}/v1`, kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}

type Action = 'ALLOW' | 'DENY' | 'CUSTOM' | 'AUDIT';

interface ApSpec {
  /** undefined = the default (ALLOW) left implicit. */
  action: Action | undefined;
  selector: Obj | undefined;
  /** undefined = no `rules` key (e.g. `spec: {}`). */
  rules: Obj[] | undefined;
  dryRun: boolean;
}

function authzObj(name: string, ns: string, ap: ApSpec): Obj {
  const spec: Obj = {};
  if (ap.selector) spec.selector = ap.selector;
  if (ap.action) spec.action = ap.action;
  if (ap.action === 'CUSTOM') spec.provider = { name: 'ext-authz' };
  if (ap.rules) spec.rules = ap.rules;
  const metadata: Obj = { name, namespace: ns };
  if (ap.dryRun) metadata.annotations = { 'istio.io/dry-run': 'true' };
  return { apiVersion: `${SECURITY}/v1`, kind: 'AuthorizationPolicy', metadata, spec };
}

// ------------------------------------------------------------------ arbitraries: repositories

const arbWorkload: fc.Arbitrary<WorkloadSpec> = fc.record({
  tier: fc.option(fc.constantFrom(...TIERS), { nil: undefined }),
  version: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }),
  sa: fc.constantFrom(undefined, 'api', 'web', 'default'),
  ports: fc.uniqueArray(fc.constantFrom(...CONTAINER_PORTS), { minLength: 1, maxLength: 2 }),
  protocols: fc.array(fc.constantFrom('http' as const, 'http' as const, 'tcp' as const, 'grpc' as const, 'auto' as const), { minLength: 1, maxLength: 2 }),
  targetByName: fc.boolean(),
  service: fc.boolean(),
});

const arbSelector: fc.Arbitrary<Obj> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...APPS).map((app) => ({ matchLabels: { app } })) },
  { weight: 2, arbitrary: fc.constantFrom(...TIERS).map((tier) => ({ matchLabels: { tier } })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...APPS), fc.constantFrom('v1', 'v2')).map(([app, version]) => ({ matchLabels: { app, version } })) },
);

const arbModeSpec: fc.Arbitrary<ModeSpec> = fc.constantFrom<ModeSpec>('STRICT', 'STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET', 'absent', 'empty');

const arbPortLevel = fc.uniqueArray(fc.tuple(fc.constantFrom('8080', '9090', '5432'), fc.constantFrom(...MODES)), {
  maxLength: 2,
  selector: ([p]) => p,
});

/** Mesh- or namespace-wide: no selector, or an empty one (same scope, 2.2). */
const arbWidePa: fc.Arbitrary<PaSpec> = fc.record({
  selector: fc.constantFrom<Obj | undefined>(undefined, undefined, undefined, {}, { matchLabels: {} }),
  mode: arbModeSpec,
  portLevel: fc.constant([] as [string, Mode][]),
});

const arbWorkloadPa: fc.Arbitrary<PaSpec> = fc.record({ selector: arbSelector, mode: arbModeSpec, portLevel: arbPortLevel });

const atMost = <T>(arb: fc.Arbitrary<T>, weights: [number, number, number] = [3, 3, 1]) =>
  fc.oneof(
    { weight: weights[0], arbitrary: fc.constant([] as T[]) },
    { weight: weights[1], arbitrary: arb.map((x) => [x]) },
    { weight: weights[2], arbitrary: fc.tuple(arb, arb) },
  );

const nonEmpty = (o: Obj) => Object.keys(o).length > 0;

/** Real sources and operations name one or two fields; every field appears in some. */
const fewKeys = (max: number) => (o: Obj) => Object.keys(o).length >= 1 && Object.keys(o).length <= max;

const arbSource: fc.Arbitrary<Obj> = fc
  .record(
    {
      principals: list(PRINCIPALS, 2),
      notPrincipals: list(PRINCIPALS, 2),
      namespaces: list(NAMESPACE_VALUES, 2),
      notNamespaces: list(NAMESPACE_VALUES, 2),
      ipBlocks: list(IP_VALUES, 2),
    },
    { requiredKeys: [] },
  )
  .filter(fewKeys(2));

const arbOperation: fc.Arbitrary<Obj> = fc
  .record(
    {
      methods: list(METHODS, 2),
      paths: list(PATHS, 2),
      ports: list(PORT_VALUES, 2),
      hosts: list(HOSTS, 2),
      notPaths: list(PATHS, 2),
    },
    { requiredKeys: [] },
  )
  .filter(fewKeys(2));

const arbCondition: fc.Arbitrary<Obj> = fc.oneof(
  fc
    .record({ key: fc.constantFrom(...HEADER_KEYS), values: list(HEADER_VALUES, 2), notValues: list(HEADER_VALUES, 1) }, { requiredKeys: ['key'] })
    .filter((c) => c.values !== undefined || c.notValues !== undefined),
  fc
    .record({ key: fc.constant('source.ip'), values: list(IP_VALUES, 2), notValues: list(IP_VALUES, 1) }, { requiredKeys: ['key'] })
    .filter((c) => c.values !== undefined || c.notValues !== undefined),
);

const arbRule: fc.Arbitrary<Obj> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  {
    weight: 8,
    arbitrary: fc
      .record(
        {
          from: fc.array(
            arbSource.map((source) => ({ source })),
            { minLength: 1, maxLength: 2 },
          ),
          to: fc.array(
            arbOperation.map((operation) => ({ operation })),
            { minLength: 1, maxLength: 2 },
          ),
          when: fc.array(arbCondition, { minLength: 1, maxLength: 2 }),
        },
        { requiredKeys: [] },
      )
      .filter(nonEmpty),
  },
);

const arbRules: fc.Arbitrary<Obj[] | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) }, // `spec: {}` when nothing else is set
  { weight: 1, arbitrary: fc.constant([] as Obj[]) },
  { weight: 1, arbitrary: fc.constant([{}] as Obj[]) }, // `rules: [{}]`
  { weight: 6, arbitrary: fc.array(arbRule, { minLength: 1, maxLength: 3 }) },
);

/** CUSTOM supports no identity fields ("From.Principals is currently not supported with CUSTOM action"): only ipBlocks stay. */
function customRule(rule: Obj): Obj {
  if (!Array.isArray(rule.from)) return rule;
  const from = (rule.from as Obj[]).filter((f) => Object.keys(f.source as Obj).every((k) => k === 'ipBlocks'));
  const { from: _dropped, ...rest } = rule;
  return from.length > 0 ? { ...rest, from } : rest;
}

const arbAp: fc.Arbitrary<ApSpec> = fc
  .record({
    action: fc.constantFrom<Action | undefined>(undefined, undefined, 'ALLOW', 'DENY', 'DENY', 'CUSTOM', 'AUDIT'),
    selector: fc.option(arbSelector, { nil: undefined, freq: 2 }),
    rules: arbRules,
    // Dry-run is rare: it takes a policy out of effect, which hides what the others do.
    dryRun: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  })
  // Only policies Istio admits (ValidateAuthorizationPolicy, checkDryRunAnnotation): a DENY or
  // CUSTOM without rules, or dry-run on CUSTOM / AUDIT, is rejected and would be an invalid-policy finding.
  .map((ap) => ({
    ...ap,
    rules:
      (ap.action === 'DENY' || ap.action === 'CUSTOM') && (ap.rules?.length ?? 0) === 0 ? [{}] : ap.action === 'CUSTOM' ? ap.rules?.map(customRule) : ap.rules,
    dryRun: ap.dryRun && (ap.action === undefined || ap.action === 'ALLOW' || ap.action === 'DENY'),
  }));

interface NsSpec {
  injection: 'enabled' | 'disabled' | undefined;
  workloads: Partial<Record<(typeof APPS)[number], WorkloadSpec>>;
  namespacePas: PaSpec[];
  workloadPas: PaSpec[];
  aps: ApSpec[];
}

const arbNs: fc.Arbitrary<NsSpec> = fc.record({
  injection: fc.constantFrom<NsSpec['injection']>('enabled', 'enabled', 'enabled', 'disabled', undefined),
  workloads: fc.record({ api: arbWorkload, web: arbWorkload, db: arbWorkload }, { requiredKeys: [] }),
  namespacePas: atMost(arbWidePa, [4, 4, 1]),
  workloadPas: atMost(arbWorkloadPa, [3, 3, 2]),
  aps: fc.array(arbAp, { maxLength: 4 }),
});

interface RepoSpec {
  namespaces: Partial<Record<(typeof NAMESPACES)[number], NsSpec>>;
  rootNamespaceDoc: boolean;
  meshPas: PaSpec[];
  /** Root-namespace PAs with a selector: ignored by Istio (2.2 scope table). */
  ignoredRootPas: PaSpec[];
  rootAps: ApSpec[];
  /** File of each document, cycled. */
  files: number[];
}

const arbRepoSpec: fc.Arbitrary<RepoSpec> = fc.record({
  namespaces: fc.record({ shop: arbNs, frontend: arbNs, batch: arbNs }, { requiredKeys: [] }).filter((n) => Object.keys(n).length > 0),
  rootNamespaceDoc: fc.boolean(),
  meshPas: atMost(arbWidePa, [3, 5, 1]),
  ignoredRootPas: atMost(arbWorkloadPa, [6, 1, 0]),
  rootAps: atMost(arbAp, [5, 2, 1]),
  files: fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 6 }),
});

const FILE_NAMES = ['mesh.yaml', 'shop/policies.yaml', 'frontend/all.yaml', 'apps.yaml', 'security/authz.yml'];

function buildRepo(spec: RepoSpec): Repo {
  const objs: Obj[] = [];
  if (spec.rootNamespaceDoc) objs.push(namespaceObj(ROOT, undefined));
  spec.meshPas.forEach((pa, i) => objs.push(peerAuthObj(i === 0 ? 'default' : `mesh-pa-${i}`, ROOT, pa)));
  spec.ignoredRootPas.forEach((pa, i) => objs.push(peerAuthObj(`root-selector-pa-${i}`, ROOT, pa)));
  spec.rootAps.forEach((ap, i) => objs.push(authzObj(`mesh-authz-${i}`, ROOT, ap)));
  for (const ns of NAMESPACES) {
    const n = spec.namespaces[ns];
    if (!n) continue;
    objs.push(namespaceObj(ns, n.injection));
    for (const app of APPS) {
      const w = n.workloads[app];
      if (w) objs.push(...workloadObjs(ns, app, w));
    }
    n.namespacePas.forEach((pa, i) => objs.push(peerAuthObj(i === 0 ? 'default' : `ns-pa-${i}`, ns, pa)));
    n.workloadPas.forEach((pa, i) => objs.push(peerAuthObj(`wl-pa-${i}`, ns, pa)));
    n.aps.forEach((ap, i) => objs.push(authzObj(`authz-${i}`, ns, ap)));
  }
  return { docs: objs.map((obj, i) => ({ obj, file: FILE_NAMES[spec.files[i % spec.files.length]!]! })) };
}

const arbRepo: fc.Arbitrary<Repo> = arbRepoSpec.map(buildRepo);

// ------------------------------------------------------------------ rendering

interface Style {
  collections: 'block' | 'flow' | 'leafFlow';
  strings: 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';
  plainKeys: boolean;
  comments: boolean;
  /** Permutes mapping keys when set. */
  keySeed: number | undefined;
  /** A file with a single document may be written as JSON. */
  json: boolean;
  leadingSeparator: boolean;
}

const arbStyle: fc.Arbitrary<Style> = fc.record({
  collections: fc.constantFrom('block' as const, 'block' as const, 'flow' as const, 'leafFlow' as const),
  strings: fc.constantFrom('PLAIN' as const, 'PLAIN' as const, 'QUOTE_DOUBLE' as const, 'QUOTE_SINGLE' as const),
  plainKeys: fc.boolean(),
  comments: fc.boolean(),
  keySeed: fc.option(fc.integer(), { nil: undefined }),
  json: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  leadingSeparator: fc.boolean(),
});

const PLAIN_STYLE: Style = {
  collections: 'block',
  strings: 'PLAIN',
  plainKeys: true,
  comments: false,
  keySeed: undefined,
  json: false,
  leadingSeparator: false,
};

const arbFormat = fc.array(arbStyle, { minLength: 1, maxLength: 3 });

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: readonly T[], next: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function permuteKeys(v: unknown, next: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => permuteKeys(x, next));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(shuffle(Object.entries(v as Obj), next).map(([k, x]) => [k, permuteKeys(x, next)]));
  }
  return v;
}

function renderDoc(obj: Obj, style: Style, index: number): string {
  const value = style.keySeed === undefined ? obj : permuteKeys(obj, rng(style.keySeed));
  const doc = new Document(value);
  if (style.collections === 'leafFlow') {
    visit(doc, {
      Seq(_, node) {
        if (node.items.every((x) => isScalar(x))) node.flow = true;
      },
      Map(_, node) {
        if (node.items.length > 0 && node.items.every((p) => isScalar(p.value))) node.flow = true;
      },
    });
  }
  if (style.comments) {
    doc.commentBefore = ` document ${index}: generated`;
    let n = 0;
    visit(doc, {
      Scalar(key, node) {
        if (key === 'value' && n++ % 3 === 0) node.comment = ' reviewed';
      },
    });
  }
  return doc.toString({
    collectionStyle: style.collections === 'flow' ? 'flow' : 'any',
    defaultStringType: style.strings,
    defaultKeyType: style.plainKeys ? 'PLAIN' : null,
    lineWidth: 0,
  });
}

/** Files in order of first appearance; a one-document file may become JSON (same path, `.json`). */
function render(repo: Repo, format: Style[]): Record<string, string> {
  const byFile = new Map<string, Obj[]>();
  for (const d of repo.docs) {
    const l = byFile.get(d.file);
    if (l) l.push(d.obj);
    else byFile.set(d.file, [d.obj]);
  }
  const out: Record<string, string> = {};
  let k = 0;
  for (const [file, objs] of byFile) {
    const fileStyle = format[k % format.length] ?? PLAIN_STYLE;
    if (fileStyle.json && objs.length === 1) {
      out[file.replace(/\.ya?ml$/, '.json')] = JSON.stringify(objs[0], null, 2) + '\n';
      k++;
      continue;
    }
    const parts = objs.map((o) => renderDoc(o, format[k++ % format.length] ?? PLAIN_STYLE, k));
    out[file] = (fileStyle.leadingSeparator ? '---\n' : '') + parts.join('---\n');
  }
  return out;
}

/** The text must mean the objects it was rendered from, or a property would test the renderer. */
function checkRendering(repo: Repo, files: Record<string, string>): void {
  const byFile = new Map<string, Obj[]>();
  for (const d of repo.docs) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d.obj]);
  for (const [file, objs] of byFile) {
    const json = file.replace(/\.ya?ml$/, '.json');
    const text = files[file] ?? files[json];
    expect(text, `rendered ${file}`).toBeDefined();
    const back = parseAllDocuments(text!).map((d) => d.toJS() as unknown);
    expect(back, `round trip of ${file}`).toEqual(objs);
  }
}

const show = (files: Record<string, string>) =>
  Object.entries(files)
    .map(([path, text]) => `# ----- ${path}\n${text}`)
    .join('\n');

function review(base: Record<string, string>, head: Record<string, string>): ReviewResult {
  const config = defaultConfig();
  return reviewSnapshots({ base: memorySnapshot('base', base), head: memorySnapshot('head', head), config, now: NOW });
}

const brief = (r: ReviewResult) =>
  r.findings
    .map((f) => `${f.ruleId} [${f.category}] ${f.workload ?? '-'}:${f.port ?? '*'} @${f.side}:${f.file}:${f.line} witness=${f.witness ?? '-'}`)
    .join('\n');

// ------------------------------------------------------------------ model queries

const clone = <T>(x: T): T => structuredClone(x);
const isKind = (d: Doc, kind: string) => d.obj.kind === kind && String(d.obj.apiVersion).startsWith(`${SECURITY}/`);
const nsOf = (d: Doc): string => d.obj.metadata?.namespace ?? 'default';
const effectiveAction = (d: Doc): Action => d.obj.spec?.action ?? 'ALLOW';
const isDryRun = (d: Doc) => d.obj.metadata?.annotations?.['istio.io/dry-run'] === 'true';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Obj)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function uniqueName(repo: Repo, kind: string, ns: string, wanted: string): string {
  const taken = new Set(repo.docs.filter((d) => d.obj.kind === kind && nsOf(d) === ns).map((d) => d.obj.metadata.name as string));
  let name = wanted;
  for (let i = 2; taken.has(name); i++) name = `${wanted}-${i}`;
  return name;
}

const matchLabelsOf = (d: Doc): Obj => d.obj.spec?.selector?.matchLabels ?? {};
const hasSelector = (d: Doc) => Object.keys(matchLabelsOf(d)).length > 0;

/** Two selectors that one pod could both satisfy. */
const compatible = (a: Obj, b: Obj) => Object.entries(a).every(([k, v]) => !(k in b) || b[k] === v);

const setMode = (m: unknown): m is 'DISABLE' | 'PERMISSIVE' | 'STRICT' => m === 'DISABLE' || m === 'PERMISSIVE' || m === 'STRICT';

/**
 * Every mode a workload of `ns` inherits from mesh and namespace level, one per choice of
 * the oldest policy at each level (a repository shows no timestamps).
 */
function inheritedModes(repo: Repo, ns: string): Set<string> {
  const pas = repo.docs.filter((d) => isKind(d, 'PeerAuthentication'));
  const mesh = pas.filter((d) => nsOf(d) === ROOT && !hasSelector(d));
  const nsLevel = pas.filter((d) => nsOf(d) === ns && !hasSelector(d));
  const out = new Set<string>();
  for (const m of mesh.length > 0 ? mesh : [undefined]) {
    for (const n of nsLevel.length > 0 ? nsLevel : [undefined]) {
      let mode = 'PERMISSIVE';
      const mm = m?.obj.spec?.mtls?.mode;
      if (setMode(mm)) mode = mm;
      const nm = n?.obj.spec?.mtls?.mode;
      if (setMode(nm)) mode = nm;
      out.add(mode);
    }
  }
  return out;
}

// ------------------------------------------------------------------ equivalence-preserving rewrites

type Rewrite = (repo: Repo, next: () => number) => Repo | undefined;

const pick = <T>(xs: readonly T[], next: () => number): T | undefined => (xs.length === 0 ? undefined : xs[Math.floor(next() * xs.length)]);

const apDocs = (repo: Repo) => repo.docs.filter((d) => isKind(d, 'AuthorizationPolicy'));

/** Mutates one AuthorizationPolicy chosen among those `ok` accepts. */
function onPolicy(repo: Repo, next: () => number, ok: (d: Doc) => boolean, edit: (d: Doc) => void): Repo | undefined {
  const out = clone(repo);
  const target = pick(apDocs(out).filter(ok), next);
  if (!target) return undefined;
  edit(target);
  return out;
}

const hasRules = (d: Doc) => Array.isArray(d.obj.spec?.rules) && d.obj.spec.rules.length > 0;

const HTTP_ONLY = ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts', 'requestPrincipals', 'notRequestPrincipals'];
/** Whether a rule uses a field only HTTP carries (in any source, operation or condition). */
const hasHttpOnlyField = (r: Obj): boolean =>
  [...((r.from as Obj[] | undefined) ?? []).map((f) => f.source as Obj), ...((r.to as Obj[] | undefined) ?? []).map((t) => t.operation as Obj)].some(
    (o) => !!o && HTTP_ONLY.some((k) => Array.isArray(o[k]) && (o[k] as unknown[]).length > 0),
  ) || ((r.when as Obj[] | undefined) ?? []).some((c) => typeof c.key === 'string' && /^request\./.test(c.key));

/** Shuffles every list that Istio reads as a set (OR of values, OR of from/to, AND of when). */
function shuffleSets(rule: Obj, next: () => number): Obj {
  const r = clone(rule);
  const shuffleValues = (o: Obj) => {
    for (const [k, v] of Object.entries(o)) if (Array.isArray(v)) o[k] = shuffle(v, next);
  };
  if (r.from) r.from = shuffle(r.from as Obj[], next).map((f) => (f.source && shuffleValues(f.source), f));
  if (r.to) r.to = shuffle(r.to as Obj[], next).map((t) => (t.operation && shuffleValues(t.operation), t));
  if (r.when) r.when = shuffle(r.when as Obj[], next).map((c) => (shuffleValues(c), c));
  return r;
}

/** A value matched by no more strings than `v` (Istio exact/prefix/suffix/presence, CIDR). */
function narrowValue(field: string, v: string): string {
  if (field === 'ipBlocks' || field === 'ip') {
    const [addr, len] = v.split('/');
    if (len === undefined) return v;
    const max = addr!.includes(':') ? 128 : 32;
    return `${addr}/${Math.min(max, Number(len) + 1)}`;
  }
  if (field === 'ports') return v;
  if (v === '*') {
    const any: Record<string, string> = {
      principals: `${TD}/ns/shop/sa/narrow`,
      namespaces: 'shop',
      methods: 'GET',
      paths: '/narrow',
      hosts: 'narrow.example.com',
    };
    return any[field] ?? 'narrow';
  }
  if (v.endsWith('*')) return `${v.slice(0, -1)}${field === 'paths' ? 'v1/*' : 'q*'}`;
  if (v.startsWith('*')) return `*q${v.slice(1)}`;
  return v;
}

const NEGATIVE_EXTRA: Record<string, string> = {
  notPrincipals: `${TD}/ns/extra/sa/extra`,
  notNamespaces: 'extra',
  notPaths: '/extra',
  notValues: 'extra',
};

/**
 * A copy of `rule` that matches a subset of its requests: one positive value list cut to one
 * narrower value, one negative list extended, entries of an OR list dropped, or a conjunct added.
 */
function narrowRule(rule: Obj, next: () => number): Obj {
  const r = clone(rule);
  type Slot = { holder: Obj; field: string; kind: string };
  const slots: Slot[] = [];
  for (const f of (r.from ?? []) as Obj[]) for (const field of Object.keys(f.source ?? {})) slots.push({ holder: f.source, field, kind: field });
  for (const t of (r.to ?? []) as Obj[]) for (const field of Object.keys(t.operation ?? {})) slots.push({ holder: t.operation, field, kind: field });
  for (const c of (r.when ?? []) as Obj[]) {
    for (const field of ['values', 'notValues']) if (c[field]) slots.push({ holder: c, field, kind: c.key === 'source.ip' ? 'ip' : field });
  }
  const strategies: (() => void)[] = [
    () => {
      r.when = [...((r.when ?? []) as Obj[]), { key: 'request.headers[x-narrow]', values: ['yes'] }];
    },
  ];
  if (!r.from) strategies.push(() => (r.from = [{ source: { ipBlocks: ['10.0.0.0/8'] } }]));
  if (!r.to) strategies.push(() => (r.to = [{ operation: { methods: ['GET'] } }]));
  // Keeping one of several from/to entries narrows only where the rule is generated at all: on a TCP
  // filter chain an HTTP-only field anywhere skips the whole ALLOW rule (builder.go), so dropping the
  // entry that held it would make the rule apply there, a widening. Only rules without one are cut so.
  if ((r.from?.length ?? 0) > 1 && !hasHttpOnlyField(r)) strategies.push(() => (r.from = [pick(r.from as Obj[], next)!]));
  if ((r.to?.length ?? 0) > 1 && !hasHttpOnlyField(r)) strategies.push(() => (r.to = [pick(r.to as Obj[], next)!]));
  if (slots.length > 0) {
    strategies.push(() => {
      const s = pick(slots, next)!;
      const values = s.holder[s.field] as string[];
      if (s.field.startsWith('not')) s.holder[s.field] = [...values, s.kind === 'ip' ? '192.0.2.1' : (NEGATIVE_EXTRA[s.field] ?? '9999')];
      else s.holder[s.field] = [narrowValue(s.kind, pick(values, next)!)];
    });
  }
  pick(strategies, next)!();
  return r;
}

const REWRITES: Record<string, Rewrite> = {
  /** Order of documents, across and within files. */
  shuffleDocuments: (repo, next) => ({ docs: shuffle(clone(repo.docs), next) }),
  /** Order of files, documents keeping their order inside each. */
  shuffleFiles: (repo, next) => {
    const files = shuffle([...new Set(repo.docs.map((d) => d.file))], next);
    return { docs: [...clone(repo.docs)].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file)) };
  },
  /** One document into another (or a new) file. Competing PeerAuthentications may swap order. */
  moveDocument: (repo, next) => {
    const out = clone(repo);
    const d = pick(out.docs, next);
    if (!d) return undefined;
    const files = [...new Set(out.docs.map((x) => x.file)), 'moved/elsewhere.yaml'];
    d.file = pick(files, next)!;
    // It joins the end of its new file.
    out.docs = [...out.docs.filter((x) => x !== d), d];
    return out;
  },
  shuffleRules: (repo, next) =>
    onPolicy(
      repo,
      next,
      (d) => hasRules(d) && d.obj.spec.rules.length > 1,
      (d) => (d.obj.spec.rules = shuffle(d.obj.spec.rules, next)),
    ),
  shuffleEntries: (repo, next) => {
    const out = clone(repo);
    for (const d of apDocs(out)) if (hasRules(d)) d.obj.spec.rules = (d.obj.spec.rules as Obj[]).map((r) => shuffleSets(r, next));
    for (const d of out.docs.filter((x) => isKind(x, 'PeerAuthentication') && x.obj.spec?.portLevelMtls)) {
      d.obj.spec.portLevelMtls = Object.fromEntries(shuffle(Object.entries(d.obj.spec.portLevelMtls as Obj), next));
    }
    return out;
  },
  /** One ALLOW (or DENY) with several rules becomes one policy per rule: same namespace and selector. */
  splitPolicy: (repo, next) => {
    const candidates = apDocs(repo).filter((d) => ['ALLOW', 'DENY'].includes(effectiveAction(d)) && !isDryRun(d) && hasRules(d) && d.obj.spec.rules.length > 1);
    const target = pick(candidates, next);
    if (!target) return undefined;
    const out: Repo = { docs: [] };
    const scratch: Repo = clone(repo);
    for (const d of repo.docs) {
      if (d !== target) {
        out.docs.push(clone(d));
        continue;
      }
      (d.obj.spec.rules as Obj[]).forEach((rule, i) => {
        const piece = clone(d);
        piece.obj.spec.rules = [rule];
        if (i > 0) {
          piece.obj.metadata.name = uniqueName(scratch, 'AuthorizationPolicy', nsOf(d), `${d.obj.metadata.name}-part${i}`);
          scratch.docs.push(piece);
        }
        out.docs.push(piece);
      });
    }
    return out;
  },
  /** ALLOW policies with an identical selector in one namespace become one: the union of their rules. */
  /**
   * ALLOW policies with an identical selector in one namespace become one: the union of their rules
   * (the same for DENY: any matching rule denies).
   */
  mergePolicies: (repo, next) => {
    const groups = new Map<string, Doc[]>();
    for (const d of apDocs(repo)) {
      const action = effectiveAction(d);
      if ((action !== 'ALLOW' && action !== 'DENY') || isDryRun(d)) continue;
      const k = `${action}|${nsOf(d)}|${canonical(d.obj.spec?.selector ?? null)}`;
      groups.set(k, [...(groups.get(k) ?? []), d]);
    }
    const group = pick(
      [...groups.values()].filter((g) => g.length > 1),
      next,
    );
    if (!group) return undefined;
    const members = shuffle(group, next).slice(0, Math.max(2, Math.floor(next() * group.length) + 1));
    const [keep, ...gone] = members;
    const out: Repo = { docs: [] };
    for (const d of repo.docs) {
      if (gone.includes(d)) continue;
      const c = clone(d);
      if (d === keep) c.obj.spec.rules = members.flatMap((m) => (m.obj.spec?.rules ?? []) as Obj[]);
      out.docs.push(c);
    }
    return out;
  },
  /**
   * A rule with several `from` (or `to`) entries becomes one rule per entry: OR distributes over AND.
   * Not for an ALLOW rule with an HTTP-only field: on a TCP port Istio skips such a rule whole
   * (builder.go), so splitting it lets its other entries through (pinned by a fixture, not a rewrite).
   */
  splitEntries: (repo, next) => {
    const splittable = (d: Doc) => (r: Obj) =>
      ((r.from?.length ?? 0) > 1 || (r.to?.length ?? 0) > 1) && !(effectiveAction(d) === 'ALLOW' && hasHttpOnlyField(r));
    return onPolicy(
      repo,
      next,
      (d) => hasRules(d) && (d.obj.spec.rules as Obj[]).some(splittable(d)),
      (d) => {
        const rules = d.obj.spec.rules as Obj[];
        const i = rules.findIndex(splittable(d));
        const rule = rules[i]!;
        const key = (rule.from?.length ?? 0) > 1 && ((rule.to?.length ?? 0) <= 1 || next() < 0.5) ? 'from' : 'to';
        rules.splice(i, 1, ...(rule[key] as Obj[]).map((entry) => ({ ...clone(rule), [key]: [entry] })));
      },
    );
  },
  /**
   * A positive value list split in two: in a source or operation, into two entries of the same
   * `from`/`to` list; in a `when` condition, into two rules (values are OR, fields and conditions AND).
   */
  splitValues: (repo, next) => {
    const out = clone(repo);
    type Site = { rules: Obj[]; i: number; apply: (rule: Obj) => Obj[] };
    const sites: Site[] = [];
    for (const d of apDocs(out)) {
      if (!hasRules(d)) continue;
      const rules = d.obj.spec.rules as Obj[];
      rules.forEach((rule, i) => {
        for (const [list, holderKey, fields] of [
          ['from', 'source', ['principals', 'namespaces', 'ipBlocks']],
          ['to', 'operation', ['methods', 'paths', 'hosts', 'ports']],
        ] as const) {
          ((rule[list] ?? []) as Obj[]).forEach((entry, j) => {
            for (const field of fields) {
              const values = entry[holderKey]?.[field] as string[] | undefined;
              if (!values || values.length < 2) continue;
              sites.push({
                rules,
                i,
                apply: (r) => {
                  const c = clone(r);
                  const [first, ...rest] = values;
                  const a = clone(entry);
                  a[holderKey][field] = [first];
                  const b = clone(entry);
                  b[holderKey][field] = rest;
                  (c[list] as Obj[]).splice(j, 1, a, b);
                  return [c];
                },
              });
            }
          });
        }
        ((rule.when ?? []) as Obj[]).forEach((cond, j) => {
          const values = cond.values as string[] | undefined;
          if (!values || values.length < 2) return;
          sites.push({
            rules,
            i,
            apply: (r) =>
              [[values[0]!], values.slice(1)].map((part) => {
                const c = clone(r);
                (c.when as Obj[])[j] = { ...clone(cond), values: part };
                return c;
              }),
          });
        });
      });
    }
    const site = pick(sites, next);
    if (!site) return undefined;
    site.rules.splice(site.i, 1, ...site.apply(site.rules[site.i]!));
    return out;
  },
  /**
   * A source field moved into the equivalent `when` condition (ipBlocks ≡ source.ip, principals ≡
   * source.principal, namespaces ≡ source.namespace, the `not` forms ≡ notValues), or `ports` into
   * `destination.port`; only where the rule has a single `from` (or `to`) entry, so AND is kept.
   */
  fieldToCondition: (repo, next) => {
    const KEYS: Record<string, [string, 'values' | 'notValues']> = {
      ipBlocks: ['source.ip', 'values'],
      principals: ['source.principal', 'values'],
      notPrincipals: ['source.principal', 'notValues'],
      namespaces: ['source.namespace', 'values'],
      notNamespaces: ['source.namespace', 'notValues'],
      ports: ['destination.port', 'values'],
    };
    const out = clone(repo);
    type Site = { rule: Obj; list: 'from' | 'to'; holder: 'source' | 'operation'; field: string };
    const sites: Site[] = [];
    for (const d of apDocs(out)) {
      for (const rule of (d.obj.spec?.rules ?? []) as Obj[]) {
        if (rule.from?.length === 1)
          for (const field of Object.keys(rule.from[0].source ?? {}))
            if (field in KEYS && field !== 'ports') sites.push({ rule, list: 'from', holder: 'source', field });
        if (rule.to?.length === 1 && rule.to[0].operation?.ports) sites.push({ rule, list: 'to', holder: 'operation', field: 'ports' });
      }
    }
    const site = pick(sites, next);
    if (!site) return undefined;
    const entry = site.rule[site.list][0][site.holder] as Obj;
    const [key, kind] = KEYS[site.field]!;
    site.rule.when = [...((site.rule.when ?? []) as Obj[]), { key, [kind]: entry[site.field] }];
    delete entry[site.field];
    if (Object.keys(entry).length === 0) delete site.rule[site.list];
    return out;
  },
  /** Hosts match case-insensitively (2.4.4). */
  hostCase: (repo, next) => {
    const out = clone(repo);
    const lists: string[][] = [];
    for (const d of apDocs(out))
      for (const rule of (d.obj.spec?.rules ?? []) as Obj[])
        for (const t of (rule.to ?? []) as Obj[]) for (const k of ['hosts', 'notHosts']) if (t.operation?.[k]) lists.push(t.operation[k]);
    const l = pick(lists, next);
    if (!l) return undefined;
    const i = Math.floor(next() * l.length);
    l[i] = [...l[i]!].map((c) => (next() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
    return out;
  },
  /**
   * No `rules` key, `rules: []` or `rules: null` (pruned by the API server): a policy without
   * rules either way (2.4.3).
   */
  noRulesSpelling: (repo, next) =>
    onPolicy(
      repo,
      next,
      (d) => !hasRules(d),
      (d) => {
        const spelling = pick(
          ['absent', 'empty', 'null'].filter((x) => x !== (d.obj.spec.rules === undefined ? 'absent' : d.obj.spec.rules === null ? 'null' : 'empty')),
          next,
        )!;
        if (spelling === 'absent') delete d.obj.spec.rules;
        else d.obj.spec.rules = spelling === 'empty' ? [] : null;
      },
    ),
  /**
   * A policy that decides nothing removed: AUDIT (never changes the decision), DENY or CUSTOM without
   * rules (matches nothing), any dry-run policy (not enforced). Reversed, such a policy is added.
   */
  dropNoOpPolicy: (repo, next) => {
    const noOp = (d: Doc) => isDryRun(d) || effectiveAction(d) === 'AUDIT' || (effectiveAction(d) !== 'ALLOW' && !hasRules(d));
    const target = pick(apDocs(repo).filter(noOp), next);
    if (!target) return undefined;
    return { docs: clone(repo.docs.filter((d) => d !== target)) };
  },
  /**
   * ALLOW `rules: [{}]` (allow-all) added where no ALLOW policy could apply to any pod it selects:
   * those pods allowed everything before (no ALLOW policy) and still do. Reversed, such a policy is
   * removed: not "allow-all restored", since nothing was restricted.
   */
  addAllowAll: (repo, next) => {
    const namespaces = [
      ...new Set(repo.docs.filter((d) => d.obj.kind === 'Namespace' && d.obj.metadata.name !== ROOT).map((d) => d.obj.metadata.name as string)),
    ];
    const ns = pick(namespaces, next);
    if (!ns) return undefined;
    const selector = pick<Obj | undefined>([undefined, { matchLabels: { app: pick(APPS, next)! } }, { matchLabels: { tier: pick(TIERS, next)! } }], next);
    const labels: Obj = selector?.matchLabels ?? {};
    const clash = apDocs(repo).some(
      (d) => effectiveAction(d) === 'ALLOW' && !isDryRun(d) && (nsOf(d) === ns || nsOf(d) === ROOT) && compatible(matchLabelsOf(d), labels),
    );
    if (clash) return undefined;
    const out = clone(repo);
    const name = uniqueName(out, 'AuthorizationPolicy', ns, 'allow-all');
    out.docs.push({ obj: authzObj(name, ns, { action: undefined, selector, rules: [{}], dryRun: false }), file: 'added/allow-all.yaml' });
    return out;
  },
  /** A value listed twice. */
  duplicateValue: (repo, next) => {
    const out = clone(repo);
    const lists: string[][] = [];
    for (const d of apDocs(out)) {
      for (const rule of (d.obj.spec?.rules ?? []) as Obj[]) {
        for (const f of (rule.from ?? []) as Obj[]) for (const v of Object.values((f.source ?? {}) as Obj)) lists.push(v);
        for (const t of (rule.to ?? []) as Obj[]) for (const v of Object.values((t.operation ?? {}) as Obj)) lists.push(v);
        for (const c of (rule.when ?? []) as Obj[]) for (const k of ['values', 'notValues']) if (c[k]) lists.push(c[k]);
      }
    }
    const l = pick(lists, next);
    if (!l) return undefined;
    l.splice(Math.floor(next() * (l.length + 1)), 0, pick(l, next)!);
    return out;
  },
  /** An unset mode spelt another way: no `mtls`, `mtls: {}`, `mtls: null`, `mode: UNSET` (2.2). */
  unsetSpelling: (repo, next) => {
    const out = clone(repo);
    const d = pick(
      out.docs.filter((x) => isKind(x, 'PeerAuthentication') && !setMode(x.obj.spec?.mtls?.mode)),
      next,
    );
    if (!d) return undefined;
    const spelling = pick(['absent', 'empty', 'UNSET', 'null'], next)!;
    if (spelling === 'absent') delete d.obj.spec.mtls;
    else if (spelling === 'empty') d.obj.spec.mtls = {};
    // The API server prunes null fields of a custom resource (not nullable in Istio's CRDs).
    else if (spelling === 'null') d.obj.spec.mtls = null;
    else d.obj.spec.mtls = { mode: 'UNSET' };
    return out;
  },
  /** A mesh- or namespace-wide PeerAuthentication without selector, or with an empty one (2.2 scope table). */
  emptySelector: (repo, next) => {
    const out = clone(repo);
    const d = pick(
      out.docs.filter((x) => isKind(x, 'PeerAuthentication') && !hasSelector(x)),
      next,
    );
    if (!d) return undefined;
    const spelling = pick(['absent', 'empty', 'emptyLabels'], next)!;
    if (spelling === 'absent') delete d.obj.spec.selector;
    else d.obj.spec.selector = spelling === 'empty' ? {} : { matchLabels: {} };
    return out;
  },
  /** A port-level mode that says what the policy says anyway: UNSET, or the policy's own (set) mode. */
  dropRedundantPortLevel: (repo, next) => {
    const out = clone(repo);
    const d = pick(
      out.docs.filter(
        (x) =>
          isKind(x, 'PeerAuthentication') &&
          hasSelector(x) &&
          Object.values((x.obj.spec?.portLevelMtls ?? {}) as Obj).some((p) => !setMode(p.mode) || p.mode === x.obj.spec?.mtls?.mode),
      ),
      next,
    );
    if (!d) return undefined;
    const own = d.obj.spec?.mtls?.mode;
    const kept = Object.entries(d.obj.spec.portLevelMtls as Obj).filter(([, p]) => setMode(p.mode) && p.mode !== own);
    if (kept.length > 0) d.obj.spec.portLevelMtls = Object.fromEntries(kept);
    else delete d.obj.spec.portLevelMtls;
    return out;
  },
  apiVersion: (repo, next) => {
    const out = clone(repo);
    for (const d of out.docs) {
      if (!String(d.obj.apiVersion).startsWith(`${SECURITY}/`) || next() < 0.5) continue;
      d.obj.apiVersion = d.obj.apiVersion === `${SECURITY}/v1` ? `${SECURITY}/v1beta1` : `${SECURITY}/v1`;
    }
    return out;
  },
  /** `action: ALLOW` written out or left to the default. */
  explicitAllow: (repo, next) =>
    onPolicy(
      repo,
      next,
      (d) => effectiveAction(d) === 'ALLOW',
      (d) => {
        if (d.obj.spec.action === undefined) d.obj.spec.action = 'ALLOW';
        else delete d.obj.spec.action;
      },
    ),
  duplicateRule: (repo, next) =>
    onPolicy(repo, next, hasRules, (d) => {
      const rules = d.obj.spec.rules as Obj[];
      rules.splice(Math.floor(next() * (rules.length + 1)), 0, clone(pick(rules, next)!));
    }),
  /** A rule matching a subset of an existing rule of the same policy (e.g. /api/v1/* next to /api/*). */
  addSubsumedRule: (repo, next) =>
    onPolicy(
      repo,
      next,
      (d) => hasRules(d) && !isDryRun(d),
      (d) => {
        const rules = d.obj.spec.rules as Obj[];
        rules.splice(Math.floor(next() * (rules.length + 1)), 0, narrowRule(pick(rules, next)!, next));
      },
    ),
  /**
   * A workload PeerAuthentication whose mode, and the mode of each of its ports, equals what the
   * workload inherits anyway (pitfall 1); a namespace-wide one whose mode is unset or equals the
   * mesh-wide mode; or a root-namespace PA with a selector (ignored, 2.2). None may have a competitor.
   */
  removeRedundantPeerAuthentication: (repo, next) => {
    const pas = repo.docs.filter((d) => isKind(d, 'PeerAuthentication'));
    const meshModes = (): Set<string> => {
      const mesh = pas.filter((o) => nsOf(o) === ROOT && !hasSelector(o));
      return new Set(mesh.length === 0 ? ['PERMISSIVE'] : mesh.map((o) => (setMode(o.obj.spec?.mtls?.mode) ? o.obj.spec.mtls.mode : 'PERMISSIVE')));
    };
    const removable = pas.filter((d) => {
      const own = d.obj.spec?.mtls?.mode;
      if (!hasSelector(d)) {
        // A namespace-wide PA without competitor whose mode is unset or what the mesh level says anyway.
        if (nsOf(d) === ROOT) return false;
        const rivals = pas.filter((o) => o !== d && nsOf(o) === nsOf(d) && !hasSelector(o));
        const mesh = meshModes();
        return rivals.length === 0 && (!setMode(own) || (mesh.size === 1 && mesh.has(own)));
      }
      if (nsOf(d) === ROOT) return true;
      // With a competitor at workload level the engine (rightly) assumes the weaker; removing one changes that.
      const rivals = pas.filter((o) => o !== d && nsOf(o) === nsOf(d) && hasSelector(o) && compatible(matchLabelsOf(o), matchLabelsOf(d)));
      if (rivals.length > 0) return false;
      const inherited = inheritedModes(repo, nsOf(d));
      if (inherited.size !== 1) return false;
      const [mode] = [...inherited];
      const wl = setMode(own) ? own : mode;
      if (wl !== mode) return false;
      return Object.values((d.obj.spec?.portLevelMtls ?? {}) as Obj).every((p) => (setMode(p.mode) ? p.mode : wl) === mode);
    });
    const target = pick(removable, next);
    if (!target) return undefined;
    return { docs: clone(repo.docs.filter((d) => d !== target)) };
  },
};

type RewriteName = keyof typeof REWRITES;
const REWRITE_NAMES = Object.keys(REWRITES);

const arbRewrites = fc.array(fc.record({ name: fc.constantFrom(...REWRITE_NAMES), seed: fc.integer() }), { minLength: 1, maxLength: 4 });

function applyRewrites(repo: Repo, steps: { name: RewriteName; seed: number }[]): { repo: Repo; applied: string[] } {
  let cur = repo;
  const applied: string[] = [];
  for (const s of steps) {
    const next = REWRITES[s.name]!(cur, rng(s.seed));
    if (next) {
      cur = next;
      applied.push(s.name);
    }
  }
  return { repo: cur, applied };
}

// ------------------------------------------------------------------ known broadenings

/**
 * Values that name callers of the three namespaces only: no wildcard, no negation. A caller
 * from a namespace outside them (e.g. `cluster.local/ns/untrusted/sa/default`) matches none.
 */
const KNOWN_PRINCIPALS = [`${TD}/ns/frontend/sa/web`, `${TD}/ns/shop/sa/web`, `${TD}/ns/batch/sa/default`, `${TD}/ns/batch/*`, `*/ns/frontend/sa/web`];
const KNOWN_NAMESPACES = ['shop', 'frontend', 'batch'];

/** Positive, satisfiable operation fields (the target port is HTTP). */
const arbPositiveOperation = (port: number): fc.Arbitrary<Obj> =>
  fc
    .record({ methods: list(METHODS, 2), paths: list(PATHS, 2), hosts: list(HOSTS, 2), ports: fc.constant([String(port)]) }, { requiredKeys: [] })
    .filter(fewKeys(2));

/** Nested ranges: any two of them (in ipBlocks and in a `source.ip` condition) intersect. */
const NESTED_IPS = ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.3'];

const arbPositiveCondition: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ key: fc.constantFrom(...HEADER_KEYS), values: list(HEADER_VALUES, 2) }),
  fc.record({ key: fc.constant('source.ip'), values: list(NESTED_IPS, 2) }),
);
/** One condition per key: two on one header could contradict each other. */
const arbPositiveWhen = (maxLength: number) => fc.uniqueArray(arbPositiveCondition, { minLength: 1, maxLength, selector: (c) => c.key as string });

/** A source that names known callers only: principals and/or namespaces, maybe narrowed by IP. */
const arbKnownSource: fc.Arbitrary<Obj> = fc
  .record({ principals: list(KNOWN_PRINCIPALS, 2), namespaces: list(KNOWN_NAMESPACES, 2), ipBlocks: list(NESTED_IPS, 2) }, { requiredKeys: [] })
  .filter((o) => o.principals !== undefined || o.namespaces !== undefined);

/** The source whose principals become "*": principals only, maybe with ipBlocks (both satisfiable). */
const arbPrincipalSource: fc.Arbitrary<Obj> = fc.record(
  { principals: list(KNOWN_PRINCIPALS, 2), ipBlocks: list(NESTED_IPS, 2) },
  { requiredKeys: ['principals'] },
);

const arbKnownRule = (port: number, source: fc.Arbitrary<Obj>): fc.Arbitrary<Obj> =>
  fc.record(
    {
      from: fc.array(
        source.map((s) => ({ source: s })),
        { minLength: 1, maxLength: 2 },
      ),
      to: fc.array(
        arbPositiveOperation(port).map((operation) => ({ operation })),
        { minLength: 1, maxLength: 2 },
      ),
      when: arbPositiveWhen(2),
    },
    { requiredKeys: ['from'] },
  );

type Scope = 'selector' | 'namespace' | 'root';
const arbScope = fc.constantFrom<Scope>('selector', 'selector', 'namespace', 'root');

function scoped(name: string, scope: Scope, ap: Omit<ApSpec, 'selector' | 'dryRun'>): Obj {
  const selector = scope === 'namespace' ? undefined : { matchLabels: { app: 'api' } };
  return authzObj(name, scope === 'root' ? ROOT : 'shop', { ...ap, selector, dryRun: false });
}

interface Target {
  port: 8080 | 9090;
  byName: boolean;
  /** A second container port served as TCP. */
  tcpPort: boolean;
  sa: string | undefined;
  /** frontend/web exists as a caller. */
  web: boolean;
}

const arbTarget: fc.Arbitrary<Target> = fc.record({
  port: fc.constantFrom(8080 as const, 9090 as const),
  byName: fc.boolean(),
  tcpPort: fc.boolean(),
  sa: fc.constantFrom(undefined, 'api'),
  web: fc.boolean(),
});

/** shop/api serving HTTP on `port` (Service port `http-…`), injected; optionally frontend/web. */
function targetObjs(t: Target): Obj[] {
  const ports = t.tcpPort ? [t.port, 5432] : [t.port];
  const objs = [
    namespaceObj('shop', 'enabled'),
    ...workloadObjs('shop', 'api', { tier: 'backend', version: undefined, sa: t.sa, ports, protocols: ['http', 'tcp'], targetByName: t.byName, service: true }),
  ];
  if (t.web) {
    objs.push(
      namespaceObj('frontend', 'enabled'),
      ...workloadObjs('frontend', 'web', {
        tier: 'edge',
        version: undefined,
        sa: 'web',
        ports: [8080],
        protocols: ['http'],
        targetByName: false,
        service: true,
      }),
    );
  }
  return objs;
}

interface WideningCase {
  target: Target;
  nsPa: 'none' | 'STRICT' | 'UNSET';
  wlPa: 'none' | 'STRICT' | 'UNSET';
  scope: Scope;
  changed: Obj;
  /** Which `from` entry of the changed rule gets `principals: ["*"]`. */
  entry: number;
  siblings: Obj[];
  position: number;
  otherAllows: { scope: Scope; rules: Obj[] }[];
  denies: { scope: Scope; rules: Obj[] }[];
  audit: boolean;
}

const arbWideningCase: fc.Arbitrary<WideningCase> = arbTarget.chain((target) =>
  fc.record({
    target: fc.constant(target),
    nsPa: fc.constantFrom('none' as const, 'STRICT' as const, 'UNSET' as const),
    wlPa: fc.constantFrom('none' as const, 'STRICT' as const, 'UNSET' as const),
    scope: arbScope,
    changed: arbKnownRule(target.port, arbPrincipalSource),
    entry: fc.nat(),
    siblings: fc.array(arbKnownRule(target.port, arbKnownSource), { maxLength: 2 }),
    position: fc.nat(),
    otherAllows: fc.array(fc.record({ scope: arbScope, rules: fc.array(arbKnownRule(target.port, arbKnownSource), { minLength: 1, maxLength: 2 }) }), {
      maxLength: 2,
    }),
    // DENY rules all name known callers in every `from` entry: they never deny an outsider.
    denies: fc.array(fc.record({ scope: arbScope, rules: fc.array(arbKnownRule(target.port, arbKnownSource), { minLength: 1, maxLength: 2 }) }), {
      maxLength: 2,
    }),
    audit: fc.boolean(),
  }),
);

/**
 * Before: under STRICT mTLS every ALLOW rule on shop/api names known callers only, so a peer from
 * another namespace is refused. After: one `from` entry's principals become "*"; that rule's other
 * fields are satisfiable and no DENY names the outsider, so the outsider is now allowed.
 */
function wideningRepos(c: WideningCase): { base: Repo; head: Repo } {
  const objs: Obj[] = [peerAuthObj('default', ROOT, { selector: undefined, mode: 'STRICT', portLevel: [] }), ...targetObjs(c.target)];
  if (c.nsPa !== 'none') objs.push(peerAuthObj('default', 'shop', { selector: undefined, mode: c.nsPa, portLevel: [] }));
  if (c.wlPa !== 'none') objs.push(peerAuthObj('api-mtls', 'shop', { selector: { matchLabels: { app: 'api' } }, mode: c.wlPa, portLevel: [] }));
  const rules = [...c.siblings];
  const at = c.position % (rules.length + 1);
  rules.splice(at, 0, c.changed);
  objs.push(scoped('api-allow', c.scope, { action: undefined, rules }));
  c.otherAllows.forEach((a, i) => objs.push(scoped(`api-allow-${i}`, a.scope, { action: 'ALLOW', rules: a.rules })));
  c.denies.forEach((d, i) => objs.push(scoped(`api-deny-${i}`, d.scope, { action: 'DENY', rules: d.rules })));
  if (c.audit) objs.push(scoped('api-audit', 'namespace', { action: 'AUDIT', rules: [{}] }));
  const base: Repo = { docs: objs.map((obj) => ({ obj, file: `${obj.metadata.namespace}/${String(obj.kind).toLowerCase()}.yaml` })) };
  const head = clone(base);
  const policy = head.docs.find((d) => d.obj.kind === 'AuthorizationPolicy' && d.obj.metadata.name === 'api-allow')!;
  const rule = policy.obj.spec.rules[at] as Obj;
  const from = rule.from as Obj[];
  from[c.entry % from.length]!.source.principals = ['*'];
  return { base, head };
}

const ADMIN_PATHS = ['/admin*', '/admin/*', '/admin'];
/** Prefixes disjoint from /admin: DENYs on them cannot cover what the deleted DENY denied. */
const OTHER_PATHS = ['/internal*', '/debug/*', '/metrics'];

interface DenyCase {
  target: Target;
  meshMode: ModeSpec | 'none';
  nsMode: ModeSpec | 'none';
  allowAll: { scope: Scope; extra: Obj[] } | undefined;
  deleted: { scope: Scope; rule: Obj; extra: Obj[] };
  otherDenies: { scope: Scope; rules: Obj[] }[];
  audit: boolean;
}

/** A source every transport mode admits some request of (negations name known callers only). */
const arbAnyModeSource: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ ipBlocks: list(NESTED_IPS, 2) }),
  fc.record({ notPrincipals: list(KNOWN_PRINCIPALS, 2) }),
  fc.record({ notNamespaces: list(KNOWN_NAMESPACES, 2) }),
);

const arbAdminRule: fc.Arbitrary<Obj> = fc.record(
  {
    to: fc
      .tuple(list(ADMIN_PATHS, 2), fc.option(list(METHODS, 2), { nil: undefined }))
      .map(([paths, methods]) => [{ operation: { paths, ...(methods ? { methods } : {}) } }]),
    from: fc.array(
      arbAnyModeSource.map((source) => ({ source })),
      { minLength: 1, maxLength: 2 },
    ),
    when: arbPositiveWhen(1),
  },
  { requiredKeys: ['to'] },
);

const arbOtherDenyRule: fc.Arbitrary<Obj> = fc.record(
  {
    to: list(OTHER_PATHS, 2).map((paths) => [{ operation: { paths } }]),
    from: fc.array(
      arbSource.map((source) => ({ source })),
      { minLength: 1, maxLength: 1 },
    ),
  },
  { requiredKeys: ['to'] },
);

const arbDenyCase: fc.Arbitrary<DenyCase> = fc.record({
  target: arbTarget,
  meshMode: fc.constantFrom<DenyCase['meshMode']>('none', 'STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET'),
  nsMode: fc.constantFrom<DenyCase['nsMode']>('none', 'none', 'STRICT', 'PERMISSIVE', 'DISABLE'),
  // ALLOW rules: [{}] makes every request allowed whatever other ALLOWs say (union).
  allowAll: fc.option(fc.record({ scope: arbScope, extra: fc.array(arbRule, { maxLength: 2 }) }), { nil: undefined }),
  deleted: fc.record({ scope: arbScope, rule: arbAdminRule, extra: fc.array(arbRule, { maxLength: 1 }) }),
  otherDenies: fc.array(fc.record({ scope: arbScope, rules: fc.array(arbOtherDenyRule, { minLength: 1, maxLength: 2 }) }), { maxLength: 2 }),
  audit: fc.boolean(),
});

/**
 * Before: a DENY on /admin… applies to shop/api, whose ALLOWs allow everything (or there are none).
 * After: that DENY is deleted. Other DENYs only cover disjoint prefixes and there is no CUSTOM, so
 * a request to /admin that the deleted rule matched is now allowed.
 */
function denyRepos(c: DenyCase): { base: Repo; head: Repo } {
  const objs: Obj[] = [...targetObjs(c.target)];
  if (c.meshMode !== 'none') objs.push(peerAuthObj('default', ROOT, { selector: undefined, mode: c.meshMode, portLevel: [] }));
  if (c.nsMode !== 'none') objs.push(peerAuthObj('default', 'shop', { selector: undefined, mode: c.nsMode, portLevel: [] }));
  if (c.allowAll) {
    objs.push(scoped('allow-all', c.allowAll.scope, { action: undefined, rules: [{}] }));
    c.allowAll.extra.forEach((r, i) => objs.push(scoped(`allow-${i}`, 'selector', { action: 'ALLOW', rules: [r] })));
  }
  c.otherDenies.forEach((d, i) => objs.push(scoped(`deny-other-${i}`, d.scope, { action: 'DENY', rules: d.rules })));
  if (c.audit) objs.push(scoped('audit', 'selector', { action: 'AUDIT', rules: [{}] }));
  const deleted = scoped('deny-admin', c.deleted.scope, { action: 'DENY', rules: [c.deleted.rule, ...c.deleted.extra] });
  const file = (obj: Obj) => `${obj.metadata.namespace}/${String(obj.kind).toLowerCase()}.yaml`;
  const head: Repo = { docs: objs.map((obj) => ({ obj, file: file(obj) })) };
  const base: Repo = { docs: [...clone(head.docs), { obj: deleted, file: 'deny-admin.yaml' }] };
  return { base, head };
}

/** The smallest repository pair that makes the engine's witness sampler run out of memory. */
const SPLIT_NAMESPACES = (() => {
  const app = [
    namespaceObj('shop', 'enabled'),
    ...workloadObjs('shop', 'api', {
      tier: undefined,
      version: undefined,
      sa: undefined,
      ports: [8080],
      protocols: ['http'],
      targetByName: false,
      service: false,
    }),
  ];
  const allow = (rules: Obj[]) => authzObj('api', 'shop', { action: undefined, selector: { matchLabels: { app: 'api' } }, rules, dryRun: false });
  const files = (policy: Obj) => render({ docs: [...app.map((obj) => ({ obj, file: 'app.yaml' })), { obj: policy, file: 'authz.yaml' }] }, [PLAIN_STYLE]);
  return {
    base: files(allow([{ from: [{ source: { namespaces: ['shop', 'batch'] } }] }])),
    head: files(allow([{ from: [{ source: { namespaces: ['shop'] } }] }, { from: [{ source: { namespaces: ['batch'] } }] }])),
  };
})();

// ------------------------------------------------------------------ properties

const RUNS = Number(process.env.PROPERTY_RUNS ?? 0) || undefined;

describe('equivalence properties (whole engine, generated Istio repositories)', () => {
  test('1. a repository reviewed against itself: no finding, no error, no crash', () => {
    fc.assert(
      fc.property(arbRepo, arbFormat, (repo, format) => {
        const files = render(repo, format);
        checkRendering(repo, files);
        const result = review(files, files);
        const msg = `repository:\n${show(files)}\nfindings:\n${brief(result)}\nerrors: ${JSON.stringify(result.errors)}`;
        expect(result.findings, msg).toEqual([]);
        expect(result.errors, msg).toEqual([]);
      }),
      { numRuns: RUNS ?? 150 },
    );
  });

  test('2. equivalence-preserving rewrites: no finding at all', () => {
    fc.assert(
      fc.property(arbRepo, arbFormat, arbFormat, arbRewrites, fc.boolean(), (repo, baseFormat, headFormat, steps, reverse) => {
        const { repo: rewritten, applied } = applyRewrites(repo, steps);
        // An equivalence holds both ways: reversed, a subsumed rule or a redundant PA is removed / added.
        const [before, after] = reverse ? [rewritten, repo] : [repo, rewritten];
        const base = render(before, baseFormat);
        const head = render(after, headFormat);
        checkRendering(before, base);
        checkRendering(after, head);
        const result = review(base, head);
        const msg = `rewrites${reverse ? ' (head → base)' : ''}: ${applied.join(', ') || '(reformatting only)'}\n===== base\n${show(base)}\n===== head\n${show(head)}\n===== findings\n${brief(result)}`;
        expect(result.findings, msg).toEqual([]);
      }),
      { numRuns: RUNS ?? 250 },
    );
  });
  test('3a. an ALLOW principal widened to "*" under STRICT is found (access-broadened on shop/api)', () => {
    fc.assert(
      fc.property(arbWideningCase, arbFormat, (c, format) => {
        const { base, head } = wideningRepos(c);
        const b = render(base, format);
        const h = render(head, format);
        const result = review(b, h);
        const msg = `===== base\n${show(b)}\n===== head\n${show(h)}\n===== findings\n${brief(result)}`;
        expect(result.errors, msg).toEqual([]);
        expect(
          result.findings.some((f) => f.category === 'access-broadened' && f.workload === 'shop/api'),
          msg,
        ).toBe(true);
      }),
      { numRuns: RUNS ?? 40 },
    );
  });

  test('3b. deleting a DENY that denied requests the ALLOWs allow is found (deny-policy-weakened on shop/api)', () => {
    fc.assert(
      fc.property(arbDenyCase, arbFormat, (c, format) => {
        const { base, head } = denyRepos(c);
        const b = render(base, format);
        const h = render(head, format);
        const result = review(b, h);
        const msg = `===== base\n${show(b)}\n===== head\n${show(h)}\n===== findings\n${brief(result)}`;
        expect(result.errors, msg).toEqual([]);
        expect(
          result.findings.some((f) => f.ruleId === 'deny-policy-weakened' && f.workload === 'shop/api'),
          msg,
        ).toBe(true);
      }),
      { numRuns: RUNS ?? 60 },
    );
  });
});

describe('engine bugs these properties found, fixed and pinned', () => {
  /** shop/api on 8080 under a mesh-wide STRICT PA, plus the given workload PeerAuthentications for app=api. */
  const competing = (pas: [string, Mode, [string, Mode][]][]): Record<string, string> =>
    render(
      {
        docs: [
          peerAuthObj('default', ROOT, { selector: undefined, mode: 'STRICT', portLevel: [] }),
          namespaceObj('shop', 'enabled'),
          ...workloadObjs('shop', 'api', {
            tier: undefined,
            version: undefined,
            sa: undefined,
            ports: [8080],
            protocols: ['http'],
            targetByName: false,
            service: true,
          }),
          ...pas.map(([name, mode, portLevel]) => peerAuthObj(name, 'shop', { selector: { matchLabels: { app: 'api' } }, mode, portLevel })),
        ].map((obj) => ({ obj, file: 'all.yaml' })),
      },
      [PLAIN_STYLE],
    );

  // Competing PAs were ranked by `spec.mtls.mode` alone, ties by document order: a reordering
  // changed the effective mode of port 8080 (found by property 2, shuffleDocuments).
  it('swapping two competing workload PeerAuthentications (STRICT, and STRICT with port 8080 PERMISSIVE) changes nothing', () => {
    const a: [string, Mode, [string, Mode][]] = ['api-strict', 'STRICT', []];
    const b: [string, Mode, [string, Mode][]] = ['api-port-permissive', 'STRICT', [['8080', 'PERMISSIVE']]];
    expect(brief(review(competing([a, b]), competing([b, a])))).toEqual('');
  });

  // UNSET ranked as the weakest mode although it inherits STRICT here, so the added PERMISSIVE
  // competitor was never assumed (mesh-semantics 2.2: "use the weaker for after").
  it('adding a PERMISSIVE workload PA next to an UNSET one (inheriting STRICT) is a weakening', () => {
    const result = review(
      competing([['api-unset', 'UNSET', []]]),
      competing([
        ['api-unset', 'UNSET', []],
        ['api-permissive', 'PERMISSIVE', []],
      ]),
    );
    expect(result.findings.map((f) => `${f.ruleId} ${f.workload}:${f.port}`)).toContain('transport-weakened shop/api:8080');
  });

  // `rules: null` read as an invalid policy (so absent: allow-all restored); the API server prunes it.
  it('`rules: []` written as `rules: null` changes nothing', () => {
    const files = (rules: Obj[] | null) =>
      render(
        {
          docs: [
            namespaceObj('batch', 'enabled'),
            { apiVersion: `${SECURITY}/v1`, kind: 'AuthorizationPolicy', metadata: { name: 'deny-all', namespace: 'batch' }, spec: { rules } },
          ].map((obj) => ({ obj, file: 'batch.yaml' })),
        },
        [PLAIN_STYLE],
      );
    expect(brief(review(files([]), files(null)))).toEqual('');
  });

  // Witness sampling once enumerated refa's word sets, exponential for suffix-shaped sets: this
  // smallest equivalent rewrite ran a 256 MB heap out of memory. A child process pins the bound.
  it('splitting `namespaces: [shop, batch]` into two rules is reviewed without running out of memory', () => {
    const src = (p: string) => JSON.stringify(fileURLToPath(new URL(`../../src/${p}`, import.meta.url)));
    const code = `
      import { defaultConfig } from ${src('config/schema.ts')};
      import { reviewSnapshots } from ${src('pipeline/review.ts')};
      import { memorySnapshot } from ${src('sources/memorySource.ts')};
      const files = ${JSON.stringify(SPLIT_NAMESPACES)};
      const r = reviewSnapshots({ base: memorySnapshot('base', files.base), head: memorySnapshot('head', files.head), config: defaultConfig() });
      process.stdout.write(JSON.stringify(r.findings));`;
    const child = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status, child.stderr.slice(0, 500)).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual([]);
  });
});
