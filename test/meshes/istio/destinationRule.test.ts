import { describe, expect, it } from 'vitest';
import { buildInventory, type Inventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { computeClientPaths, findDestinationRuleConflicts } from '../../../src/meshes/istio/destinationRule.js';
import { collectIstioResources } from '../../../src/meshes/istio/istioResources.js';
import { readMeshSettings } from '../../../src/meshes/istio/meshConfig.js';
import { workloadKey, type ClientPath, type WorkloadView } from '../../../src/policy/meshSide.js';
import type { TransportMode } from '../../../src/policy/transport.js';

function load(yaml: string) {
  const parsed = parseFileContent('test.yaml', Buffer.from(yaml), { maxFileBytes: 1 << 20, maxDocuments: 1000 });
  expect(parsed.errors).toEqual([]);
  const inv = buildInventory(parsed.resources, 'default');
  return { inv, res: collectIstioResources(inv), settings: readMeshSettings(inv, {}) };
}

function views(inv: Inventory, proxied: (name: string) => boolean = () => true): Map<string, WorkloadView> {
  return new Map(
    inv.workloads.map((w): [string, WorkloadView] => {
      const key = workloadKey(w);
      return [
        key,
        {
          key,
          workload: w,
          inputsKey: key,
          ports: w.ports.map((p) => p.port),
          dataPlane: { proxied: proxied(w.name), kind: proxied(w.name) ? 'sidecar' : 'none', origin: undefined, why: 'test' },
          governed: false,
          evaluate: () => {
            throw new Error('not used by client paths');
          },
          transport: () => {
            throw new Error('not used by client paths');
          },
        },
      ];
    }),
  );
}

/** The server: Deployment shop/api listening on 8080 ("http"), Service api 80 -> http and 81 -> 8081. */
const SERVER = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        ports:
        - {containerPort: 8080, name: http}
        - {containerPort: 8081}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: admin, port: 81, targetPort: 8081}
`;

const SERVER_KEY = 'shop/Deployment/api';

function dr(name: string, ns: string, host: string, extra = ''): string {
  return `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${ns}}
spec:
  host: ${host}
