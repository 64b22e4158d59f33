import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const APP = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: shop}
spec:
  selector: {matchLabels: {app: payments}}
  template:
    metadata: {labels: {app: payments}}
    spec:
      containers: [{name: app, image: x, ports: [{containerPort: 8080, name: http}]}]
---
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec:
  selector: {app: payments}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

const EXPOSED = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: payments, namespace: shop}
spec:
  hosts: [payments.example.com]
  gateways: [istio-system/public]
  http: [{route: [{destination: {host: payments}}]}]
`;

const pa = (mode: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: shop, namespace: shop}
spec:
  mtls: {mode: ${mode}}
`;

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('b', before), head: memorySnapshot('a', after), config: defaultConfig() });

describe('severity follows exposure (mesh-semantics §6)', () => {
  it('a namespace PA weakened on a workload a gateway exposes is raised from high to critical', () => {
    const r = review({ 'app.yaml': APP, 'pa.yaml': pa('STRICT'), 'gw.yaml': EXPOSED }, { 'app.yaml': APP, 'pa.yaml': pa('PERMISSIVE'), 'gw.yaml': EXPOSED });
    const f = r.findings.find((x) => x.ruleId === 'transport-weakened')!;
    expect(f.severity).toBe('critical');
    expect(f.message).toContain('gateway istio-system/public');
  });

  it('the same change without exposure stays high', () => {
    const r = review({ 'app.yaml': APP, 'pa.yaml': pa('STRICT') }, { 'app.yaml': APP, 'pa.yaml': pa('PERMISSIVE') });
    expect(r.findings.find((x) => x.ruleId === 'transport-weakened')!.severity).toBe('high');
  });
});

describe('competing DestinationRules', () => {
  const dr = (name: string, mode: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: shop}
spec:
  host: payments.shop.svc.cluster.local
  trafficPolicy: {tls: {mode: ${mode}}}
`;
  it('a second rule for the same host is reported as ambiguous, on the rule that was added', () => {
    const r = review(
      { 'app.yaml': APP, 'a.yaml': dr('a', 'ISTIO_MUTUAL') },
      { 'app.yaml': APP, 'a.yaml': dr('a', 'ISTIO_MUTUAL'), 'b.yaml': dr('b', 'ISTIO_MUTUAL') },
    );
    const amb = r.findings.filter((x) => x.category === 'policy-ambiguous');
    expect(amb).toHaveLength(1);
    expect(amb[0]!.file).toBe('b.yaml');
  });
  it('an ambiguity already present before is not reported again', () => {
    const both = { 'app.yaml': APP, 'a.yaml': dr('a', 'ISTIO_MUTUAL'), 'b.yaml': dr('b', 'ISTIO_MUTUAL') };
    expect(review(both, both).findings).toEqual([]);
  });
});
