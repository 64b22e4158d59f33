/**
 * One fixture per Istio change class (mesh-semantics.md section 6), per Istio
 * pitfall (section 7) and per equivalent rewrite, run through the whole engine.
 *
 * Expectations come from the semantics, not from what the engine prints. Each
 * row is checked in up to three parts so a known bug in one part does not hide
 * regressions in another:
 *   - effects:  which findings exist (ruleId, category, workload, port);
 *   - anchors:  the same plus the file, line and side of the field that caused
 *               each finding (the changed line on the `after` side; the deleted
 *               line on the `before` side when the cause was deleted);
 *   - severity: for the findings whose severity section 6 states.
 * A part the engine gets wrong is run with `it.fails` and the row says why in
 * `bug`; fixing the engine makes that test fail until the marker is removed.
 *
 * Findings in the categories `access-narrowed` and `mtls-strengthened` are left
 * out unless the row sets `all` (equivalences and the cases about narrowing).
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import type { Category, Finding, Severity, Side } from '../../src/findings/finding.js';
import { parseFileContent } from '../../src/manifests/parseFile.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import type { ReviewResult } from '../../src/pipeline/reviewResult.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/istio/', import.meta.url));

interface Expected {
  ruleId: string;
  category: Category;
  /** Only where mesh-semantics section 6 states it. */
  severity?: Severity;
  /** `ns/name`, or null for findings about no single workload. */
  workload: string | null;
  /** Container (target) port, or null. */
  port: number | null;
  /** Repo-relative path inside the case's before/ or after/ tree. */
  file: string;
  line: number;
  /** Side holding `line`; defaults to `after`. */
  side?: Side;
}

type Part = 'effects' | 'anchors' | 'severity';

interface Row {
  case: string;
  /** The change, and the semantics that decide the expectation. */
  why: string;
  expect: Expected[];
  /** Compare every finding, `access-narrowed` and `mtls-strengthened` included. */
  all?: boolean;
  /** Known engine disagreements, per part: that part runs as `it.fails`. */
  bug?: Partial<Record<Part, string>>;
}

// Shorthands for the findings that recur.
const W = {
  payments: 'shop/payments',
  ledger: 'shop/ledger',
  web: 'frontend/web',
} as const;
/** A pod the repository does not show, in any namespace (inventory/potentialWorkloads.ts). */
const ANY_POD = 'any-namespace/*';

type At = Pick<Expected, 'file' | 'line'> & { side?: Side; severity?: Severity };

const f = (ruleId: string, category: Category, workload: string | null, port: number | null, at: At): Expected => ({
  ruleId,
  category,
  workload,
  port,
  ...at,
});
const paWeakened = (w: string | null, port: number, at: At) => f('transport-weakened', 'mtls-weakened', w, port, at);
const plaintext = (w: string | null, port: number, at: At) => f('plaintext-access-allowed', 'access-broadened', w, port, at);
const allowBroadened = (w: string | null, port: number, at: At) => f('allow-policy-broadened', 'access-broadened', w, port, at);
const allowAllRestored = (w: string | null, port: number, at: At) => f('default-deny-lost', 'access-broadened', w, port, at);
const denyWeakened = (w: string | null, port: number, at: At) => f('deny-policy-weakened', 'access-broadened', w, port, at);
const sidecarRemoved = (w: string | null, port: number | null, at: At) => f('proxy-removed', 'mtls-weakened', w, port, at);
const unenforceable = (w: string | null, port: number, at: At) => f('policies-unenforceable', 'access-broadened', w, port, at);
const narrowed = (w: string | null, port: number, at: At) => f('access-narrowed', 'access-narrowed', w, port, at);
const invalidPolicy = (at: At) => f('invalid-policy', 'invalid-manifest', null, null, at);

/**
 * A mesh-wide transport weakening: mTLS lost and plaintext callers now allowed on every workload
 * without its own PA: the two in the repository, and the pods of every other namespace, which the
 * engine stands for with the potential workload `any-namespace/*` (no port known).
 */
const meshWide = (at: At): Expected[] =>
  (
    [
      [W.payments, 8080],
      [W.web, 8080],
      [ANY_POD, null],
    ] as const
  ).flatMap(([w, port]) => [
    f('transport-weakened', 'mtls-weakened', w, port, at),
    f('plaintext-access-allowed', 'access-broadened', w, port, { ...at, severity: undefined }),
  ]);