${extra}`;
}

const tls = (mode: string) => `  trafficPolicy:\n    tls: {mode: ${mode}}\n`;

function paths(yaml: string, opts: { proxied?: boolean; mode?: TransportMode } = {}): Map<string, ClientPath> {
  const { inv, res, settings } = load(SERVER + yaml);
  expect(res.invalid).toEqual([]);
  return computeClientPaths(
    inv,
    res,
    settings,
    views(inv, () => opts.proxied ?? true),
    () => opts.mode ?? 'PERMISSIVE',
  );
}

/** scope -> "sends@resourceName" for port 8080, the compact thing the tables assert. */
function summary(ps: Map<string, ClientPath>, port = 8080): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of ps.values()) {
    if (p.port !== port) continue;
    const scope = p.key.slice(`${SERVER_KEY}:${port}:`.length);
    out[scope] = `${p.sends}@${p.origin?.resource.name ?? 'auto'}`;
  }
  return out;
}

describe('computeClientPaths: which DestinationRule applies', () => {
  const cases: { name: string; yaml: string; want: Record<string, string> }[] = [
    { name: 'no rule: auto-mTLS to a proxied server', yaml: '', want: { '*': 'mtls@auto' } },
    {
      name: 'root namespace rule applies to everyone',
      yaml: dr('mesh', 'istio-system', '"*.cluster.local"', tls('DISABLE')),
      want: { '*': 'plaintext@mesh' },
    },
    {
      name: 'service namespace beats root',
      yaml: dr('mesh', 'istio-system', '"*.cluster.local"', tls('DISABLE')) + dr('api', 'shop', 'api', tls('ISTIO_MUTUAL')),
      want: { '*': 'mtls@api' },
    },
    {
      name: 'client namespace beats service namespace',
      yaml: dr('api', 'shop', 'api', tls('ISTIO_MUTUAL')) + dr('to-api', 'web', 'api.shop.svc.cluster.local', tls('DISABLE')),
      want: { '*': 'mtls@api', web: 'plaintext@to-api' },
    },
    {
      name: 'exact host beats wildcard in the same namespace',
      yaml: dr('wild', 'shop', '"*.shop.svc.cluster.local"', tls('DISABLE')) + dr('api', 'shop', 'api', tls('ISTIO_MUTUAL')),
      want: { '*': 'mtls@api' },
    },
    {
      name: 'longer wildcard beats shorter wildcard',
      yaml: dr('short', 'shop', '"*.svc.cluster.local"', tls('ISTIO_MUTUAL')) + dr('long', 'shop', '"*.shop.svc.cluster.local"', tls('SIMPLE')),
      want: { '*': 'tls@long' },
    },
    {
      name: "short host resolves in the rule's namespace, not the service's",
      yaml: dr('api', 'web', 'api', tls('DISABLE')),
      want: { '*': 'mtls@auto' },
    },
    {
      name: 'exportTo "." limits a rule to its own namespace',
      yaml: dr('api', 'shop', 'api', tls('DISABLE') + '  exportTo: ["."]\n'),
      want: { '*': 'mtls@auto', shop: 'plaintext@api' },
    },
    {
      name: 'exportTo a namespace list',
      yaml: dr('api', 'shop', 'api', tls('DISABLE') + '  exportTo: [web]\n'),
      want: { '*': 'mtls@auto', web: 'plaintext@api' },
    },
    {
      name: 'exportTo "~" hides the rule from everyone',
      yaml: dr('api', 'shop', 'api', tls('DISABLE') + '  exportTo: ["~"]\n'),
      want: { '*': 'mtls@auto' },
    },
    {
      name: 'a more specific rule that is not exported hides a less specific exported one',
      yaml: dr('exact', 'shop', 'api', tls('ISTIO_MUTUAL') + '  exportTo: [web]\n') + dr('wild', 'shop', '"*.shop.svc.cluster.local"', tls('DISABLE')),
      want: { '*': 'mtls@auto', web: 'mtls@exact', shop: 'plaintext@wild' },
    },
    {
      name: 'workloadSelector rule is its own client scope',
      yaml: dr('legacy', 'web', 'api.shop.svc.cluster.local', tls('DISABLE') + '  workloadSelector:\n    matchLabels: {app: legacy}\n'),
      want: { '*': 'mtls@auto', 'web[app=legacy]': 'plaintext@legacy' },
    },
    {
      name: 'a selector rule winning on host leaves unselected clients of its namespace without a rule',
      yaml:
        dr('api', 'shop', 'api', tls('DISABLE')) +
        dr('legacy', 'web', 'api.shop.svc.cluster.local', tls('ISTIO_MUTUAL') + '  workloadSelector:\n    matchLabels: {app: legacy}\n'),
      want: { '*': 'plaintext@api', web: 'mtls@auto', 'web[app=legacy]': 'mtls@legacy' },
    },
    {
      name: 'subsets are ignored when the rule sets TLS itself',
      yaml: dr('api', 'shop', 'api', tls('ISTIO_MUTUAL') + '  subsets:\n  - name: v1\n    trafficPolicy:\n      tls: {mode: DISABLE}\n'),
      want: { '*': 'mtls@api' },
    },
    {
      name: 'subsets are read when the rule has nothing else',
      yaml: dr('api', 'shop', 'api', '  subsets:\n  - name: v1\n    labels: {v: "1"}\n    trafficPolicy:\n      tls: {mode: DISABLE}\n'),
      want: { '*': 'plaintext@api' },
    },
    {
      name: 'two rules for one host: the weakest is assumed',
      yaml: dr('a', 'shop', 'api', tls('ISTIO_MUTUAL')) + dr('b', 'shop', 'api.shop.svc.cluster.local', tls('DISABLE')),
      want: { '*': 'plaintext@b' },
    },
  ];
  it.each(cases)('$name', ({ yaml, want }) => {
    expect(summary(paths(yaml))).toEqual(want);
  });
});

describe('computeClientPaths: the setting inside a rule', () => {
  const portLevel = (entry: string) => `  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n    - port: {number: 80}\n${entry}`;
  const cases: { name: string; extra: string; want80: string; want81: string; path80: (string | number)[] | undefined }[] = [
    {
      name: 'port-level beats top-level for its port only',
      extra: portLevel('      tls: {mode: DISABLE}\n'),
      want80: 'plaintext@api',
      want81: 'mtls@api',
      path80: ['spec', 'trafficPolicy', 'portLevelSettings', 0, 'tls', 'mode'],
    },
    {
      name: 'a port-level entry without tls falls back to auto-mTLS, not to top-level',
      extra: `  trafficPolicy:\n    tls: {mode: DISABLE}\n    portLevelSettings:\n    - port: {number: 80}\n      connectionPool: {tcp: {maxConnections: 5}}\n`,
      want80: 'mtls@auto',
      want81: 'plaintext@api',
      path80: undefined,
    },
    {
      name: 'a tls block without mode is DISABLE',
      extra: `  trafficPolicy:\n    tls: {sni: api.example.com}\n`,
      want80: 'plaintext@api',
      want81: 'plaintext@api',
      path80: ['spec', 'trafficPolicy', 'tls'],
    },
    {
      name: 'MUTUAL is TLS with other certificates, not Istio mTLS',
      extra: tls('MUTUAL'),
      want80: 'tls@api',
      want81: 'tls@api',
      path80: ['spec', 'trafficPolicy', 'tls', 'mode'],
    },
  ];
  it.each(cases)('$name', ({ extra, want80, want81, path80 }) => {
    const ps = paths(dr('api', 'shop', 'api', extra));
    expect(summary(ps, 8080)).toEqual({ '*': want80 });
    expect(summary(ps, 8081)).toEqual({ '*': want81 });
    expect(ps.get(`${SERVER_KEY}:8080:*`)?.origin?.path).toEqual(path80);
  });

  it('anchors on the line of the deciding tls mode', () => {
    const p = paths(dr('api', 'shop', 'api', tls('DISABLE'))).get(`${SERVER_KEY}:8080:*`)!;
    expect(p.origin?.resource.kind).toBe('DestinationRule');
    expect(p.origin?.resource.locate(p.origin.path)).toBe(p.origin!.resource.line + 6);
  });
});

describe('computeClientPaths: auto-mTLS and the server', () => {
  it.each([
    { name: 'proxied PERMISSIVE server gets mTLS', proxied: true, mode: 'PERMISSIVE' as const, sends: 'mtls' },
    { name: 'proxied STRICT server gets mTLS', proxied: true, mode: 'STRICT' as const, sends: 'mtls' },
    { name: 'server with mTLS disabled gets plaintext', proxied: true, mode: 'PLAINTEXT' as const, sends: 'plaintext' },
    { name: 'unproxied server gets plaintext', proxied: false, mode: 'UNMANAGED' as const, sends: 'plaintext' },
  ])('$name', ({ proxied, mode, sends }) => {
    const p = paths('', { proxied, mode }).get(`${SERVER_KEY}:8080:*`)!;
    expect(p).toMatchObject({ sends, serverAccepts: mode, origin: undefined, host: 'api.shop.svc.cluster.local', port: 8080, server: SERVER_KEY });
  });

  it('an explicit mode is not changed by the server', () => {
    const p = paths(dr('api', 'shop', 'api', tls('ISTIO_MUTUAL')), { proxied: false, mode: 'UNMANAGED' }).get(`${SERVER_KEY}:8080:*`)!;
    expect(p.sends).toBe('mtls');
  });

  it('asks the server mode for the target port, named ports resolved through the container', () => {
    const { inv, res, settings } = load(SERVER);
    const asked: (number | null)[] = [];
    computeClientPaths(inv, res, settings, views(inv), (_k, port) => {
      asked.push(port);
      return 'STRICT';
    });
    expect(asked.sort()).toEqual([8080, 8081]);
  });

  it('skips a named targetPort the pod does not declare, and servers not in the map', () => {
    const { inv, res, settings } = load(SERVER.replace('targetPort: http', 'targetPort: web'));
    const ps = computeClientPaths(inv, res, settings, views(inv), () => 'PERMISSIVE');
    expect([...ps.keys()]).toEqual([`${SERVER_KEY}:8081:*`]);
    expect(computeClientPaths(inv, res, settings, new Map(), () => 'PERMISSIVE').size).toBe(0);
  });

  it('two Services on one target port keep the weaker path', () => {
    const second = `
