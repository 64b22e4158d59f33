import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { computeEgress } from '../../../src/meshes/istio/egress.js';
import { buildWorkloadViews } from '../../../src/meshes/istio/workloadViews.js';
import { collectIstioResources } from '../../../src/meshes/istio/istioResources.js';
import { readMeshSettings } from '../../../src/meshes/istio/meshConfig.js';
import { requestVerdict } from '../../../src/policy/decideRequest.js';
import { DIM } from '../../../src/policy/requestSpace.js';

const LIMITS = { maxFileBytes: 1 << 20, maxDocuments: 100 };

const NS = (labels = '{}') => `apiVersion: v1\nkind: Namespace\nmetadata: {name: istio-ingress, labels: ${labels}}\n`;
const deployment = (labels: string, annotations: string, image: string, ports = '[{containerPort: 8443}]') => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw, namespace: istio-ingress}
spec:
  selector: {matchLabels: {app: gw}}
  template:
    metadata:
      labels: {app: gw, ${labels}}
      annotations: {${annotations}}
    spec:
      containers: [{name: istio-proxy, image: "${image}", ports: ${ports}}]
`;
const SERVICE = `---
apiVersion: v1
kind: Service
metadata: {name: gw, namespace: istio-ingress}
spec: {type: LoadBalancer, selector: {app: gw}, ports: [{name: https, port: 443, targetPort: 8443}]}
`;
const gatewayResource = (selector: string, servers: string) => `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {${selector}}
  servers: ${servers}
`;
const HTTPS_SIMPLE = '[{port: {number: 443, name: https, protocol: HTTPS}, tls: {mode: SIMPLE, credentialName: cert}, hosts: ["*"]}]';
const MESH_STRICT = `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
`;
const allowFrom = (source: string) => `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: corp, namespace: istio-ingress}
spec:
  selector: {matchLabels: {app: gw}}
  rules: [{from: [{source: ${source}}]}]