const ROWS: Row[] = [
  // ------------------------------------------------------------------ section 6, change classes
  {
    case: 'row01-mesh-pa-strict-to-permissive',
    why: 'Row 1 (§2.2): the mesh-wide PA in the root namespace goes STRICT → PERMISSIVE; no workload has its own PA or an ALLOW, so each workload port accepts plaintext (mtls-weakened, critical) and unauthenticated callers are now allowed (§1.3 access-broadened, row 4 note).',
    expect: meshWide({ file: 'mesh/peer-authentication.yaml', line: 9, severity: 'critical' }),
  },
  {
    case: 'row02-mesh-pa-strict-to-disable',
    why: 'Row 2 (§2.2): mesh-wide STRICT → DISABLE: plaintext only, identity-based rules stop matching; no ALLOW policies, so plaintext callers are allowed.',
    expect: meshWide({ file: 'mesh/peer-authentication.yaml', line: 9, severity: 'critical' }),
  },
  {
    case: 'row02-mesh-pa-removed',
    why: 'Row 2: the STRICT mesh-wide PA is deleted; with nothing else set the default is PERMISSIVE (§2.2 step 2). The cause is a deleted line, so the anchor is on the before side.',
    expect: meshWide({ file: 'mesh/peer-authentication.yaml', line: 9, side: 'before', severity: 'critical' }),
  },
  {
    case: 'row03-namespace-pa-strict-to-permissive',
    why: 'Row 3: namespace PA in shop STRICT → PERMISSIVE. payments keeps its principal-based ALLOW, which plaintext (no identity) never matches (§2.4.4), so only transport weakens; frontend/web is untouched.',
    expect: [paWeakened(W.payments, 8080, { file: 'shop/peer-authentication.yaml', line: 9, severity: 'high' })],
  },
  {
    case: 'row04-workload-pa-to-permissive',
    why: 'Row 4: the workload PA for payments goes STRICT → PERMISSIVE under a STRICT namespace PA; the workload level wins (§2.2 step 5). No ALLOW on payments, so plaintext callers are also allowed (row 4 note).',
    expect: [
      paWeakened(W.payments, 8080, { file: 'shop/peer-authentication.yaml', line: 21, severity: 'high' }),
      plaintext(W.payments, 8080, { file: 'shop/peer-authentication.yaml', line: 21 }),
    ],
  },
  {
    case: 'row04-port-level-disable',
    why: 'Row 4: `portLevelMtls: {9090: DISABLE}` is added to the payments workload PA; only container port 9090 drops to plaintext (§2.2 step 6), 8080 stays STRICT.',
    expect: [
      paWeakened(W.payments, 9090, { file: 'shop/peer-authentication.yaml', line: 15, severity: 'high' }),
      plaintext(W.payments, 9090, { file: 'shop/peer-authentication.yaml', line: 15 }),
    ],
  },
  {
    case: 'row05-destination-rule-tls-disable',
    why: 'Row 5 (§2.3): the DestinationRule for payments goes ISTIO_MUTUAL → DISABLE while the server (namespace PA) is PERMISSIVE: every client now sends plaintext that the server accepts.',
    expect: [f('client-transport-weakened', 'mtls-weakened', W.payments, 8080, { file: 'shop/destination-rule.yaml', line: 11, severity: 'high' })],
  },
  {
    case: 'row07-injection-disabled-governed',
    why: 'Row 7 (§2.1): pod-template label `sidecar.istio.io/inject: "false"` on payments, which has an ALLOW policy and an inherited STRICT PA: mTLS is lost and every policy becomes unenforceable (one finding each, critical).',
    expect: [
      sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 24, severity: 'critical' }),
      unenforceable(W.payments, 8080, { file: 'shop/payments.yaml', line: 24, severity: 'critical' }),
    ],
  },
  {
    case: 'row08-injection-disabled-ungoverned',
    why: 'Row 8: the same label on payments with no PeerAuthentication or AuthorizationPolicy anywhere: transport drops PERMISSIVE → UNMANAGED (high); access was already allow-all, so nothing broadens.',
    expect: [sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 24, severity: 'high' })],
  },
  {
    case: 'row09-port-excluded-from-proxy',
    why: 'Row 9 (§2.1): `traffic.sidecar.istio.io/excludeInboundPorts: "8080"` makes port 8080 bypass Envoy: mTLS and authorization are gone on that port (high, per row 9).',
    expect: [
      f('port-bypasses-proxy', 'mtls-weakened', W.payments, 8080, { file: 'shop/payments.yaml', line: 25, severity: 'high' }),
      unenforceable(W.payments, 8080, { file: 'shop/payments.yaml', line: 25, severity: 'high' }),
    ],
  },
  {
    case: 'row10-deny-removed',
    why: 'Row 10 (§2.4.2): the DENY on /admin/* is deleted; web may now reach /admin/* (DENY beat its ALLOW). Anchor: the deleted rule, before side.',
    expect: [denyWeakened(W.payments, 8080, { file: 'shop/deny-admin.yaml', line: 13, side: 'before', severity: 'high' })],
  },
  {
    case: 'row10-deny-narrowed',
    why: 'Row 10: the DENY path narrows /admin/* → /admin/users/*; /admin/other is no longer denied. Anchor: the changed `paths:` line.',
    expect: [denyWeakened(W.payments, 8080, { file: 'shop/deny-admin.yaml', line: 15, severity: 'high' })],
  },
  {
    case: 'row11-last-allow-removed',
    why: "Row 11 / pitfall 2 (§2.4.2): the only ALLOW on payments is deleted: deny-by-default turns into allow-all. Anchor: the deleted policy's spec, before side.",
    expect: [allowAllRestored(W.payments, 8080, { file: 'shop/authz.yaml', line: 7, side: 'before', severity: 'high' })],
  },
  {
    case: 'row12-one-of-two-allows-removed',
    why: 'Row 12: one of two ALLOWs on payments is deleted; the union shrinks (batch/reconciler loses access): access-narrowed, info. Anchor: the deleted rule, before side.',
    all: true,
    expect: [narrowed(W.payments, 8080, { file: 'shop/authz.yaml', line: 27, side: 'before', severity: 'info' })],
  },
  {
    case: 'row13-principals-wildcard',
    why: 'Row 13 (§2.4.4): the ALLOW principal becomes "*": any authenticated peer may call payments. Anchor: the changed `principals:` line.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 14, severity: 'high' })],
  },
  {
    case: 'row13-from-removed',
    why: 'Row 13: the rule loses its `from`, so any caller may use GET/POST /api/v1/*. Anchor: the rule line whose `from` was removed.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 12, severity: 'high' })],
  },
  {
    case: 'row13b-paths-widened',
    why: 'Row 13b: the ALLOW path widens /api/v1/* → /api/*: the same caller reaches more of payments. Anchor: the changed `paths:` line.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 18, severity: 'high' })],
  },
  {
    case: 'row14-allow-all-rule-added',
    why: 'Row 14 (§2.4.3): a new ALLOW with `rules: [{}]` on payments, which had a restrictive ALLOW: allow-all.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/allow-loadtest.yaml', line: 12, severity: 'high' })],
  },
  {
    case: 'row15-root-allow-all',
    why: 'Row 15 (§2.4.1): ALLOW `rules: [{}]` without selector in the root namespace applies to every workload: payments (deny-by-default) becomes allow-all (critical); frontend/web had no ALLOW, so it stays allow-all.',
    expect: [allowBroadened(W.payments, 8080, { file: 'mesh/allow-all.yaml', line: 10, severity: 'critical' })],
  },
  {
    case: 'row16-allow-nothing-removed',
    why: 'Row 16 (§2.4.3): the namespace `spec: {}` allow-nothing in shop is deleted: ledger (no other ALLOW) returns to allow-all; payments keeps its own ALLOW, so its access is unchanged.',
    expect: [allowAllRestored(W.ledger, 8080, { file: 'shop/authz.yaml', line: 7, side: 'before', severity: 'high' })],
  },
  {
    case: 'row17-deny-invalid-condition-key',
    why: 'Row 17 (§2.4.7): a `when` key typo (`request.header[...]`, not `request.headers[...]`) makes the DENY invalid; istiod rejects it, so it is absent: /admin/* is reachable again. Both findings anchor on the invalid key.',
    expect: [
      invalidPolicy({ file: 'shop/deny-admin.yaml', line: 17 }),
      denyWeakened(W.payments, 8080, { file: 'shop/deny-admin.yaml', line: 17, severity: 'high' }),
    ],
  },
  {
    case: 'row17-deny-invalid-cidr',
    why: 'Row 17 (§2.4.7): "198.51.100.0/33" is not a CIDR; validation (ValidateIPs) rejects the whole DENY, so the quarantined subnet is no longer denied.',
    expect: [
      invalidPolicy({ file: 'shop/deny-quarantine.yaml', line: 15 }),
      denyWeakened(W.payments, 8080, { file: 'shop/deny-quarantine.yaml', line: 15, severity: 'high' }),
    ],
  },
  {
    case: 'row18-deny-dry-run',
    why: 'Row 18 (§2.4.1): `istio.io/dry-run: "true"` on the DENY: it is only logged, so /admin/* is reachable.',
    expect: [f('policy-audit-only', 'access-broadened', W.payments, 8080, { file: 'shop/deny-admin.yaml', line: 8, severity: 'high' })],
  },
  {
    case: 'row19-custom-removed',
    why: 'Row 19 (§2.4.2): the CUSTOM (ext-authz) policy is deleted: requests to /v1/* are no longer checked (medium).',
    expect: [f('external-authz-removed', 'access-broadened', W.payments, 8080, { file: 'shop/ext-authz.yaml', line: 15, side: 'before', severity: 'medium' })],
  },
  {
    case: 'row35-outbound-allow-any',
    why: 'Row 35 (§2.5): meshConfig outboundTrafficPolicy REGISTRY_ONLY → ALLOW_ANY in the IstioOperator: any external host is reachable (one mesh-wide finding).',
    expect: [f('egress-broadened', 'egress-broadened', null, null, { file: 'mesh/istio-operator.yaml', line: 11, severity: 'medium' })],
  },
  {
    case: 'row36-wildcard-service-entry',
    why: 'Row 36 (§2.5): under REGISTRY_ONLY a new ServiceEntry for *.googleapis.com (exported to all namespaces) opens egress to those hosts (low).',
    expect: [f('egress-broadened', 'egress-broadened', null, null, { file: 'shop/egress.yaml', line: 8, severity: 'low' })],
  },
  {
    case: 'custom-replaced-by-allow-all-under-allow-nothing',
    why: 'Row 14 / §2.4.2: beside a root allow-nothing, the CUSTOM policy on payments becomes an ALLOW `rules: [{}]`. Istio evaluates CUSTOM, then DENY, then ALLOW, so before nothing got through whatever the external authorizer said (no ALLOW matched); after everything does: an ALLOW broadening (high), not a medium external-authz-removed. Cause: the `action` line.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/ext-authz.yaml', line: 11, severity: 'high' })],
  },
  {
    case: 'custom-removed-under-allow-nothing',
    why: '§2.4.2: the CUSTOM policy is deleted while a root allow-nothing denies every request to payments anyway: what the external authorizer was sent never got through, so nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'custom-allow-all-added-beside',
    why: 'Row 14 / §2.4.2: an ALLOW `rules: [{}]` is added beside the CUSTOM policy under a root allow-nothing. The external authorizer is unknown (it may allow anything it is sent), so requests that were denied by every ALLOW may now get through: high.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/allow-all.yaml', line: 13, severity: 'high' })],
  },
  {
    case: 'gateway-allow-ipblocks-widened',
    why: 'Gateways are proxies: istio-ingressgateway runs Envoy (proxyv2) as its main container, with `sidecar.istio.io/inject: "false"` in a namespace without injection labels, and enforces the AuthorizationPolicy that selects `istio: ingressgateway`. Its ALLOW `ipBlocks` widens 10.0.0.0/8 → 0.0.0.0/0: any source address now gets through the gateway on its HTTPS server port 8443 (Service 443 → 8443): high, anchored on the changed ipBlocks entry.',
    expect: [allowBroadened('istio-ingress/istio-ingressgateway', 8443, { file: 'mesh/gateway-authz.yaml', line: 16, severity: 'high' })],
  },
  {
    case: 'gateway-deny-removed',
    why: 'Row 10 on a gateway: the DENY on /admin/* that selects the ingress gateway is deleted. The gateway terminates HTTPS (Gateway server tls SIMPLE) so the rule is an HTTP rule there, and /admin/* now gets through the gateway: high, anchored on the deleted rule.',
    expect: [denyWeakened('istio-ingress/istio-ingressgateway', 8443, { file: 'mesh/gateway-deny.yaml', line: 13, side: 'before', severity: 'high' })],
  },
  {
    case: 'gateway-server-mutual-to-simple',
    why: 'A gateway listener takes its TLS from the Gateway server, not from PeerAuthentication (gateway.go buildGatewayListenerTLSContext): the mesh-wide STRICT does not apply. The server on 443 (target port 8443) goes MUTUAL → SIMPLE: clients without a certificate are now served (a weakened transport of that one gateway, high, not a mesh-wide one), anchored on the `mode` line.',
    expect: [
      paWeakened('istio-ingress/istio-ingressgateway', 8443, { file: 'mesh/gateway.yaml', line: 16, severity: 'high' }),
      plaintext('istio-ingress/istio-ingressgateway', 8443, { file: 'mesh/gateway.yaml', line: 16, severity: 'high' }),
    ],
  },
  {
    case: 'gateway-helm-custom-replaced-by-allow-all',
    why: 'The gateway Helm chart\'s shape (`image: auto`, `inject.istio.io/templates: gateway`, `sidecar.istio.io/inject: "true"`) is a gateway proxy. Under a root allow-nothing its CUSTOM (ext-authz) policy becomes an ALLOW `rules: [{}]`: CUSTOM then DENY then ALLOW means nothing got through before whatever the authorizer said, and everything does after: an ALLOW broadening (high) on the listener port 443, not a medium external-authz-removed; Envoy\'s own stats port 15090 is no Gateway listener and is left out.',
    expect: [allowBroadened('istio-ingress/istio-ingressgateway', 443, { file: 'mesh/gateway-authz.yaml', line: 11, severity: 'high' })],
  },
  {
    case: 'equiv-gateway-ipblocks-split',
    why: 'An equivalent rewrite of the gateway ALLOW: its ipBlocks are split into one rule per network, 192.168.0.0/16 as its two halves. The same source addresses are admitted: silent.',
    all: true,
    expect: [],
  },
  {
    case: 'gateway-lookalike-without-proxy',
    why: 'Not a gateway: an ordinary app with `sidecar.istio.io/inject: "false"` (no proxyv2 image, no gateway template) whose `istio: edgegateway` label no Gateway selects. No proxy enforces its policy, so widening that ALLOW changes nothing (§2.1; the policy was already unenforced).',
    all: true,
    expect: [],
  },
  {
    case: 'row37-gateway-exposure',
    why: 'Row 37 (§2.6): a new VirtualService binds payments.example.com on the public gateway (which serves *.example.com) to payments: payments:8080 becomes reachable from outside.',
    expect: [f('ingress-exposed', 'ingress-exposed', W.payments, 8080, { file: 'shop/payments-public.yaml', line: 9, severity: 'high' })],
  },
  {
    case: 'ingress-route-to-public-loadbalancer-port',
    why: 'Row 37 with payments:8080 already behind a public LoadBalancer Service: any outside client reached it before, so the new gateway route is a second way in, not new exposure (history pairs 30 and 33: a gateway that replaces the LoadBalancer).',
    all: true,
    expect: [],
  },
  {
    case: 'ingress-backend-renamed-with-its-workload',
    why: 'The exposed payments Deployment, its Service and the route are renamed payments-v2 together (same image, same port, same host): the same pods stay reachable the same way, nothing new is exposed (history pair 28).',
    all: true,
    expect: [],
  },
  {
    case: 'ingress-route-moved-to-another-workload',
    why: 'The same route now sends payments.example.com to a different workload (payments-admin, another image): that workload is newly reachable from outside.',
    expect: [f('ingress-exposed', 'ingress-exposed', 'shop/payments-admin', 9090, { file: 'shop/payments-public.yaml', line: 9, severity: 'high' })],
  },
  {
    case: 'namespace-injection-disabled-no-workloads',
    why: 'A namespace labelled for injection stands for the pods deployed into it, even when the repository holds none of them (they come from another repository): istio-injection enabled -> disabled takes their sidecars.',
    all: true,
    expect: [sidecarRemoved('payments/*', null, { file: 'ns.yaml', line: 6, severity: 'high' })],
  },
  {
    case: 'ingress-route-to-internal-loadbalancer-port',
    why: 'The same with an internal load balancer (networking.gke.io/load-balancer-type: Internal): only the VPC reached payments before, the gateway route exposes it to the internet.',
    expect: [f('ingress-exposed', 'ingress-exposed', W.payments, 8080, { file: 'shop/payments-public.yaml', line: 9, severity: 'high' })],
  },

  {
    case: 'ingress-route-namespace-left-to-kubectl',
    why: 'The route loses `metadata.namespace` (given by `kubectl apply -n` at deploy time) and names a gateway the repository does not define by its short name: read in `default`, the name resolves to default/partner-gateway, but an undefined gateway is known only by its name, so it is the same assumed gateway and nothing new is exposed (history pair 40).',
    all: true,
    expect: [],
  },
  {
    case: 'ingress-route-to-another-undefined-gateway',
    why: 'The route moves from istio-system/internal-gateway to istio-system/public-gateway, neither defined in the repository: another gateway by name, so payments is reachable through one it was not before.',
    expect: [f('ingress-exposed', 'ingress-exposed', W.payments, 8080, { file: 'shop/payments-public.yaml', line: 9, severity: 'high' })],
  },

  // ------------------------------------------------------------------ section 7, pitfalls
  {
    case: 'pitfall01-redundant-workload-pa-removed',
    why: 'Pitfall 1: the payments workload PA STRICT is deleted while the mesh-wide PA is STRICT: the effective mode stays STRICT, so nothing at all is reported.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall02-namespace-wide-allow-removed',
    why: 'Pitfall 2: the only ALLOW in shop is namespace-wide; deleting it restores allow-all for every workload of shop.',
    expect: [
      allowAllRestored(W.ledger, 8080, { file: 'shop/authz.yaml', line: 7, side: 'before', severity: 'high' }),
      allowAllRestored(W.payments, 8080, { file: 'shop/authz.yaml', line: 7, side: 'before', severity: 'high' }),
    ],
  },
  {
    case: 'pitfall03-first-allow-added-narrows',
    why: "Pitfall 3: the first ALLOW on payments turns on deny-by-default: only web may call it. A narrowing (info), never a broadening. Anchor: the new policy's spec.",
    all: true,
    expect: [narrowed(W.payments, 8080, { file: 'shop/authz.yaml', line: 7, severity: 'info' })],
  },
  {
    case: 'pitfall04-allow-nothing-becomes-allow-all',
    why: 'Pitfall 4 (§2.4.3): `spec: {}` (allow-nothing) is rewritten as `rules: [{}]` (allow-all): every workload of shop becomes allow-all, including payments whose own ALLOW admitted only web.',
    expect: [
      allowBroadened(W.ledger, 8080, { file: 'shop/authz.yaml', line: 9, severity: 'high' }),
      allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 9, severity: 'high' }),
    ],
  },
  {
    case: 'pitfall04-deny-all-loses-rules',
    why: 'Pitfall 4: a DENY with `rules: [{}]` denies everything; without rules a DENY has no effect, and ValidateAuthorizationPolicy rejects it ("DENY action without `rules` is meaningless"), so it is also an invalid policy (anchor: its `action` line). Removing the `- {}` rule reopens ledger. Anchor: the deleted rule, before side.',
    expect: [
      denyWeakened(W.ledger, 8080, { file: 'shop/ledger-lockdown.yaml', line: 13, side: 'before', severity: 'high' }),
      invalidPolicy({ file: 'shop/ledger-lockdown.yaml', line: 11 }),
    ],
  },
  {
    case: 'pitfall05-not-namespaces-admits-plaintext',
    why: 'Pitfall 5 (§2.4.6): under PERMISSIVE, "principals: [*] minus DENY namespaces: [batch]" is rewritten as ALLOW `notNamespaces: [batch]`. Same for mTLS peers, but notNamespaces matches plaintext (empty identity): unauthenticated callers are now allowed.',
    expect: [allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 14, severity: 'high' })],
  },
  {
    case: 'pitfall06-deny-not-principals-removed',
    why: 'Pitfall 6: a DENY with `notPrincipals: [web]` denies everyone but web; deleting it opens payments to every other caller.',
    expect: [denyWeakened(W.payments, 8080, { file: 'shop/deny-others.yaml', line: 13, side: 'before', severity: 'high' })],
  },
  {
    case: 'pitfall07-port-level-keys-are-target-ports',
    why: 'Pitfall 7 (§2.2): portLevelMtls keys are container ports. Before, the key was the Service port 80 (no effect on the pod); after, the key is 8080, so container port 8080 becomes PERMISSIVE.',
    expect: [
      paWeakened(W.payments, 8080, { file: 'shop/peer-authentication.yaml', line: 22, severity: 'high' }),
      plaintext(W.payments, 8080, { file: 'shop/peer-authentication.yaml', line: 22 }),
    ],
  },
  {
    case: 'pitfall08-root-namespace-configurable',
    why: 'Pitfall 8 (§2.2): the IstioOperator sets meshConfig.rootNamespace: istio-config, so the PA in istio-config is mesh-wide; STRICT → PERMISSIVE is row 1 (critical) for every workload.',
    expect: meshWide({ file: 'mesh/peer-authentication.yaml', line: 9, severity: 'critical' }),
  },
  {
    case: 'pitfall08-root-pa-with-selector-ignored',
    why: 'Pitfall 8 (§2.2 scope table): a PA with a selector in the root namespace is ignored, so adding a PERMISSIVE one for payments changes nothing.',
    expect: [],
  },
  {
    case: 'pitfall10-duplicate-namespace-pa',
    why: 'Pitfall 10 / row 39 (§2.2): a second namespace-wide PA (PERMISSIVE) is added in shop next to the STRICT one. The oldest wins and the repo cannot tell: report the ambiguity on the added policy and assume the weaker for after (payments weakened, plaintext allowed).',
    expect: [
      f('ambiguous-precedence', 'policy-ambiguous', W.payments, null, { file: 'shop/payments-migration.yaml', line: 5, severity: 'medium' }),
      paWeakened(W.payments, 8080, { file: 'shop/payments-migration.yaml', line: 9, severity: 'high' }),
      plaintext(W.payments, 8080, { file: 'shop/payments-migration.yaml', line: 9 }),
    ],
  },
  {
    case: 'pitfall11-unset-inherits',
    why: 'Pitfall 11 (§2.2): the payments workload PA goes STRICT → UNSET under a STRICT namespace PA: UNSET inherits STRICT, nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall12-allow-http-fields-on-tcp-port-dead',
    why: 'Pitfall 12 (§2.4.5): ledger-db serves TCP (Service port `tcp-postgres`). Its ALLOW uses `methods`, so it never matches TCP: all traffic is denied before and after; GET → GET,POST changes nothing.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall12-deny-http-fields-on-tcp-port-broader',
    why: 'Pitfall 12 (§2.4.5): on a TCP port a DENY ignores HTTP-only fields; adding `methods: [DELETE]` to the DENY from frontend still denies all frontend TCP traffic: nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall12-tcp-port-renamed-http',
    why: "Pitfall 12 (§2.4.5): renaming ledger's Service port `tcp-api` → `http-api` makes the port HTTP. The DENY `methods: [DELETE, PUT]` from frontend denied all frontend traffic on TCP; now it denies only those methods, so frontend GET passes. Cause: the port name line.",
    expect: [denyWeakened(W.ledger, 8080, { file: 'shop/ledger.yaml', line: 42, severity: 'high' })],
  },
  {
    case: 'pitfall12-tcp-port-renamed-http-allow',
    why: 'Pitfall 12 (§2.4.5), ALLOW side: an ALLOW `methods: [GET]` from frontend matches nothing on a TCP port (ledger denied everyone); renaming the port `tcp-api` → `http-api` brings the rule to life, so frontend GET passes. The policy is unchanged; the cause is the port name line.',
    expect: [allowBroadened(W.ledger, 8080, { file: 'shop/ledger.yaml', line: 42, severity: 'high' })],
  },
  {
    case: 'pitfall13-namespace-disabled-beats-pod-true',
    why: 'Pitfall 13 (§2.1 step 3): namespace istio-injection=disabled wins over the pod label `sidecar.istio.io/inject: "true"`: payments loses its sidecar (no policies: row 8, high).',
    expect: [sidecarRemoved(W.payments, 8080, { file: 'mesh/namespaces.yaml', line: 6, severity: 'high' })],
  },
  {
    case: 'pitfall13-pod-label-beats-annotation',
    why: 'Pitfall 13 (§2.1 step 4): the pod label "true" overrode the legacy annotation "false"; removing the label lets the annotation decide: not injected. Anchor: the annotation that now decides.',
    expect: [sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 25, severity: 'high' })],
  },
  {
    case: 'pitfall13-host-network-never-injected',
    why: 'Pitfall 13 (§2.1 step 1): `hostNetwork: true` pods are never injected.',
    expect: [sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 25, severity: 'high' })],
  },
  {
    case: 'pitfall21-selector-stops-matching',
    why: 'Pitfall 21 (§2.4.1): the ALLOW selects `version: v1`; the pod template moves to v2, so the policy (file untouched) no longer applies: deny-by-default is lost. Cause: the pod-template label line.',
    expect: [allowAllRestored(W.payments, 8080, { file: 'shop/payments.yaml', line: 23, severity: 'high' })],
  },

  // ------------------------------------------------------------------ equivalences: no finding at all
  {
    case: 'equiv-split-policy',
    why: 'One ALLOW with two rules split into two ALLOWs with one rule each: the union is the same (§2.4.2).',
    all: true,
    expect: [],
  },
  { case: 'equiv-merge-policies', why: 'Two DENY policies merged into one with two rules: DENY matches if any rule matches (§2.4.3).', all: true, expect: [] },
  { case: 'equiv-reorder-rules', why: 'Rules, `from`/`to` keys, principals and methods reordered: OR/AND are commutative (§2.4.3).', all: true, expect: [] },
  {
    case: 'equiv-api-version-bump',
    why: 'security.istio.io/v1beta1 → v1 for the PA and both APs: same schema (§2.2, §2.4.7, pitfall 19).',
    all: true,
    expect: [],
  },
  {
    case: 'equiv-redundant-workload-pa-removed',
    why: 'A workload PA STRICT removed under a STRICT namespace PA: effective mode unchanged (pitfall 1).',
    all: true,
    expect: [],
  },
  {
    case: 'equiv-reformatting',
    why: 'Flow vs block style, key order, quoting, comments and an explicit default `action: ALLOW`: same objects.',
    all: true,
    expect: [],
  },
  {
    case: 'equiv-move-document',
    why: 'The workload PA, ALLOW and DENY move from one file into two others (and change order): same objects.',
    all: true,
    expect: [],
  },

  // ------------------------------------------------------------------ ambient data plane, ServiceEntry validation, client TLS wording
  {
    case: 'ambient-hostnetwork-unmanaged',
    why: 'Row 7 (§2.1 ambient): payments in the ambient namespace shop gets `hostNetwork: true`. Host-network pods are never captured by ztunnel (cni/pkg/util/enablement_selector.go `Matches`), so it has no data plane: mTLS (mesh STRICT PA) and its ALLOW are no longer enforced, critical. Cause: the hostNetwork line.',
    expect: [
      sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 25, severity: 'critical' }),
      unenforceable(W.payments, 8080, { file: 'shop/payments.yaml', line: 25, severity: 'critical' }),
    ],
  },
  {
    case: 'ambient-exclude-inbound-ports-ignored',
    why: "§2.1: `traffic.sidecar.istio.io/excludeInboundPorts` is read only by the sidecar redirect (cni/pkg/plugin/sidecar_redirect.go); ztunnel's in-pod capture of an ambient pod ignores it, so nothing changes.",
    all: true,
    expect: [],
  },
  {
    case: 'ambient-bypass-inbound-capture',
    why: 'Row 9, ambient form (§2.1): `ambient.istio.io/bypass-inbound-capture: "true"` turns off inbound redirection to ztunnel (cni/pkg/nodeagent/net.go `getPodLevelTrafficOverrides`, IngressMode): every inbound port bypasses mTLS and authorization, high. Cause: the annotation line.',
    expect: [
      f('port-bypasses-proxy', 'mtls-weakened', W.payments, 8080, { file: 'shop/payments.yaml', line: 26, severity: 'high' }),
      unenforceable(W.payments, 8080, { file: 'shop/payments.yaml', line: 26, severity: 'high' }),
    ],
  },
  {
    case: 'ambient-pod-opt-out',
    why: 'Row 7 (§2.1 ambient): pod label `istio.io/dataplane-mode: none` in the ambient namespace shop opts payments out (default enablement selectors, manifests/charts/istio-cni/values.yaml): no data plane, its STRICT PA and ALLOW stop applying, critical. Cause: the pod-template label, not the unchanged namespace labels.',
    expect: [
      sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 24, severity: 'critical' }),
      unenforceable(W.payments, 8080, { file: 'shop/payments.yaml', line: 24, severity: 'critical' }),
    ],
  },
  {
    case: 'equiv-ambient-explicit-enrolment',
    why: '§2.1 ambient: payments, already enrolled through its namespace, also gets the pod label `istio.io/dataplane-mode: ambient` and `ambient.istio.io/bypass-inbound-capture: "false"` (the default): same data plane, nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'service-entry-full-wildcard-invalid',
    why: '§2.5 / §2.4.7 reasoning: under REGISTRY_ONLY a ServiceEntry with host `*` is added. ValidateServiceEntry (pkg/config/validation/validation.go) rejects the full wildcard, so the object does not exist: invalid, and egress is unchanged (no egress-broadened). Anchor: the `hosts` line.',
    expect: [invalidPolicy({ file: 'shop/egress.yaml', line: 8 })],
  },
  {
    case: 'row05-destination-rule-tls-simple',
    why: 'Row 5 (§2.3): the DestinationRule for payments goes ISTIO_MUTUAL → SIMPLE while the server is PERMISSIVE: clients originate TLS without an Istio identity, which the server accepts (mtls-weakened, high).',
    expect: [f('client-transport-weakened', 'mtls-weakened', W.payments, 8080, { file: 'shop/destination-rule.yaml', line: 11, severity: 'high' })],
  },
  {
    case: 'row04-workload-pa-selector-stops-matching',
    why: "Row 4 (§2.2 step 5): the workload STRICT PA of payments changes its selector to `app: payment` and stops selecting payments; the unchanged mesh-wide PERMISSIVE now decides. The loss is the workload policy's (high, not the mesh-wide critical), and its cause is the selector line, not the untouched mesh PA.",
    expect: [paWeakened(W.payments, 8080, { file: 'shop/wl.yaml', line: 9, severity: 'high' }), plaintext(W.payments, 8080, { file: 'shop/wl.yaml', line: 9 })],
  },
  {
    case: 'row04-workload-pa-deleted-under-permissive',
    why: "Row 4: the workload STRICT PA of payments is deleted under a mesh-wide PERMISSIVE: high (the workload policy's scope), on the deleted mode line (side before), not on the unchanged mesh PA.",
    expect: [
      paWeakened(W.payments, 8080, { file: 'shop/wl.yaml', line: 11, side: 'before', severity: 'high' }),
      plaintext(W.payments, 8080, { file: 'shop/wl.yaml', line: 11, side: 'before' }),
    ],
  },
  {
    case: 'pitfall08-root-pa-gains-selector',
    why: 'Pitfall 8 (§2.2): a PeerAuthentication in the root namespace with a selector is not mesh-wide (Istio ignores the selector-carrying root policy for mesh scope); adding a selector to the mesh STRICT policy drops mesh-wide STRICT (critical). The cause is the added selector, not the unchanged mode.',
    expect: [
      ...meshWide({ file: 'mesh/peer-authentication.yaml', line: 9, severity: 'critical' }),
      // The pods the new selector names, in namespaces the repository does not show, lose mesh-wide STRICT too.
      paWeakened('any-namespace/{app=payments}', null as unknown as number, { file: 'mesh/peer-authentication.yaml', line: 9, severity: 'critical' }),
      plaintext('any-namespace/{app=payments}', null as unknown as number, { file: 'mesh/peer-authentication.yaml', line: 9 }),
    ],
  },
  {
    case: 'row05-destination-rule-exportto-widened',
    why: 'Row 5 (§2.3): a DestinationRule with `tls.mode: DISABLE` for payments, exported only to its own namespace, is exported to `*`: clients in other namespaces now send plaintext to a PERMISSIVE server. The mode line is unchanged; the cause is `exportTo`.',
    expect: [f('client-transport-weakened', 'mtls-weakened', W.payments, 8080, { file: 'shop/dr.yaml', line: 8, severity: 'high' })],
  },
  {
    case: 'pitfall21-statefulset-label-leaves-selector',
    why: 'Pitfall 21: the pod template label `tier: pci` of the payments StatefulSet becomes `tier: general`; the workload STRICT PA (selector tier=pci) stops selecting it, the unchanged mesh PERMISSIVE decides: high, on the template label line.',
    expect: [
      paWeakened(W.payments, 8080, { file: 'shop/payments.yaml', line: 15, severity: 'high' }),
      plaintext(W.payments, 8080, { file: 'shop/payments.yaml', line: 15 }),
    ],
  },
  {
    case: 'row07-workload-kind-change-drops-sidecar',
    why: 'Row 7: the payments Deployment becomes a StatefulSet of the same name and pods, and its template gets `sidecar.istio.io/inject: "false"`. The new object replaces the old one behind the same Service, so it is compared with it: the sidecar is gone (critical), though as a "new" workload it would have had no before.',
    expect: [
      sidecarRemoved(W.payments, 8080, { file: 'shop/payments.yaml', line: 15, severity: 'critical' }),
      unenforceable(W.payments, 8080, { file: 'shop/payments.yaml', line: 15, severity: 'critical' }),
    ],
  },
  {
    case: 'row07-workload-renamed-drops-sidecar',
    why: 'Row 7: payments is renamed payments-v2 with the same pod labels (the same Service selects it) and `sidecar.istio.io/inject: "false"`: compared with the workload it replaces, it lost its sidecar.',
    expect: [
      sidecarRemoved('shop/payments-v2', 8080, { file: 'shop/payments.yaml', line: 14, severity: 'critical' }),
      unenforceable('shop/payments-v2', 8080, { file: 'shop/payments.yaml', line: 14, severity: 'critical' }),
    ],
  },
  {
    case: 'row05-destination-rule-exact-deleted-wildcard-applies',
    why: 'Row 5 (§2.3, host specificity): the exact-host DestinationRule (ISTIO_MUTUAL) for payments is deleted, so the untouched `*.shop.svc.cluster.local` rule with `tls.mode: DISABLE` now applies: clients send plaintext to a PERMISSIVE server. The cause is the deleted rule (side before), not the unchanged wildcard.',
    expect: [f('client-transport-weakened', 'mtls-weakened', W.payments, 8080, { file: 'shop/dr.yaml', line: 21, side: 'before', severity: 'high' })],
  },
  {
    case: 'row36-sidecar-egress-import-widened',
    why: "Row 36 (§2.5): under REGISTRY_ONLY, the Sidecar of shop imported only `./*` and `istio-system/*`; widening its egress hosts to `*/*` imports the ServiceEntry for api.stripe.com kept in namespace egress. The ServiceEntry is unchanged: the cause is the Sidecar's egress host line.",
    expect: [f('egress-broadened', 'egress-broadened', null, null, { file: 'shop/sidecar.yaml', line: 9, severity: 'low' })],
  },
  // ------------------------------------------------------------------ AuthorizationPolicy admission (§2.4.7) and dry-run
  {
    case: 'authz-dry-run-True-equals-true',
    why: '§2.4.1: `istio.io/dry-run: "True"` becomes `"true"`. isDryRun (pilot/pkg/security/authz/builder/builder.go) reads the annotation with strconv.ParseBool, which accepts both spellings: the DENY was and stays dry-run, nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'authz-dry-run-True-is-dry-run',
    why: 'Row 18 (§2.4.1): the DENY for batch gets `istio.io/dry-run: "True"`; strconv.ParseBool("True") is true (builder.go isDryRun), so it is only logged: batch reaches payments again. Anchor: the annotation line.',
    expect: [
      f('policy-audit-only', 'access-broadened', W.payments, 8080, { file: 'shop/authz.yaml', line: 22, severity: 'high' }),
      f('policy-audit-only', 'access-broadened', W.payments, 9090, { file: 'shop/authz.yaml', line: 22, severity: 'high' }),
    ],
  },
  {
    case: 'authz-deny-port-out-of-range-invalid',
    why: '§2.4.7: the DENY for batch gains a rule with `ports: ["70000"]`. ValidatePorts (pkg/config/security/security.go, called by ValidateAuthorizationPolicy) rejects a port above 65535, so the whole DENY is absent: batch reaches payments on every port (deny-weakened, high), plus the invalid policy on the `ports` value.',
    expect: [
      denyWeakened(W.payments, 8080, { file: 'shop/authz.yaml', line: 16, severity: 'high' }),
      denyWeakened(W.payments, 9090, { file: 'shop/authz.yaml', line: 16, severity: 'high' }),
      invalidPolicy({ file: 'shop/authz.yaml', line: 18 }),
    ],
  },
  {
    case: 'authz-allow-from-empty-list-is-absent',
    why: '§2.4.3: the only ALLOW rule becomes `from: []`. The webhook decodes with jsonpb (crd.ConvertObject → config.ApplyJSON), which leaves an empty list nil, so ValidateAuthorizationPolicy\'s "`from` must not be empty" never fires and the rule has no source constraint: `rules: [{}]`, allow-all (high), not allow-nothing.',
    expect: [
      allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 11, severity: 'high' }),
      allowBroadened(W.payments, 9090, { file: 'shop/authz.yaml', line: 11, severity: 'high' }),
    ],
  },
  {
    case: 'authz-allow-from-empty-source-invalid',
    why: '§2.4.7: the only ALLOW rule becomes `from: [{source: {}}]`. ValidateAuthorizationPolicy rejects it ("`from.source` must not be empty"): the last ALLOW is absent and payments is allow-all again (high), plus the invalid policy on `source`.',
    expect: [
      allowAllRestored(W.payments, 8080, { file: 'shop/authz.yaml', line: 12, severity: 'high' }),
      allowAllRestored(W.payments, 9090, { file: 'shop/authz.yaml', line: 12, severity: 'high' }),
      invalidPolicy({ file: 'shop/authz.yaml', line: 12 }),
    ],
  },
  {
    case: 'authz-allow-to-empty-operation-invalid',
    why: '§2.4.7: the second ALLOW (paths /healthz) becomes `to: [{operation: {}}]`. ValidateAuthorizationPolicy rejects it ("`to.operation` must not be empty"), so only that policy is absent: /healthz is no longer allowed (narrowed), not allow-all.',
    all: true,
    expect: [
      narrowed(W.payments, 8080, { file: 'shop/authz.yaml', line: 27 }),
      narrowed(W.payments, 9090, { file: 'shop/authz.yaml', line: 27 }),
      invalidPolicy({ file: 'shop/authz.yaml', line: 27 }),
    ],
  },
  {
    case: 'authz-deny-without-rules-invalid',
    why: '§2.4.7: the allow-nothing policy `spec: {}` becomes `action: DENY` without rules. ValidateAuthorizationPolicy rejects it ("DENY action without `rules` is meaningless"): the only ALLOW is gone and payments is allow-all again (high), plus the invalid policy on `action`.',
    expect: [
      allowAllRestored(W.payments, 8080, { file: 'shop/authz.yaml', line: 7, severity: 'high' }),
      allowAllRestored(W.payments, 9090, { file: 'shop/authz.yaml', line: 7, severity: 'high' }),
      invalidPolicy({ file: 'shop/authz.yaml', line: 7 }),
    ],
  },
  {
    case: 'authz-custom-principals-invalid',
    why: 'Row 19 (§2.4.7): the CUSTOM policy gains `from.source.principals`. ValidateAuthorizationPolicy rejects it ("From.Principals is currently not supported with CUSTOM action"), so the whole CUSTOM policy is absent: external authorization is gone for every caller (medium), plus the invalid policy on `principals`.',
    expect: [
      f('external-authz-removed', 'access-broadened', W.payments, 8080, { file: 'shop/authz.yaml', line: 15, severity: 'medium' }),
      f('external-authz-removed', 'access-broadened', W.payments, 9090, { file: 'shop/authz.yaml', line: 15, severity: 'medium' }),
      invalidPolicy({ file: 'shop/authz.yaml', line: 16 }),
    ],
  },
  {
    case: 'authz-serviceaccounts-with-namespaces-invalid',
    why: "§2.4.7: the DENY for `namespaces: [batch]` gains `notServiceAccounts: [batch/worker]`. ValidateAuthorizationPolicy (and the CRD's CEL rule) reject serviceAccounts with namespaces or principals, so the whole DENY is absent: all of batch, not only batch/worker, reaches payments (high).",
    expect: [
      denyWeakened(W.payments, 8080, { file: 'shop/authz.yaml', line: 29, severity: 'high' }),
      denyWeakened(W.payments, 9090, { file: 'shop/authz.yaml', line: 29, severity: 'high' }),
      invalidPolicy({ file: 'shop/authz.yaml', line: 29 }),
    ],
  },
  {
    case: 'authz-trustdomain-condition-valid',
    why: '§2.4.4: the ALLOW for cluster.local/ns/frontend/sa/web gains `when: source.trustDomain in [cluster.local]`. ValidateAttribute (security.go, attrSrcTrustDomain) accepts the key, so the policy stays valid, and the condition is implied by the principal: nothing changes.',
    all: true,
    expect: [],
  },
  // ------------------------------------------------------------------ Istio's rule generators (model/generator.go)
  {
    case: 'equiv-serviceaccounts-short-form',
    why: '§2.4.4: the DENY in shop rewrites `serviceAccounts: ["shop/db"]` as `["db"]`. srcServiceAccountGenerator builds serviceAccountRegex(policy namespace, value): a value without `/` is in the policy\'s own namespace, so both deny shop/db alone: nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'equiv-deny-port-leading-zero',
    why: '§2.4.4: the DENY on `ports: ["9090"]` is written `["09090"]`. destPortGenerator reads ports with convertToPort (model/util.go, strconv.ParseUint): "09090" is port 9090, so the same port is denied: nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'authz-deny-destination-port-leading-zero-removed',
    why: 'Row 10 (§2.4.2): a DENY with `when: destination.port in ["09090"]` is deleted. destPortGenerator parses the value with convertToPort (strconv.ParseUint), so it denied port 9090: callers now reach payments:9090 (high). Anchor: the deleted rule, before side.',
    expect: [denyWeakened(W.payments, 9090, { file: 'shop/authz.yaml', line: 27, side: 'before', severity: 'high' })],
  },
  {
    case: 'authz-empty-methods-on-tcp-port',
    why: 'Row 13 (§2.4.5): on the TCP port db:5432 an ALLOW `to: [{operation: {ports: ["5432"], methods: []}}]` widens its principal from web to "*". `methods: []` is an absent field (proto3; model.go generates a field only when `len(values) > 0`), so the rule is pure L4 and applies on TCP: every mesh peer now reaches db (high). Cause: the principals line.',
    expect: [allowBroadened('shop/db', 5432, { file: 'shop/authz.yaml', line: 13, severity: 'high' })],
  },
  {
    case: 'authz-tcp-rule-skipped-whole',
    why: 'Row 13 (§2.4.5): on the TCP port db:5432 one ALLOW rule had two `from` entries, `principals: [web]` and `requestPrincipals: ["*"]`. Model.Generate(forTCP) fails on the request principal (requestPrincipalGenerator: HTTP only) and builder.go skips the WHOLE rule ("skipped rule ... on TCP filter chain"), so web was denied. Split into two rules, the first one is pure L4 and lets web in (high). Anchor: that rule.',
    expect: [allowBroadened('shop/db', 5432, { file: 'shop/authz.yaml', line: 11, severity: 'high' })],
  },
  {
    case: 'authz-request-principal-split-at-last-slash',
    why: 'Row 10 (§2.4.4): a DENY on /admin* for `requestPrincipals: ["https://issuer.example.com/*"]` becomes `["https://issuer.example.com*"]`. requestPrincipalGenerator splits a value at its LAST `/`: iss exact "https:/", sub prefix "issuer.example.com", which no token of the issuer has; JWT callers reach /admin again (high). Cause: the requestPrincipals line.',
    expect: [
      denyWeakened(W.payments, 8080, { file: 'shop/authz.yaml', line: 14, severity: 'high' }),
      denyWeakened(W.payments, 9090, { file: 'shop/authz.yaml', line: 14, severity: 'high' }),
    ],
  },
  {
    case: 'authz-path-template-widened',
    why: 'Row 13b (§2.4.4): an ALLOW `paths: ["/api/v1/users"]` becomes `["/api/{*}/users"]`. pathGenerator makes a path with `{*}` a URI template (matcher.PathTemplateMatcher; Envoy uri_template: `*` is one non-empty path segment), so /api/<any>/users is allowed (high), while /api/v1/users stays allowed: no narrowing.',
    all: true,
    expect: [
      allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 13, severity: 'high' }),
      allowBroadened(W.payments, 9090, { file: 'shop/authz.yaml', line: 13, severity: 'high' }),
    ],
  },
  {
    case: 'requestauthentication-issuer-added',
    why: 'Row 13 via RequestAuthentication (§2.4.4): the ALLOW `requestPrincipals: ["*"]` is unchanged, but the RequestAuthentication of payments now also accepts tokens of https://partner.example.org, so a caller with such a token is allowed. The cause is the added jwtRules issuer line, not the untouched ALLOW rule.',
    expect: [
      allowBroadened(W.payments, 8080, { file: 'shop/authz.yaml', line: 27, severity: 'high' }),
      allowBroadened(W.payments, 9090, { file: 'shop/authz.yaml', line: 27, severity: 'high' }),
    ],
  },
  // ------------------------------------------------------------------ pitfall 20: the trust-domain bundle (pilot/pkg/security/trustdomain/bundle.go)
  {
    case: 'pitfall20-trust-domain-migrated-deny-principal-stale',
    why: 'Pitfall 20 / row 10 (§2.4.4): the IstioOperator moves meshConfig.trustDomain from old.acme to new.acme without trustDomainAliases; the DENY `principals: ["old.acme/ns/batch/sa/worker"]` is unchanged. bundle.go ReplaceTrustDomainAliases keeps a principal whose trust domain is neither the local one, an alias nor cluster.local as written, and batch/worker now presents new.acme/ns/batch/sa/worker: it is no longer denied (high). Cause: the trustDomain line.',
    expect: [
      denyWeakened(W.payments, 8080, { file: 'mesh/iop.yaml', line: 8, severity: 'high' }),
      denyWeakened(W.payments, 9090, { file: 'mesh/iop.yaml', line: 8, severity: 'high' }),
    ],
  },
  {
    case: 'pitfall20-trust-domain-migrated-allow-principal-stale',
    why: 'Pitfall 20 / §6 row 38: the same migration old.acme → new.acme with a stale ALLOW `principals: ["old.acme/ns/frontend/sa/web"]`. bundle.go keeps the foreign-looking principal as written, so frontend/web (now new.acme/...) is locked out: access narrowed (info), and nothing is widened (old.acme peers were allowed before as well).',
    all: true,
    expect: [
      narrowed(W.payments, 8080, { file: 'mesh/iop.yaml', line: 8, severity: 'info' }),
      narrowed(W.payments, 9090, { file: 'mesh/iop.yaml', line: 8, severity: 'info' }),
    ],
  },
  {
    case: 'pitfall20-trust-domain-migrated-with-alias',
    why: 'Pitfall 20: the migration old.acme → new.acme keeps `trustDomainAliases: [old.acme]`. bundle.go ReplaceTrustDomainAliases expands the DENY principal old.acme/ns/batch/sa/worker to new.acme/... and old.acme/..., so batch/worker is still denied under its new identity: nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall20-cluster-local-principal-is-local-trust-domain',
    why: 'Pitfall 20: with meshConfig.trustDomain prod.acme, the ALLOW principal cluster.local/ns/frontend/sa/web is rewritten to prod.acme/ns/frontend/sa/web. bundle.go ReplaceTrustDomainAliases treats "cluster.local" as a pointer to the local trust domain and its aliases, so both compile to prod.acme/ns/frontend/sa/web: nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall20-cluster-local-deny-follows-trust-domain',
    why: 'Pitfall 20: the trust domain moves old.acme → new.acme while the DENY names cluster.local/ns/batch/sa/worker. bundle.go rewrites a cluster.local principal to the current trust domain (and aliases) on each side, so the DENY follows batch/worker to new.acme: nothing changes.',
    all: true,
    expect: [],
  },
  {
    case: 'pitfall20-trust-domain-alias-added-widens-allow',
    why: 'Pitfall 20 ("trust-domain aliases widen matches"): mesh trust domain prod.acme gains `trustDomainAliases: [partner.example]`; the ALLOW `principals: ["cluster.local/ns/frontend/sa/web"]` is unchanged. bundle.go ReplaceTrustDomainAliases now also generates partner.example/ns/frontend/sa/web, so a peer of the partner trust domain is allowed (high). Cause: the trustDomainAliases line.',
    expect: [
      allowBroadened(W.payments, 8080, { file: 'mesh/iop.yaml', line: 9, severity: 'high' }),
      allowBroadened(W.payments, 9090, { file: 'mesh/iop.yaml', line: 9, severity: 'high' }),
    ],
  },
  {
    case: 'pitfall08-root-namespace-moved',
    why: 'Pitfall 8 / row 1 (§2.2): the IstioOperator moves rootNamespace istio-system → istio-config; the mesh-wide STRICT PeerAuthentication stays in istio-system and becomes namespace-wide there only. Every workload falls back to PERMISSIVE: critical (a mesh-wide loss), anchored on the rootNamespace line, not on the untouched policy or the pods.',
    expect: (
      [
        ['batch/worker', 8080],
        [W.web, 8080],
        ['shop/db', 5432],
        [W.payments, 8080],
        [W.payments, 9090],
        [ANY_POD, null],
      ] as const
    ).flatMap(([w, port]) => [
      paWeakened(w, port as number, { file: 'mesh/iop.yaml', line: 9, severity: 'critical' }),
      plaintext(w, port as number, { file: 'mesh/iop.yaml', line: 9 }),
    ]),
  },
  {
    case: 'equiv-namespace-renamed-consistently',
    why: 'A namespace renamed everywhere (Namespace object, workloads, policies, principals): every workload is compared with the one it replaces, and callers under their new names are the same callers: silent.',
    all: true,
    expect: [],
  },
  {
    case: 'row11-namespace-renamed-policies-left-behind',
    why: 'Rows 10/11: the workloads move shop → store as a whole, but their AuthorizationPolicies stay in shop: in store nothing applies, so deny-by-default is lost and the DENY on 9090 no longer blocks. Compared with the workloads they replace; anchored on the moved pod templates.',
    expect: [
      allowAllRestored('store/db', 5432, { file: 'store/db.yaml', line: 18, severity: 'high' }),
      allowAllRestored('store/payments', 8080, { file: 'store/payments.yaml', line: 18, severity: 'high' }),
      allowAllRestored('store/payments', 9090, { file: 'store/payments.yaml', line: 18, severity: 'high' }),
      denyWeakened('store/payments', 9090, { file: 'store/payments.yaml', line: 18, severity: 'high' }),
    ],
  },
  {
    case: 'row07-namespace-renamed-injection-label-lost',
    why: 'Row 7: shop is renamed store and the new Namespace lost `istio-injection: enabled`: the moved workloads run without sidecars, so their policies are unenforceable (critical). Anchored on the new Namespace.',
    expect: (['store/db:5432', 'store/payments:8080', 'store/payments:9090'] as const).flatMap((wp) => {
      const [w, port] = wp.split(':') as [string, string];
      return [
        sidecarRemoved(w, Number(port), { file: 'mesh/namespaces.yaml', line: 3, severity: 'critical' }),
        unenforceable(w, Number(port), { file: 'mesh/namespaces.yaml', line: 3, severity: 'critical' }),
      ];
    }),
  },
];

