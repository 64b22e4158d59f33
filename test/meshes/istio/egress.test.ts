import { describe, expect, it } from 'vitest';
import { buildInventory, type Inventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { computeEgress, egressOriginFor } from '../../../src/meshes/istio/egress.js';
import { collectIstioResources } from '../../../src/meshes/istio/istioResources.js';
import { readMeshSettings } from '../../../src/meshes/istio/meshConfig.js';
import { workloadKey, type EgressView, type WorkloadView } from '../../../src/policy/meshSide.js';

function load(yaml: string) {
  const parsed = parseFileContent('test.yaml', Buffer.from(yaml), { maxFileBytes: 1 << 20, maxDocuments: 1000 });
  expect(parsed.errors).toEqual([]);
  const inv = buildInventory(parsed.resources, 'default');
  return { inv, res: collectIstioResources(inv), settings: readMeshSettings(inv, {}) };
}

function views(inv: Inventory, unproxied: string[] = []): Map<string, WorkloadView> {
  return new Map(
    inv.workloads.map((w): [string, WorkloadView] => {
      const key = workloadKey(w);
      return [
        key,
        {
          key,
          workload: w,
          inputsKey: key,
          ports: [],
          dataPlane: { proxied: !unproxied.includes(w.name), kind: unproxied.includes(w.name) ? 'none' : 'sidecar', origin: undefined, why: 'test' },
          governed: false,
          evaluate: () => {
            throw new Error('not used by egress');
          },
          transport: () => {
            throw new Error('not used by egress');
          },
        },
      ];
    }),
  );
}

const deploy = (name: string, ns: string, labels = `{app: ${name}}`) => `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  template:
    metadata: {labels: ${labels}}
    spec: {containers: [{name: c}]}
`;

const WORKLOADS = deploy('cart', 'shop') + deploy('pay', 'shop') + deploy('batch', 'shop', '{app: batch, tier: jobs}') + deploy('web', 'web');

const REGISTRY_ONLY = `
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
`;

const se = (name: string, ns: string, hosts: string[], extra = '') => `
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => `"${h}"`).join(', ')}]
  location: MESH_EXTERNAL
${extra}`;

const sidecar = (name: string, ns: string, body: string) => `
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}`;

function egress(yaml: string, unproxied: string[] = []): Map<string, EgressView> {
  const { inv, res, settings } = load(WORKLOADS + yaml);
  expect(res.invalid).toEqual([]);
  return computeEgress(inv, res, settings, views(inv, unproxied));
}

const of = (m: Map<string, EgressView>, ns: string, name: string) => m.get(`${ns}/Deployment/${name}`)!;

describe('computeEgress: outbound traffic policy', () => {
  it('defaults to ALLOW_ANY when nothing says otherwise', () => {
    const v = of(egress(''), 'shop', 'cart');
    expect(v).toMatchObject({ key: 'shop/Deployment/cart', mode: 'ALLOW_ANY', origin: undefined });
    expect(v.hosts.has('anything.example')).toBe(true);
    expect(v.why).toContain('Istio default');
  });

  it('REGISTRY_ONLY with no ServiceEntry reaches nothing, anchored on the mesh config', () => {
    const v = of(egress(REGISTRY_ONLY), 'shop', 'cart');
    expect(v.mode).toBe('REGISTRY_ONLY');
    expect(v.hosts.isEmpty).toBe(true);
    expect(v.origin?.resource.kind).toBe('ConfigMap');
  });

  it('REGISTRY_ONLY reaches exactly the ServiceEntry hosts, case-insensitively', () => {
    const v = of(egress(REGISTRY_ONLY + se('stripe', 'shop', ['API.Stripe.com', 'hooks.stripe.com'])), 'web', 'web');
    expect(['api.stripe.com', 'hooks.stripe.com', 'evil.com', 'stripe.com'].map((h) => v.hosts.has(h))).toEqual([true, true, false, false]);
  });

  it('a wildcard ServiceEntry covers every name below it, not the domain itself', () => {
    const v = of(egress(REGISTRY_ONLY + se('any', 'shop', ['*.example.com'])), 'shop', 'cart');
    expect(['a.example.com', 'a.b.example.com', 'example.com', 'aexample.com'].map((h) => v.hosts.has(h))).toEqual([true, true, false, false]);
  });

  it('anchors a host on the ServiceEntry line that added it', () => {
    const v = of(egress(REGISTRY_ONLY + se('a', 'shop', ['a.com']) + se('b', 'shop', ['x.com', '*.b.com'])), 'shop', 'cart');
    expect(egressOriginFor(v, 'q.b.com')).toMatchObject({ path: ['spec', 'hosts', 1] });
    expect(egressOriginFor(v, 'q.b.com')?.resource.name).toBe('b');
    expect(egressOriginFor(v, 'nowhere.com')).toBe(v.origin);
  });

  it('hundreds of entries (more than one automaton chunk) keep exact membership', () => {
    const many = Array.from({ length: 300 }, (_, i) => se(`e${i}`, `ns${i % 7}`, [`host-${i}.vendor-${i}.example.com`, `*.tenant-${i}.saas.io`])).join('');
    const v = of(egress(REGISTRY_ONLY + many), 'shop', 'cart');
    const probes = [
      'host-0.vendor-0.example.com',
      'host-299.vendor-299.example.com',
      'x.tenant-150.saas.io',
      'tenant-150.saas.io',
      'host-1.vendor-2.example.com',
    ];
    expect(probes.map((h) => v.hosts.has(h))).toEqual([true, true, true, false, false]);
    expect(egressOriginFor(v, 'a.b.tenant-42.saas.io')?.resource.name).toBe('e42');
  });

  it('a host longer than DNS allows is ignored, not built', () => {
    const v = of(egress(REGISTRY_ONLY + se('long', 'shop', ['a'.repeat(20_000) + '.com', 'ok.com'])), 'shop', 'cart');
    expect([v.hosts.has('ok.com'), v.hosts.has('a'.repeat(20_000) + '.com')]).toEqual([true, false]);
  });

  it('only proxied workloads have a view', () => {
    const m = egress('', ['pay']);
    expect(m.has('shop/Deployment/cart')).toBe(true);
    expect(m.has('shop/Deployment/pay')).toBe(false);
  });

  it('workloads under the same Sidecar and namespace share one result', () => {
    const m = egress(REGISTRY_ONLY + se('a', 'shop', ['a.com']));
    expect(of(m, 'shop', 'cart').hosts).toBe(of(m, 'shop', 'pay').hosts);
  });
});

describe('computeEgress: exportTo', () => {
  const cases: { name: string; exportTo: string; shop: boolean; web: boolean }[] = [
    { name: 'unset: everywhere', exportTo: '', shop: true, web: true },
    { name: '"*": everywhere', exportTo: '  exportTo: ["*"]\n', shop: true, web: true },
    { name: '".": own namespace', exportTo: '  exportTo: ["."]\n', shop: true, web: false },
    { name: 'named namespace', exportTo: '  exportTo: [web]\n', shop: false, web: true },
    { name: '"~": nowhere', exportTo: '  exportTo: ["~"]\n', shop: false, web: false },
  ];
  it.each(cases)('$name', ({ exportTo, shop, web }) => {
    const m = egress(REGISTRY_ONLY + se('a', 'shop', ['a.com'], exportTo));
    expect([of(m, 'shop', 'cart').hosts.has('a.com'), of(m, 'web', 'web').hosts.has('a.com')]).toEqual([shop, web]);
  });
});

describe('computeEgress: Sidecar', () => {
  it('a namespace Sidecar overrides the mesh mode for its namespace only', () => {
    const m = egress(REGISTRY_ONLY + sidecar('default', 'shop', '  outboundTrafficPolicy: {mode: ALLOW_ANY}\n'));
    const shop = of(m, 'shop', 'cart');
    expect(shop.mode).toBe('ALLOW_ANY');
    expect(shop.origin).toMatchObject({ path: ['spec', 'outboundTrafficPolicy', 'mode'] });
    expect(shop.origin?.resource.kind).toBe('Sidecar');
    expect(shop.scope).toBe('namespace shop (Sidecar shop/default)');
    expect(of(m, 'web', 'web').mode).toBe('REGISTRY_ONLY');
  });

  it('a selecting Sidecar beats the namespace one; the root one covers namespaces without their own', () => {
    const m = egress(
      sidecar('mesh', 'istio-system', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n') +
        sidecar('default', 'shop', '  outboundTrafficPolicy: {mode: ALLOW_ANY}\n') +
        sidecar('jobs', 'shop', '  workloadSelector:\n    labels: {tier: jobs}\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n'),
    );
    expect([of(m, 'shop', 'cart').mode, of(m, 'shop', 'batch').mode, of(m, 'web', 'web').mode]).toEqual(['ALLOW_ANY', 'REGISTRY_ONLY', 'REGISTRY_ONLY']);
    expect(of(m, 'shop', 'batch').scope).toBe('workloads selected by Sidecar shop/jobs');
    expect(of(m, 'web', 'web').scope).toBe('namespace web (mesh-wide Sidecar istio-system/mesh)');
  });

  it('a Sidecar without a mode leaves the mesh mode in force', () => {
    const m = egress(REGISTRY_ONLY + sidecar('default', 'shop', '  egress:\n  - hosts: ["*/*"]\n'));
    expect(of(m, 'shop', 'cart').mode).toBe('REGISTRY_ONLY');
  });

  const entries = se('stripe', 'shop', ['api.stripe.com']) + se('any', 'web', ['*.example.com']);
  const cases: { name: string; hosts: string; reach: Record<string, boolean> }[] = [
    { name: '*/* imports everything', hosts: '"*/*"', reach: { 'api.stripe.com': true, 'a.example.com': true } },
    { name: './* imports the own namespace', hosts: '"./*"', reach: { 'api.stripe.com': true, 'a.example.com': false } },
    { name: 'ns/* imports one namespace', hosts: '"web/*"', reach: { 'api.stripe.com': false, 'a.example.com': true } },
    { name: '*/host narrows a wildcard entry', hosts: '"*/a.example.com"', reach: { 'api.stripe.com': false, 'a.example.com': true, 'b.example.com': false } },
    { name: '*/*.suffix as a pattern', hosts: '"*/*.stripe.com"', reach: { 'api.stripe.com': true, 'a.example.com': false } },
    { name: '~/* imports nothing', hosts: '"~/*"', reach: { 'api.stripe.com': false, 'a.example.com': false } },
  ];
  it.each(cases)('egress hosts: $name', ({ hosts, reach }) => {
    const m = egress(REGISTRY_ONLY + entries + sidecar('default', 'shop', `  egress:\n  - hosts: [${hosts}]\n`));
    const v = of(m, 'shop', 'cart');
    expect(Object.fromEntries(Object.keys(reach).map((h) => [h, v.hosts.has(h)]))).toEqual(reach);
    expect(v.why).toContain('limited by the egress hosts of Sidecar shop/default');
  });

  it('a Sidecar Istio rejects is absent', () => {
    const { inv, res, settings } = load(WORKLOADS + REGISTRY_ONLY + sidecar('default', 'shop', '  outboundTrafficPolicy: {mode: DENY_ALL}\n'));
    expect(res.invalid).toHaveLength(1);
    expect(of(computeEgress(inv, res, settings, views(inv)), 'shop', 'cart').mode).toBe('REGISTRY_ONLY');
  });
});

describe('computeEgress: invalid entries and wording', () => {
  it('a ServiceEntry with host "*" is rejected (ValidateServiceEntry) and opens nothing', () => {
    const { inv, res, settings } = load(WORKLOADS + REGISTRY_ONLY + se('all', 'shop', ['*']) + se('ok', 'shop', ['ok.com']));
    expect(res.invalid.map((i) => [i.resource.name, i.path])).toEqual([['all', ['spec', 'hosts', 0]]]);
    expect(res.serviceEntries.map((x) => x.resource.name)).toEqual(['ok']);
    const v = of(computeEgress(inv, res, settings, views(inv)), 'shop', 'cart');
    expect([v.hosts.has('ok.com'), v.hosts.has('anything.example')]).toEqual([true, false]);
  });

  it('a ServiceEntry without hosts is rejected', () => {
    const { res } = load(WORKLOADS + se('none', 'shop', []));
    expect(res.invalid.map((i) => i.resource.name)).toEqual(['none']);
  });

  it('names the pseudo-namespace of unseen pods in words', () => {
    const v = of(egress(REGISTRY_ONLY + deploy('ghost', 'any-namespace')), 'any-namespace', 'ghost');
    expect(v.scope).toBe('any other namespace');
    expect(v.why).not.toContain('any-namespace');
  });
});
