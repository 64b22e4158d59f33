/**
 * Layers judged together (issue #14 item 4, mesh-semantics.md §6): a change in one layer is a
 * broadening only where what gets through both layers grew. One fixture per case
 * (fixtures/layers/<case>/{before,after}), through the whole engine; every fixture holds the
 * same three injected namespaces (shop/payments:8080, web/frontend, batch/report).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/layers/', import.meta.url));

interface Row {
  case: string;
  why: string;
  /** `ruleId workload port file:line` */
  expect: string[];
  /** A pattern every finding's example request must match, when the row pins it. */
  witness?: RegExp;
}

const ROWS: Row[] = [
  {
    case: 'allow-widened-behind-netpol',
    why: 'the ALLOW gains namespace batch, but the NetworkPolicy of payments admits only web: nothing more gets through (info, on the line that widened)',
    expect: ['weakening-held shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'allow-widened-through-netpol',
    why: 'the same ALLOW change where the NetworkPolicy admits batch too: a real broadening',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
    witness: /ns\/batch\//,
  },
  {
    case: 'allow-widened-partly-held',
    why: 'principals widened to any identity: only callers from web get through the NetworkPolicy, so the example is one of them',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:14'],
    witness: /ns\/web\/sa\/default/,
  },
  {
    case: 'allow-widened-ipblock-internal',
    why: 'the NetworkPolicy also admits 10.0.0.0/8, which may hold pod addresses of any namespace (ipBlock matching pods is up to the plugin): nothing is held',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'ambient-hbone-closed',
    why: 'ambient: meshed traffic arrives on HBONE 15008, which batch may not reach (it may reach 8080 only as plaintext): held',
    expect: ['weakening-held shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'ambient-hbone-open',
    why: 'ambient: batch may reach 15008, so every port ztunnel serves: the ALLOW widening gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'netpol-deleted-under-strict-allow',
    why: 'the NetworkPolicy admitted web, as the STRICT mesh ALLOW does; deleting it lets no new caller through the mesh: held by Istio',
    expect: ['weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-opens-ports',
    why: "the deleted policy admitted web on 8080 only: web now reaches the sidecar's HBONE port 15008 too, from where the mesh ALLOW admits it (a finding); other namespaces stay held",
    expect: ['network-isolation-lost shop/payments 15008 np.yaml:4', 'weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-deny-paths-cover-allow',
    why: 'batch is allowed only on /api/*, which a DENY on paths refuses to everyone: batch passes nothing on any path, so the deletion lets no new caller through the mesh',
    expect: ['weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-deny-paths-leave-some',
    why: 'the same, but batch is also allowed on /healthz, which the DENY leaves: batch now gets through both layers',
    expect: ['network-isolation-lost shop/payments 8080 np.yaml:4', 'weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-deny-principal-and-paths',
    why: 'the DENY names both the namespace batch and the paths batch is allowed on: searched exactly per source, batch passes nothing',
    expect: ['weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'np-ipblock-all-public-held',
    why: 'the NetworkPolicy adds 0.0.0.0/0 under STRICT mTLS and an ALLOW of batch: a private address may be a batch pod, so that part gets through; a public one has no mesh identity, so Istio holds it',
    expect: ['network-ingress-broadened shop/payments 8080 np.yaml:18', 'weakening-held shop/payments 8080 np.yaml:18'],
  },
  {
    case: 'netpol-deleted-no-mesh-policy',
    why: 'no mesh policy holds anything back: the deletion is a finding as it would be without a mesh',
    expect: ['network-isolation-lost shop/payments 15008 np.yaml:4'],
  },
  {
    case: 'strict-to-permissive-behind-netpol',
    why: 'transport weakenings are reported whatever NetworkPolicy says (§6); pods of web may be outside the mesh, so plaintext gets through',
    expect: ['plaintext-access-allowed shop/payments 8080 pa.yaml:8', 'transport-weakened shop/payments 8080 pa.yaml:8'],
  },
  // Red-team cases (a helper's search for weakenings the layering would hide); the first seven found real faults, fixed.
  {
    case: 'ambient-noports-hbone-opened',
    why: 'ambient pod declaring no ports: the NetworkPolicy opens HBONE 15008 to batch, which the mesh admits',
    expect: ['network-ingress-broadened shop/payments 15008 np.yaml:18'],
  },
  {
    case: 'ambient-ports-hbone-opened',
    why: 'ambient pod: the NetworkPolicy opens 15008 to batch, reaching every port ztunnel serves',
    expect: ['network-ingress-broadened shop/payments 15008 np.yaml:18'],
  },
  {
    case: 'ambient-waypoint-ap-widened',
    why: 'ambient pod behind a waypoint: NetworkPolicy sees the waypoint, not the caller, so it holds nothing back',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:14'],
  },
  {
    case: 'anp-allow-overrides-netpol',
    why: 'an AdminNetworkPolicy Allow for batch overrides NetworkPolicy isolation: the ALLOW widening gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'anp-priority-allow-before-deny',
    why: 'an earlier ANP Allow (a port range) beats a later Deny: batch gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'cnp-v1alpha2-accept',
    why: 'an Admin-tier ClusterNetworkPolicy Accept over a baseline deny-all: batch gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'deny-notnamespaces-removed-np-bylabel',
    why: 'a DENY notNamespaces removed; the NetworkPolicy admits by label, which unseen namespaces may carry',
    expect: ['deny-policy-weakened shop/payments 8080 authz.yaml:9'],
  },
  {
    case: 'deny-notnamespaces-removed-np-byname',
    why: 'a DENY notNamespaces removed; plaintext callers still get through the NetworkPolicy',
    expect: ['deny-policy-weakened shop/payments 8080 authz.yaml:9'],
  },
  {
    case: 'netpol-deleted-ap-port-undeclared',
    why: 'NetworkPolicy deleted: batch now reaches 9090, a port only the ALLOW names, which admits batch there (the rest held)',
    expect: ['network-isolation-lost shop/payments 9090 np.yaml:4', 'weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-container-udp-port',
    why: 'NetworkPolicy deleted: a declared UDP port is not captured by the mesh, so the NetworkPolicy was its only control',
    expect: ['network-isolation-lost shop/payments 5353 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-no-container-ports',
    why: 'NetworkPolicy deleted on a pod that declares no ports: nothing shows where it listens, so nothing is held',
    expect: ['network-isolation-lost shop/payments 53 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-port-excluded-from-sidecar',
    why: 'NetworkPolicy deleted: a port excluded from inbound capture is open to all',
    expect: ['network-isolation-lost shop/payments 9090 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-port-included-from-sidecar',
    why: 'NetworkPolicy deleted: includeInboundPorts leaves other ports uncaptured, open to all',
    expect: ['network-isolation-lost shop/payments 9090 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-service-targetport',
    why: 'NetworkPolicy deleted: a Service targets 9090, where the ALLOW admits batch (the rest held)',
    expect: ['network-isolation-lost shop/payments 9090 np.yaml:4', 'weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-service-udp-port',
    why: 'NetworkPolicy deleted: a Service declares UDP 5353, which the mesh does not capture',
    expect: ['network-isolation-lost shop/payments 53 np.yaml:4'],
  },
  {
    case: 'np-endport-inclusive',
    why: 'endPort is inclusive: 8080 is inside the range, so batch gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'np-from-empty-list',
    why: '`from: []` admits every peer on its ports',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'np-named-port-batch',
    why: 'a named port resolving to 8080 admits batch',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
  {
    case: 'np-named-port-renamed-in-pr',
    why: 'a container port renamed to the name a NetworkPolicy admits: batch now reaches it, and the mesh admits batch',
    expect: ['network-ingress-broadened shop/payments 8080 workloads.yaml:44'],
  },
  {
    case: 'np-ns-notin',
    why: 'NotIn [batch] admits partner, whom the ALLOW admits',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:17'],
  },
  {
    case: 'np-ns-team-notin',
    why: 'a label NotIn selector admits unseen namespaces',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:17'],
  },
  {
    case: 'np-podselector-same-ns',
    why: 'a podSelector-only peer admits pods of shop; a shop identity is admitted by the ALLOW',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:17'],
  },
  {
    case: 'np-widened-ns-labels-unknown',
    why: 'batch has no Namespace object, so it may carry the labels the widened selector picks, and the mesh admits batch',
    expect: ['network-ingress-broadened shop/payments 8080 np.yaml:18'],
  },
  {
    case: 'np-widened-private-ipblock-and-labelled-ns',
    why: 'the labelled namespaces and 10.0.0.0/8 both add callers the mesh refuses (web already got through): both held',
    expect: ['weakening-held shop/payments 8080 np.yaml:18', 'weakening-held shop/payments 8080 np.yaml:20'],
  },
  {
    case: 'np-widened-private-ipblock-only',
    why: '10.0.0.0/8 may hold pods (if the plugin matches pod addresses), but every pod of web, the one namespace the mesh admits, got through before: held (a mesh VM with a web identity would not be, but the repository declares none)',
    expect: ['weakening-held shop/payments 8080 np.yaml:17'],
  },
  {
    case: 'ns-labels-unknown',
    why: 'batch has no Namespace object: it may carry the label the NetworkPolicy admits, so the ALLOW widening gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:14'],
  },
  {
    case: 'ns-renamed-netpol-left-behind',
    why: 'the namespace renamed while its NetworkPolicy stayed behind: the pod is no longer isolated',
    expect: ['allow-policy-broadened store/payments 8080 authz.yaml:12'],
  },
  {
    case: 'ns-unnamed-by-repo',
    why: 'a namespace the repository never names may carry the labels the NetworkPolicy admits',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:14'],
  },
  {
    case: 'root-ns-allow-notnamespaces',
    why: 'a root-namespace ALLOW with notNamespaces: unseen namespaces get through the NetworkPolicy',
    expect: ['allow-policy-broadened shop/payments 8080 root-authz.yaml:12'],
  },
  {
    case: 'sidecar-hbone-from-unseen-ambient',
    why: 'a sidecar also receives HBONE 15008 from ambient clients, which the NetworkPolicy admits from every namespace',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:14'],
  },
  {
    case: 'two-netpols-union',
    why: 'a second NetworkPolicy selecting the pod adds its rules to the union: batch gets through',
    expect: ['allow-policy-broadened shop/payments 8080 authz.yaml:15'],
  },
];

describe('layers judged together', () => {
  it('has a row per fixture', () => {
    expect(new Set(ROWS.map((r) => r.case))).toEqual(new Set(readdirSync(FIXTURES)));
  });

  it.each(ROWS.map((r) => [r.case, r] as const))('%s', async (_name, row) => {
    const config = defaultConfig();
    const [base, head] = await Promise.all([
      readDirectorySnapshot(`${FIXTURES}${row.case}/before`, config),
      readDirectorySnapshot(`${FIXTURES}${row.case}/after`, config),
    ]);
    const result = reviewSnapshots({ base, head, config, now: new Date('2026-01-01T00:00:00Z') });
    const got = result.findings.filter((f) => f.category !== 'access-narrowed').map((f) => `${f.ruleId} ${f.workload} ${f.port} ${f.file}:${f.line}`);
    expect(got.sort(), row.why).toEqual([...row.expect].sort());
    for (const f of result.findings.filter((x) => x.ruleId !== 'access-narrowed')) if (row.witness) expect(f.witness).toMatch(row.witness);
    for (const f of result.findings.filter((x) => x.ruleId === 'weakening-held')) {
      expect(f.severity).toBe('info');
      // Held by NetworkPolicy rests on the cluster enforcing it; held by the mesh names the mesh.
      if (f.mesh === 'istio') expect(f.notes).toContain('Assumes the cluster network plugin enforces NetworkPolicy (the repository cannot show it).');
      expect(f.message).toMatch(/still refuses every one of them/);
    }
  });
});