// ------------------------------------------------------------------ running the engine

const reviews = new Map<string, Promise<ReviewResult>>();

function review(name: string): Promise<ReviewResult> {
  let r = reviews.get(name);
  if (!r) {
    r = (async () => {
      const config = defaultConfig();
      const [base, head] = await Promise.all([
        readDirectorySnapshot(`${FIXTURES}${name}/before`, config),
        readDirectorySnapshot(`${FIXTURES}${name}/after`, config),
      ]);
      return reviewSnapshots({ base, head, config, now: new Date('2026-01-15T00:00:00Z') });
    })();
    reviews.set(name, r);
  }
  return r;
}

/** `SHOW_KNOWN_BUGS=1 npx vitest run test/pipeline` runs the known-bug parts as ordinary tests, to see their diffs. */
const SHOW_KNOWN_BUGS = process.env.SHOW_KNOWN_BUGS === '1';

const INFO_ONLY = new Set<Category>(['access-narrowed', 'mtls-strengthened']);

/**
 * One entry per (finding, port): a change seen alike on several ports is one finding
 * listing them (test/pipeline/findingShape.test.ts), and the table states which ports.
 */
function relevant(result: ReviewResult, row: Row): Finding[] {
  const kept = row.all ? result.findings : result.findings.filter((x) => !INFO_ONLY.has(x.category));
  return kept.flatMap((x) => (x.ports && x.ports.length > 1 ? x.ports.map((port) => ({ ...x, port })) : [x]));
}