---
apiVersion: v1
kind: Service
metadata: {name: api-legacy, namespace: shop}
spec:
  selector: {app: api}
  ports:
  - {port: 9000, targetPort: 8080}
`;
    const ps = paths(second + dr('legacy', 'shop', 'api-legacy', tls('DISABLE')));
    expect(ps.get(`${SERVER_KEY}:8080:*`)).toMatchObject({ sends: 'plaintext', host: 'api-legacy.shop.svc.cluster.local' });
  });
});

describe('computeClientPaths: rules Istio rejects are absent', () => {
  it.each([
    { name: 'lower-case mode', yaml: dr('api', 'shop', 'api', tls('disable')) },
    { name: 'unknown mode', yaml: dr('api', 'shop', 'api', tls('PLAIN')) },
    { name: 'missing host', yaml: dr('api', 'shop', 'api', tls('DISABLE')).replace('host: api', 'hots: api') },
  ])('$name', ({ yaml }) => {
    const { inv, res, settings } = load(SERVER + yaml);
    expect(res.invalid).toHaveLength(1);
    const ps = computeClientPaths(inv, res, settings, views(inv), () => 'PERMISSIVE');
    expect(summary(ps)).toEqual({ '*': 'mtls@auto' });
  });
});

describe('findDestinationRuleConflicts', () => {
  it('reports same-host rules in one namespace that both set a traffic policy', () => {
    const { res } = load(
      SERVER +
        dr('a', 'shop', 'api', tls('ISTIO_MUTUAL')) +
        dr('b', 'shop', 'api.shop.svc.cluster.local', tls('DISABLE')) +
        dr('c', 'web', 'api', tls('DISABLE')),
    );
    const conflicts = findDestinationRuleConflicts(res);
    expect(conflicts.map((c) => [c.namespace, c.host, c.rules.map((r) => r.resource.name)])).toEqual([['shop', 'api.shop.svc.cluster.local', ['a', 'b']]]);
  });
});