`;

function view(yaml: string) {
  const inv = buildInventory(parseFileContent('x.yaml', Buffer.from(yaml), LIMITS).resources, 'default');
  const views = buildWorkloadViews(inv, collectIstioResources(inv), readMeshSettings(inv, {}), 'weakest', []);
  const v = [...views.values()].find((x) => x.workload.name === 'gw' && !x.workload.potential);
  if (!v) throw new Error('no gateway workload');
  return v;
}

const PROXYV2 = 'docker.io/istio/proxyv2:1.22.0';
const INJECT_FALSE = 'sidecar.istio.io/inject: "false"';

/** What makes a pod an Istio gateway (gateway.ts recogniseGateway), and what stays "no proxy". */
describe('gateway recognition', () => {
  it.each([
    ['proxyv2 image, inject "false", namespace without injection labels', NS() + deployment(INJECT_FALSE, '', PROXYV2), 'gateway'],
    ['proxyv2 pinned by digest', NS() + deployment(INJECT_FALSE, '', 'gcr.io/istio-release/proxyv2@sha256:abc'), 'gateway'],
    [
      'Helm gateway chart: image auto, gateway template, inject "true"',
      NS() + deployment('istio: ingressgateway, sidecar.istio.io/inject: "true"', 'inject.istio.io/templates: gateway', 'auto'),
      'gateway',
    ],
    [
      'gateway template that the injector never applies (inject "false")',
      NS() + deployment(INJECT_FALSE, 'inject.istio.io/templates: gateway', 'auto'),
      'none',
    ],
    [
      'istio: ingressgateway label used by a Gateway selector',
      NS() + deployment(`istio: ingressgateway, ${INJECT_FALSE}`, '', 'registry.example.com/envoy:1') + gatewayResource('istio: ingressgateway', HTTPS_SIMPLE),
      'gateway',
    ],
    [
      'istio: *gateway label no Gateway selects',
      NS() + deployment(`istio: edgegateway, ${INJECT_FALSE}`, '', 'registry.example.com/edge:1') + gatewayResource('istio: ingressgateway', HTTPS_SIMPLE),
      'none',
    ],
    ['an ordinary app with inject "false"', NS('{istio-injection: enabled}') + deployment(INJECT_FALSE, '', 'registry.example.com/app:1'), 'none'],
    ['an image merely named like the proxy', NS() + deployment(INJECT_FALSE, '', 'registry.example.com/proxyv2-tools:1'), 'none'],
  ])('%s', (_name, yaml, kind) => {
    const v = view(yaml);
    expect(v.dataPlane.kind).toBe(kind);
    expect(v.dataPlane.proxied).toBe(kind !== 'none');
    expect(v.evaluate(8443).transport.mode === 'UNMANAGED').toBe(kind === 'none');
  });

  it('anchors the recognition on the proxy image', () => {
    const v = view(NS() + deployment(INJECT_FALSE, '', PROXYV2));
    expect(v.dataPlane.origin?.path).toEqual(['spec', 'template', 'spec', 'containers', 0, 'image']);
  });
});

/**
 * Gateway listeners take their TLS from the Gateway server (pilot/pkg/networking/core/gateway.go);
 * PeerAuthentication never applies to a router's server ports, even a mesh-wide STRICT.
 */
describe('what a gateway accepts', () => {
  const gw = (tls: string, extra = '') =>
    view(
      NS() +
        deployment(INJECT_FALSE, '', PROXYV2) +
        SERVICE +
        MESH_STRICT +
        gatewayResource('app: gw', `[{port: {number: 443, name: https, protocol: HTTPS}, ${tls} hosts: ["*"]}]`) +
        extra,
    );

  it.each([
    ['tls SIMPLE: external clients without peer identity, mesh STRICT notwithstanding', 'tls: {mode: SIMPLE, credentialName: c},', 'PLAINTEXT', '', 'allowed'],
    ['tls MUTUAL: a client certificate is required', 'tls: {mode: MUTUAL, credentialName: c},', 'STRICT', '', 'denied'],
    ['tls MUTUAL: any client certificate name', 'tls: {mode: MUTUAL, credentialName: c},', 'STRICT', 'partner.example/client', 'allowed'],
    ['tls OPTIONAL_MUTUAL: with or without a certificate', 'tls: {mode: OPTIONAL_MUTUAL, credentialName: c},', 'PERMISSIVE', '', 'allowed'],
    ['tls ISTIO_MUTUAL: Istio workload identities only', 'tls: {mode: ISTIO_MUTUAL},', 'STRICT', '', 'denied'],
    ['tls ISTIO_MUTUAL admits a mesh peer', 'tls: {mode: ISTIO_MUTUAL},', 'STRICT', 'cluster.local/ns/shop/sa/web', 'allowed'],
  ])('%s', (_name, tls, mode, principal, verdict) => {
    // Service port 443 → target port 8443: the Gateway server's port is the Service's (gateway.go resolvePorts).
    const e = gw(tls).evaluate(8443);
    expect(e.transport.mode).toBe(mode);
    expect(Object.keys(e.access)).toEqual(['http']);
    expect(requestVerdict(e.access.http!, { [DIM.principal]: principal, [DIM.path]: '/', [DIM.method]: 'GET' })).toBe(verdict);
  });

  it('judges source and remote IPs of the gateway policy', () => {
    const e = gw('tls: {mode: SIMPLE, credentialName: c},', allowFrom('{ipBlocks: ["10.0.0.0/8"], remoteIpBlocks: ["192.0.2.0/24"]}')).evaluate(8443);
    const req = (src: string, remote: string) => requestVerdict(e.access.http!, { [DIM.principal]: '', [DIM.sourceIp]: src, [DIM.remoteIp]: remote });
    expect(req('10.1.2.3', '192.0.2.9')).toBe('allowed');
    expect(req('203.0.113.7', '192.0.2.9')).toBe('denied');
    expect(req('10.1.2.3', '203.0.113.7')).toBe('denied');
  });

  it('a PASSTHROUGH server is a TCP listener: HTTP-only ALLOW rules match nothing there', () => {
    const e = gw('tls: {mode: PASSTHROUGH},').evaluate(8443);
    expect(Object.keys(e.access)).toEqual(['tcp']);
  });

  it('the Gateway server is the listener port, and it is a port the gateway declares', () => {
    const v = view(NS() + deployment(INJECT_FALSE, '', PROXYV2, '[]') + SERVICE + gatewayResource('app: gw', HTTPS_SIMPLE));
    expect(v.ports).toContain(8443);
    expect(v.declaredPorts).toContain(8443);
  });
});

describe('gateway ports', () => {
  it("Envoy's own ports (health 15021, stats 15090) are no Gateway listeners", () => {
    const v = view(NS() + deployment(INJECT_FALSE, '', PROXYV2, '[{containerPort: 15021}, {containerPort: 15090}, {containerPort: 8443}]') + SERVICE);
    expect(v.ports).toEqual([8443]);
  });
});

describe('gateway and PeerAuthentication', () => {
  it('a workload PeerAuthentication selecting the gateway changes neither its ports nor its transport', () => {
    const pa = `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: gw, namespace: istio-ingress}
spec: {selector: {matchLabels: {app: gw}}, mtls: {mode: STRICT}, portLevelMtls: {"9000": {mode: DISABLE}}}
`;
    const v = view(NS() + deployment(INJECT_FALSE, '', PROXYV2) + SERVICE + gatewayResource('app: gw', HTTPS_SIMPLE) + pa);
    expect(v.ports).toEqual([8443]);
    expect(v.evaluate(8443).transport.mode).toBe('PLAINTEXT');
    expect(v.governed).toBe(false);
  });
});

describe('gateway egress', () => {
  it('a gateway has no egress view: no outbound capture, and Sidecar resources do not configure it', () => {
    const yaml =
      NS() +
      deployment(INJECT_FALSE, '', PROXYV2) +
      deployment('', '', 'registry.example.com/app:1')
        .replace(/name: gw/, 'name: app')
        .replace(/app: gw/g, 'app: app')
        .replace('namespace: istio-ingress', 'namespace: shop');
    const inv = buildInventory(parseFileContent('x.yaml', Buffer.from(yaml), LIMITS).resources, 'default');
    const res = collectIstioResources(inv);
    const settings = readMeshSettings(inv, {});
    const egress = computeEgress(inv, res, settings, buildWorkloadViews(inv, res, settings, 'weakest', []));
    expect([...egress.keys()]).toEqual(['shop/Deployment/app']);
  });
});