type Comparable = Pick<Finding, 'ruleId' | 'category' | 'workload' | 'port'> & Partial<Pick<Finding, 'file' | 'line' | 'side' | 'severity'>>;

const target = (x: Comparable) => `${x.workload ?? '(none)'}:${x.port ?? '*'}`;
const effectKey = (x: Comparable) => `${x.ruleId} [${x.category}] ${target(x)}`;
const anchorKey = (x: Comparable) => `${effectKey(x)} @ ${x.side ?? 'after'}:${x.file}:${x.line}`;
const sorted = (xs: string[]) => [...xs].sort();

for (const row of ROWS) {
  describe(row.case, () => {
    const test = (part: Part) => (row.bug?.[part] && !SHOW_KNOWN_BUGS ? it.fails : it);
    const label = (part: Part, what: string) => (row.bug?.[part] ? `${what} (known engine bug: ${row.bug[part]})` : what);

    test('effects')(label('effects', 'effects: which findings, for which workload and port'), async () => {
      const got = relevant(await review(row.case), row);
      expect(sorted(got.map(effectKey)), row.why).toEqual(sorted(row.expect.map(effectKey)));
    });

    if (row.expect.length > 0) {
      test('anchors')(label('anchors', 'anchors: file, line and side of the cause'), async () => {
        const got = relevant(await review(row.case), row);
        expect(sorted(got.map(anchorKey)), row.why).toEqual(sorted(row.expect.map(anchorKey)));
      });
    }

    const rated = row.expect.filter((e) => e.severity !== undefined);
    if (rated.length > 0) {
      test('severity')(label('severity', 'severity: as section 6 rates the change'), async () => {
        const got = relevant(await review(row.case), row);
        const actual = rated.map((e) => {
          const match = got.filter((g) => effectKey(g) === effectKey(e)).map((g) => g.severity);
          return `${effectKey(e)} -> ${match.length > 0 ? match.join('|') : 'missing'}`;
        });
        expect(actual, row.why).toEqual(rated.map((e) => `${effectKey(e)} -> ${e.severity}`));
      });
    }
  });
}

describe('fixture table', () => {
  it('covers every case directory exactly once', async () => {
    const dirs = (await readdir(FIXTURES, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(sorted(ROWS.map((r) => r.case))).toEqual(sorted(dirs));
  });

  it('every fixture file parses into Kubernetes objects without errors', async () => {
    // Otherwise a broken file shared by both sides would silently drop a workload and make a row pass vacuously.
    const config = defaultConfig();
    const problems: string[] = [];
    for (const row of ROWS) {
      for (const side of ['before', 'after']) {
        const snapshot = await readDirectorySnapshot(`${FIXTURES}${row.case}/${side}`, config);
        if (snapshot.files.length === 0) problems.push(`${row.case}/${side}: no files`);
        for (const file of snapshot.files) {
          const parsed = parseFileContent(file.path, file.content, config.limits);
          const where = `${row.case}/${side}/${file.path}`;
          if (parsed.resources.length === 0) problems.push(`${where}: no objects`);
          for (const e of parsed.errors) problems.push(`${where}:${e.line}: ${e.message}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
