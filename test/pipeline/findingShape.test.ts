/**
 * How changes become findings a reviewer reads: one finding per workload for one change
 * seen on many ports (issue 11 item 5), narrowings on ports only a policy names (item 6),
 * and the anchors of narrowings and strengthenings (item 7).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/findings/finding.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { renderJson } from '../../src/report/json.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const namespaces = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
`;

/** A Deployment whose pods declare `ports`, with a Service on the first one. */
const workload = (name: string, ports: number[]) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      serviceAccountName: ${name}
      containers:
        - name: ${name}
          image: ghcr.io/example/${name}:1.0.0
          ports:
${ports.map((p) => `            - containerPort: ${p}`).join('\n')}
`;

const meshPa = (mode: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: ${mode}
`;

const review = (before: Record<string, string>, after: Record<string, string>): Finding[] =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig() }).findings;

const summary = (fs: Finding[]) => fs.map((f) => `${f.ruleId} ${f.workload} ${f.ports ? f.ports.join(',') : f.port} @ ${f.side}:${f.file}:${f.line}`).sort();

describe('one change, one finding per workload (issue 11 item 5)', () => {
  const common = { 'ns.yaml': namespaces, 'cart.yaml': workload('cart', [9090, 3550, 8080]) };

  it('a mesh-wide STRICT → PERMISSIVE is one finding per rule for a workload with three ports, listing them', () => {
    const found = review({ ...common, 'mesh/pa.yaml': meshPa('STRICT') }, { ...common, 'mesh/pa.yaml': meshPa('PERMISSIVE') });
    const cart = found.filter((f) => f.workload === 'shop/cart');
    expect(summary(cart)).toEqual([
      'plaintext-access-allowed shop/cart 3550,8080,9090 @ after:mesh/pa.yaml:8',
      'transport-weakened shop/cart 3550,8080,9090 @ after:mesh/pa.yaml:8',
    ]);
    const weakened = cart.find((f) => f.ruleId === 'transport-weakened')!;
    expect(weakened.port).toBe(3550);
    expect(weakened.title).toBe('mTLS no longer required on shop/cart (ports 3550, 8080, 9090)');
    const json = JSON.parse(
      renderJson({
        findings: [weakened],
        errors: [],
        summary: { total: 1, bySeverity: {}, byCategory: {}, failOn: 'high', failed: true, worst: 'critical', filesParsed: 1, workloads: 1, errors: 0 },
      } as never),
    );
    expect(json.findings[0]).toMatchObject({ port: 3550, ports: [3550, 8080, 9090] });
  });

  it('a root-namespace ALLOW widened is one finding for the workload, not one per port', () => {
    const allow = (principal: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: mesh-allow
  namespace: istio-system
spec:
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["${principal}"]
`;
    const found = review(
      { ...common, 'mesh/pa.yaml': meshPa('STRICT'), 'mesh/allow.yaml': allow('cluster.local/ns/shop/sa/cart') },
      { ...common, 'mesh/pa.yaml': meshPa('STRICT'), 'mesh/allow.yaml': allow('cluster.local/ns/shop/*') },
    );
    expect(summary(found.filter((f) => f.workload === 'shop/cart'))).toEqual(['allow-policy-broadened shop/cart 3550,8080,9090 @ after:mesh/allow.yaml:11']);
  });

  it('ports whose answer changed differently stay apart', () => {
    const pa = (ports: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    matchLabels:
      app: cart
  mtls:
    mode: STRICT
  portLevelMtls:
${ports}`;
    const found = review(
      { ...common, 'cart-pa.yaml': pa('    8080:\n      mode: STRICT\n') },
      { ...common, 'cart-pa.yaml': pa('    8080:\n      mode: DISABLE\n    9090:\n      mode: PERMISSIVE\n') },
    );
    const weakened = found.filter((f) => f.ruleId === 'transport-weakened');
    expect(summary(weakened)).toEqual([
      'transport-weakened shop/cart 8080 @ after:cart-pa.yaml:14',
      'transport-weakened shop/cart 9090 @ after:cart-pa.yaml:16',
    ]);
  });
});

describe('ports only a policy names (issue 11 item 6)', () => {
  const common = { 'ns.yaml': namespaces, 'cart.yaml': workload('cart', [8080]), 'mesh/pa.yaml': meshPa('STRICT') };
  const allow = (rules: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: cart-admin
  namespace: shop
spec:
  selector:
    matchLabels:
      app: cart
  action: ALLOW
${rules}`;
  const onlyRule = '  rules:\n    - to:\n        - operation:\n            ports: ["9999"]\n';

  it('an ALLOW whose only rule (on such a port) becomes allow-nothing is an info narrowing there, with the note', () => {
    const found = review({ ...common, 'authz.yaml': allow(onlyRule) }, { ...common, 'authz.yaml': allow('') });
    expect(summary(found)).toEqual(['access-narrowed shop/cart 9999 @ before:authz.yaml:12']);
    const [narrowed] = found;
    expect(narrowed!.severity).toBe('info');
    expect(narrowed!.notes).toEqual([
      expect.stringMatching(/^shop\/cart declares no port 9999 \(it declares 8080\); only a policy names it\. Policy ports are the workload's target ports/),
    ]);
    const json = JSON.parse(
      renderJson({
        findings: found,
        errors: [],
        summary: { total: 1, bySeverity: {}, byCategory: {}, failOn: 'high', failed: false, worst: 'info', filesParsed: 1, workloads: 1, errors: 0 },
      } as never),
    );
    expect(json.findings[0].notes).toEqual(narrowed!.notes);
  });

  it('the widening back is reported too, with the same note', () => {
    const found = review({ ...common, 'authz.yaml': allow('') }, { ...common, 'authz.yaml': allow(onlyRule) });
    expect(summary(found)).toEqual(['allow-policy-broadened shop/cart 9999 @ after:authz.yaml:13']);
    expect(found[0]!.notes).toEqual([expect.stringContaining('declares no port 9999')]);
  });
});

describe('anchors of narrowings and strengthenings (issue 11 item 7)', () => {
  const common = { 'ns.yaml': namespaces, 'cart.yaml': workload('cart', [8080]), 'mesh/pa.yaml': meshPa('STRICT') };
  const exception = (body: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: cart-legacy
  namespace: shop
spec:
  selector:
    matchLabels:
      app: cart
${body}`;
  const portLevel = (mode: string) => exception(`  portLevelMtls:\n    8080:\n      mode: ${mode}\n`);
  const workloadLevel = (mode: string) => exception(`  mtls:\n    mode: ${mode}\n`);
  const both = (fs: Finding[]) => summary(fs.filter((f) => f.category === 'access-narrowed' || f.category === 'mtls-strengthened'));

  it.each([
    ['a portLevelMtls PERMISSIVE exception deleted', { 'cart-pa.yaml': portLevel('PERMISSIVE') }, {}, 'before:cart-pa.yaml:12'],
    [
      'a portLevelMtls PERMISSIVE exception made STRICT',
      { 'cart-pa.yaml': portLevel('PERMISSIVE') },
      { 'cart-pa.yaml': portLevel('STRICT') },
      'after:cart-pa.yaml:12',
    ],
    ['a workload-level PERMISSIVE exception deleted', { 'cart-pa.yaml': workloadLevel('PERMISSIVE') }, {}, 'before:cart-pa.yaml:11'],
    [
      'a workload-level PERMISSIVE exception made STRICT',
      { 'cart-pa.yaml': workloadLevel('PERMISSIVE') },
      { 'cart-pa.yaml': workloadLevel('STRICT') },
      'after:cart-pa.yaml:11',
    ],
  ])('%s: both findings on the exception, not on the unchanged mesh-wide STRICT', (_name, before, after, at) => {
    const found = both(review({ ...common, ...before }, { ...common, ...after }));
    expect(found).toEqual([`access-narrowed shop/cart 8080 @ ${at}`, `transport-strengthened shop/cart 8080 @ ${at}`]);
  });
});

describe('anchors of narrowings by policies that start to apply (issue 11 item 7, in general)', () => {
  const deny = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: internal-only
  namespace: shop
spec:
  selector:
    matchLabels:
      tier: internal
  action: DENY
  rules:
    - from:
        - source:
            notNamespaces: ["shop"]
`;
  it("an unchanged DENY that now selects the workload (a label was added) is the label's doing", () => {
    const common = { 'ns.yaml': namespaces, 'mesh/pa.yaml': meshPa('STRICT'), 'deny.yaml': deny };
    const labelled = workload('cart', [8080]).replace('        app: cart\n    spec:', '        app: cart\n        tier: internal\n    spec:');
    const found = review({ ...common, 'cart.yaml': workload('cart', [8080]) }, { ...common, 'cart.yaml': labelled });
    expect(summary(found)).toEqual(['access-narrowed shop/cart 8080 @ after:cart.yaml:14']);
  });
});

describe('witnesses a reviewer believes (issue 11 item 8)', () => {
  const common = {
    'ns.yaml': namespaces,
    'cart.yaml': workload('cart', [8080]),
    'svc.yaml': `apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    app: cart
  ports:
    - name: http
      port: 80
      targetPort: 8080
`,
  };
  const policy = (action: string, operation: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: cart-${action.toLowerCase()}
  namespace: shop
spec:
  selector:
    matchLabels:
      app: cart
  action: ${action}
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/shop/sa/cart"]
      to:
        - operation:
${operation}`;

  it('methods outside the common five are registered ones (HEAD), not `a`', () => {
    const found = review(
      { ...common, 'mesh/pa.yaml': meshPa('STRICT'), 'authz.yaml': policy('ALLOW', '            methods: ["GET", "POST", "PUT", "DELETE", "PATCH"]\n') },
      { ...common, 'mesh/pa.yaml': meshPa('STRICT'), 'authz.yaml': policy('ALLOW', '            paths: ["/*"]\n') },
    );
    expect(found.map((f) => f.witness)).toEqual(['mTLS peer cluster.local/ns/shop/sa/cart sending HEAD / to port 8080']);
  });

  it("paths look like the policy's own (`/x.json` for `*.json`)", () => {
    const found = review(
      { ...common, 'mesh/pa.yaml': meshPa('STRICT'), 'authz.yaml': policy('DENY', '            paths: ["*.json"]\n') },
      { ...common, 'mesh/pa.yaml': meshPa('STRICT'), 'authz.yaml': policy('DENY', '            paths: ["/private/*"]\n') },
    );
    expect(found.map((f) => `${f.ruleId}: ${f.witness}`)).toEqual([
      'deny-policy-weakened: mTLS peer cluster.local/ns/shop/sa/cart sending GET /x.json to port 8080',
      'access-narrowed: mTLS peer cluster.local/ns/shop/sa/cart sending GET /private/x to port 8080',
    ]);
  });

  it('a caller without mesh identity is described in words', () => {
    const found = review({ ...common, 'mesh/pa.yaml': meshPa('STRICT') }, { ...common, 'mesh/pa.yaml': meshPa('PERMISSIVE') });
    expect(found.find((f) => f.ruleId === 'transport-weakened' && f.workload === 'shop/cart')!.witness).toBe(
      'a caller outside the mesh (plaintext) opening a TCP connection to port 8080',
    );
  });
});
