import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { computeIngress, ingressOriginFor } from '../../../src/meshes/istio/ingress.js';
import { collectIstioResources } from '../../../src/meshes/istio/istioResources.js';
import { readMeshSettings } from '../../../src/meshes/istio/meshConfig.js';
import type { IngressView } from '../../../src/policy/meshSide.js';

function ingress(yaml: string): Map<string, IngressView> {
  const parsed = parseFileContent('test.yaml', Buffer.from(yaml), { maxFileBytes: 1 << 20, maxDocuments: 1000 });
  expect(parsed.errors).toEqual([]);
  const inv = buildInventory(parsed.resources, 'default');
  const res = collectIstioResources(inv);
  expect(res.invalid).toEqual([]);
  return computeIngress(inv, res, readMeshSettings(inv, {}));
}

const gateway = (name: string, ns: string, hosts: string[]) => `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [${hosts.map((h) => `"${h}"`).join(', ')}]
`;

const vs = (name: string, ns: string, hosts: string[], gateways: string[], routes = '  http:\n  - route:\n    - destination: {host: api}\n') => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => `"${h}"`).join(', ')}]
  gateways: [${gateways.map((g) => `"${g}"`).join(', ')}]
${routes}`;

const PUBLIC = gateway('public', 'istio-system', ['*.example.com']);
const API = 'api.shop.svc.cluster.local';
/** PUBLIC with a TCP server too: Istio serves `tcp` routes on TCP (and terminated TLS) servers only, never on HTTP or HTTPS ones. */
const PUBLIC_WITH_TCP = PUBLIC.replace('  servers:\n', '  servers:\n  - port: {number: 31400, name: tcp, protocol: TCP}\n    hosts: ["*.example.com"]\n');

/** key -> sample of hosts checked against candidates, the compact thing the tables assert. */
function exposed(m: Map<string, IngressView>, candidates: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of m) out[k] = candidates.filter((c) => v.hosts.has(c));
  return out;
}

const HOSTS = ['shop.example.com', 'a.b.example.com', 'internal.corp', 'example.com'];

describe('computeIngress: VirtualService + Gateway', () => {
  const cases: { name: string; yaml: string; want: Record<string, string[]> }[] = [
    {
      name: 'exposed hosts are VS hosts ∩ gateway hosts',
      yaml: PUBLIC + vs('api', 'shop', ['shop.example.com', 'internal.corp'], ['istio-system/public']),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    {
      name: 'a VirtualService exported only to its own namespace is not seen by a gateway in another one',
      yaml: PUBLIC + vs('api', 'shop', ['shop.example.com'], ['istio-system/public']).replace('spec:\n', 'spec:\n  exportTo: ["."]\n'),
      want: {},
    },
    {
      name: 'a VirtualService exported to the gateway namespace is seen',
      yaml: PUBLIC + vs('api', 'shop', ['shop.example.com'], ['istio-system/public']).replace('spec:\n', 'spec:\n  exportTo: [".", "istio-system"]\n'),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    {
      name: 'a wildcard VS host is cut down to the gateway hosts',
      yaml: PUBLIC + vs('api', 'shop', ['*'], ['istio-system/public']),
      want: { [`${API}|istio-system/public`]: ['shop.example.com', 'a.b.example.com'] },
    },
    {
      name: 'host match is case-insensitive',
      yaml: PUBLIC + vs('api', 'shop', ['Shop.Example.COM'], ['istio-system/public']),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    { name: '"mesh" is not a gateway', yaml: PUBLIC + vs('api', 'shop', ['shop.example.com'], ['mesh']), want: {} },
    { name: 'no gateways at all means mesh', yaml: PUBLIC + vs('api', 'shop', ['shop.example.com'], []), want: {} },
    { name: 'disjoint hosts expose nothing', yaml: PUBLIC + vs('api', 'shop', ['internal.corp'], ['istio-system/public']), want: {} },
    {
      name: 'a short gateway name is in the VS namespace',
      yaml: gateway('edge', 'shop', ['*']) + vs('api', 'shop', ['shop.example.com'], ['edge']),
      want: { [`${API}|shop/edge`]: ['shop.example.com'] },
    },
    {
      name: 'legacy FQDN gateway name',
      yaml: PUBLIC + vs('api', 'shop', ['shop.example.com'], ['public.istio-system.svc.cluster.local']),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    {
      name: 'server host ns/ admits VirtualServices of that namespace',
      yaml: gateway('public', 'istio-system', ['shop/*.example.com']) + vs('api', 'shop', ['shop.example.com'], ['istio-system/public']),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    {
      name: 'server host ns/ refuses VirtualServices of other namespaces',
      yaml: gateway('public', 'istio-system', ['web/*', './*']) + vs('api', 'shop', ['shop.example.com'], ['istio-system/public']),
      want: {},
    },
    {
      name: 'a gateway not in the repository is assumed to admit every host',
      yaml: vs('api', 'shop', ['internal.corp'], ['istio-system/elsewhere']),
      want: { [`${API}|istio-system/elsewhere`]: ['internal.corp'] },
    },
    {
      name: 'backends are normalised FQDNs; tcp, tls and mirrors count (a tcp route matches connections: every host the gateway serves reaches it)',
      yaml:
        PUBLIC_WITH_TCP +
        vs(
          'api',
          'shop',
          ['shop.example.com'],
          ['istio-system/public'],
          '  http:\n  - route:\n    - destination: {host: API.shop.svc.cluster.local.}\n    mirror: {host: shadow}\n  tcp:\n  - route:\n    - destination: {host: db.data.svc.cluster.local}\n',
        ),
      want: {
        [`${API}|istio-system/public`]: ['shop.example.com'],
        'shadow.shop.svc.cluster.local|istio-system/public': ['shop.example.com'],
        'db.data.svc.cluster.local|istio-system/public': ['shop.example.com', 'a.b.example.com'],
      },
    },
    {
      name: 'routes no server of the gateway can carry: tcp on an HTTPS-only gateway, http matched to a port it does not listen on (Istio builds routes per server: gateway.go)',
      yaml:
        PUBLIC +
        vs(
          'api',
          'shop',
          ['shop.example.com'],
          ['istio-system/public'],
          '  http:\n  - match:\n    - port: 8080\n    route:\n    - destination: {host: api}\n  tcp:\n  - route:\n    - destination: {host: db.data.svc.cluster.local}\n',
        ),
      want: {},
    },
    {
      name: 'an http route matched to the port the gateway listens on is served',
      yaml:
        PUBLIC +
        vs('api', 'shop', ['shop.example.com'], ['istio-system/public'], '  http:\n  - match:\n    - port: 443\n    route:\n    - destination: {host: api}\n'),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    {
      name: 'a route whose matches name only mesh carries no gateway traffic',
      yaml:
        PUBLIC +
        vs(
          'api',
          'shop',
          ['shop.example.com'],
          ['mesh', 'istio-system/public'],
          '  http:\n  - match:\n    - gateways: [mesh]\n    route:\n    - destination: {host: internal}\n  - route:\n    - destination: {host: api}\n',
        ),
      want: { [`${API}|istio-system/public`]: ['shop.example.com'] },
    },
    {
      name: 'two VirtualServices to one backend through one gateway are unioned',
      yaml: PUBLIC + vs('a', 'shop', ['shop.example.com'], ['istio-system/public']) + vs('b', 'shop', ['*.b.example.com'], ['istio-system/public']),
      want: { [`${API}|istio-system/public`]: ['shop.example.com', 'a.b.example.com'] },
    },
  ];
  it.each(cases)('$name', ({ yaml, want }) => {
    expect(exposed(ingress(yaml), HOSTS)).toEqual(want);
  });

  it('anchors on the gateways entry, and each host on the VirtualService that exposed it', () => {
    const m = ingress(
      PUBLIC + vs('a', 'shop', ['shop.example.com'], ['mesh', 'istio-system/public']) + vs('b', 'shop', ['*.b.example.com'], ['istio-system/public']),
    );
    const v = m.get(`${API}|istio-system/public`)!;
    expect(v).toMatchObject({ backend: API, gateway: 'istio-system/public', origin: { path: ['spec', 'gateways', 1] } });
    expect(v.origin?.resource.name).toBe('a');
    expect(ingressOriginFor(v, 'a.b.example.com')?.resource.name).toBe('b');
  });
});

const GATEWAY_API = `
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ext, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    protocol: HTTPS
    port: 443
    hostname: "*.example.com"
    allowedRoutes:
      namespaces: {from: All}
  - name: same
    protocol: HTTP
    port: 8080
`;

const route = (kind: string, ns: string, body: string) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: ${kind}
metadata: {name: r, namespace: ${ns}}
spec:
${body}`;

const parent = '  parentRefs:\n  - {name: ext, namespace: infra}\n';
const toApi = '  rules:\n  - backendRefs:\n    - {name: api, port: 80}\n';

describe('computeIngress: Gateway API routes', () => {
  const cases: { name: string; yaml: string; want: Record<string, string[]> }[] = [
    {
      name: 'HTTPRoute hostnames ∩ listener hostname',
      yaml: GATEWAY_API + route('HTTPRoute', 'shop', parent + '  hostnames: [shop.example.com, internal.corp]\n' + toApi),
      want: { [`${API}|infra/ext`]: ['shop.example.com'] },
    },
    {
      name: 'no hostnames: whatever the listeners accept',
      yaml: GATEWAY_API + route('HTTPRoute', 'shop', parent + toApi),
      want: { [`${API}|infra/ext`]: ['shop.example.com', 'a.b.example.com'] },
    },
    {
      name: 'sectionName picks a listener whose default allowedRoutes is the same namespace',
      yaml: GATEWAY_API + route('HTTPRoute', 'shop', '  parentRefs:\n  - {name: ext, namespace: infra, sectionName: same}\n' + toApi),
      want: {},
    },
    {
      name: 'GRPCRoute is admitted by an HTTPS listener',
      yaml: GATEWAY_API + route('GRPCRoute', 'shop', parent + toApi),
      want: { [`${API}|infra/ext`]: ['shop.example.com', 'a.b.example.com'] },
    },
    { name: 'TCPRoute is not admitted by HTTP listeners', yaml: GATEWAY_API + route('TCPRoute', 'shop', parent + toApi), want: {} },
    {
      name: 'parentRef to a Service is mesh routing, not ingress',
      yaml: GATEWAY_API + route('HTTPRoute', 'shop', '  parentRefs:\n  - {group: "", kind: Service, name: api}\n' + toApi),
      want: {},
    },
    {
      name: 'a cross-namespace backend needs a ReferenceGrant',
      yaml: GATEWAY_API + route('HTTPRoute', 'web', parent + '  rules:\n  - backendRefs:\n    - {name: api, namespace: shop, port: 80}\n'),
      want: {},
    },
    {
      name: 'a cross-namespace backend with a ReferenceGrant',
      yaml:
        GATEWAY_API +
        route('HTTPRoute', 'web', parent + '  rules:\n  - backendRefs:\n    - {name: api, namespace: shop, port: 80}\n') +
        `
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-web, namespace: shop}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]
  to: [{group: "", kind: Service}]
`,
      want: { [`${API}|infra/ext`]: ['shop.example.com', 'a.b.example.com'] },
    },
    {
      name: 'a Gateway not in the repository is assumed to accept every host',
      yaml: route('HTTPRoute', 'shop', '  parentRefs:\n  - {name: ext}\n' + toApi),
      want: { [`${API}|shop/ext`]: HOSTS },
    },
    {
      name: 'other API groups are not Gateway API routes',
      yaml:
        GATEWAY_API +
        route('HTTPRoute', 'shop', parent + toApi).replace(
          'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute',
          'apiVersion: example.com/v1\nkind: HTTPRoute',
        ),
      want: {},
    },
    {
      name: 'wrong types are skipped',
      yaml: GATEWAY_API + route('HTTPRoute', 'shop', '  parentRefs: oops\n  hostnames: 7\n  rules: [{backendRefs: [{name: 5}]}]\n'),
      want: {},
    },
  ];
  it.each(cases)('$name', ({ yaml, want }) => {
    expect(exposed(ingress(yaml), HOSTS)).toEqual(want);
  });

  it('anchors on the parentRef', () => {
    const v = ingress(GATEWAY_API + route('HTTPRoute', 'shop', parent + toApi)).get(`${API}|infra/ext`)!;
    expect(v.origin).toMatchObject({ path: ['spec', 'parentRefs', 0] });
    expect(v.origin?.resource.kind).toBe('HTTPRoute');
  });

  it('allowedRoutes Selector reads the route namespace labels', () => {
    const gw = GATEWAY_API.replace('namespaces: {from: All}', 'namespaces: {from: Selector, selector: {matchLabels: {expose: "yes"}}}');
    const ns = (labels: string) => `\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: ${labels}}\n`;
    const r = route('HTTPRoute', 'shop', parent + toApi);
    expect(ingress(gw + ns('{expose: "yes"}') + r).size).toBe(1);
    expect(ingress(gw + ns('{expose: "no"}') + r).size).toBe(0);
  });
});
