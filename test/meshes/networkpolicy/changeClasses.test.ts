/**
 * One fixture per NetworkPolicy and admin-tier change class (mesh-semantics.md 5.2 and 7, rows 31–34b) and per
 * equivalent rewrite (fixtures/networkpolicy/<case>/{before,after}), through the whole engine.
 * Expectations come from the semantics (5.1): which findings, on which workload and port, and the
 * file, line and side of the field that caused each. `access-narrowed` is compared only where a
 * row sets `all` (the equivalences and the narrowing cases).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/networkpolicy/', import.meta.url));

interface Row {
  case: string;
  why: string;
  /** `ruleId workload port side:file:line` */
  expect: string[];
  all?: boolean;
}

const ROWS: Row[] = [
  {
    case: 'isolation-lost-policy-deleted',
    why: 'the default-deny was the only ingress policy of every pod in shop: each is open again; the deleted policy is the cause, in the base version',
    expect: [
      'network-isolation-lost shop/* 443 before:np.yaml:4',
      'network-isolation-lost shop/api 443 before:np.yaml:4',
      'network-isolation-lost shop/db 5432 before:np.yaml:4',
    ],
  },
  {
    case: 'isolation-lost-policytypes-egress',
    why: 'policyTypes [Egress] stops isolating ingress (open again) and starts isolating egress with no rules (narrowed)',
    all: true,
    expect: [
      'network-isolation-lost shop/* 443 after:np.yaml:8',
      'network-isolation-lost shop/api 443 after:np.yaml:8',
      'network-isolation-lost shop/db 5432 after:np.yaml:8',
      'access-narrowed shop/* 443 after:np.yaml:8',
      'access-narrowed shop/api 443 after:np.yaml:8',
      'access-narrowed shop/db 443 after:np.yaml:8',
    ],
  },
  {
    case: 'isolation-lost-pod-relabelled',
    why: 'the policy is untouched; the pod-template label change makes it select nothing (pitfall 21)',
    expect: ['network-isolation-lost shop/db 5432 after:workloads.yaml:26'],
  },
  {
    case: 'and-peer-split-into-or',
    why: 'namespaceSelector+podSelector in one entry (AND) split into two entries (OR): every pod of a team=web namespace, and app=front pods of shop, now reach db',
    expect: ['network-ingress-broadened shop/db 5432 after:np.yaml:12', 'network-ingress-broadened shop/db 5432 after:np.yaml:17'],
  },
  { case: 'ipblock-widened', why: 'cidr 10.8.0.0/16 → 10.0.0.0/8', expect: ['network-ingress-broadened shop/db 5432 after:np.yaml:13'] },
  {
    case: 'ipblock-except-removed',
    why: 'except 10.9.0.0/16 dropped: 10.9.0.1 now admitted',
    expect: ['network-ingress-broadened shop/db 5432 after:np.yaml:12'],
  },
  {
    case: 'endport-raised',
    why: 'endPort 5432 → 9090 opens 9090 (the declared admin port) to api',
    expect: ['network-ingress-broadened shop/db 9090 after:np.yaml:17'],
  },
  { case: 'ports-dropped', why: 'a rule without ports opens every port', expect: ['network-ingress-broadened shop/db 9090 after:np.yaml:11'] },
  {
    case: 'named-port-now-resolves',
    why: 'the policy names port `metrics`; renaming the container port admin → metrics opens 9090 without touching the policy (5.1 named ports)',
    expect: ['network-ingress-broadened shop/db 9090 after:workloads.yaml:35'],
  },
  {
    case: 'namespace-label-joins-selector',
    why: 'namespace web gains trusted=yes, which the policy selects',
    expect: ['network-ingress-broadened shop/db 5432 after:workloads.yaml:14'],
  },
  { case: 'egress-widened', why: 'egress ipBlock 10.20.0.0/16 → 0.0.0.0/0 on 443', expect: ['network-egress-broadened shop/api 443 after:np.yaml:14'] },
  {
    case: 'rule-removed-narrows',
    why: 'the rule for 9090 is gone: narrowed, on its line in the base version',
    all: true,
    expect: ['access-narrowed shop/db 9090 before:np.yaml:14'],
  },
  {
    case: 'invalid-policy-not-applied',
    why: 'endPort with a named port is rejected by the API server: the policy is absent, so db loses isolation',
    expect: ['invalid-policy null null after:np.yaml:17', 'network-isolation-lost shop/db 9090 after:np.yaml:17'],
  },
  {
    case: 'equiv-split-named-ports-and-name-label',
    why: 'one policy split in two, numbers replaced by the names they resolve to, policyTypes [Ingress] spelled out',
    all: true,
    expect: [],
  },
  { case: 'equiv-rules-reordered', why: 'rules reordered, protocol TCP spelled out', all: true, expect: [] },
  {
    case: 'equiv-own-namespace-by-name',
    why: 'podSelector alone = the policy namespace = namespaceSelector on its kubernetes.io/metadata.name',
    all: true,
    expect: [],
  },
  // The admin tiers (mesh-semantics.md 5.2): AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy.
  {
    case: 'admin-anp-deny-removed',
    why: 'the ANP Deny from team=web namespaces is deleted: nothing else decides, web reaches db; on the deleted rule in the base version',
    all: true,
    expect: ['network-ingress-broadened shop/db 5432 before:anp.yaml:16'],
  },
  {
    case: 'admin-anp-deny-added-narrows',
    why: 'a new ANP Deny drops web → db: narrowed, on the new rule',
    all: true,
    expect: ['access-narrowed shop/db 5432 after:anp.yaml:16'],
  },
  {
    case: 'admin-anp-allow-over-np-deny',
    why: 'the NetworkPolicy default-deny stays; an ANP Allow decides first (higher precedence), so web reaches db on 5432',
    all: true,
    expect: ['network-ingress-broadened shop/db 5432 after:anp.yaml:16'],
  },
  {
    case: 'admin-anp-pass-to-np',
    why: 'Deny → Pass hands web → db to the NetworkPolicy, which admits 5432 from every namespace: broadened on the action',
    all: true,
    expect: ['network-ingress-broadened shop/db 5432 after:anp.yaml:17'],
  },
  {
    case: 'equiv-admin-pass-to-np-that-denies',
    why: 'Deny → Pass, but the NetworkPolicy that now decides admits only team=shop: web is dropped as before',
    all: true,
    expect: [],
  },
  {
    case: 'admin-banp-default-deny-removed',
    why: 'the BaselineAdminNetworkPolicy Deny was the default-deny of team=shop namespaces (no NetworkPolicy selects their pods): every pod there is open again',
    all: true,
    expect: [
      'network-isolation-lost shop/* 443 before:banp.yaml:11',
      'network-isolation-lost shop/api 443 before:banp.yaml:11',
      'network-isolation-lost shop/db 5432 before:banp.yaml:11',
      'network-isolation-lost {team=shop}/* 443 before:banp.yaml:11',
    ],
  },
  { case: 'equiv-admin-renumbered', why: 'priorities 10 and 20 renumbered 100 and 200: the same order, the same connections', all: true, expect: [] },
  {
    case: 'admin-anp-reordered',
    why: 'the Allow moves from priority 20 to 5, above the Deny of 9090 at 10: 9090 opens, on the priority',
    all: true,
    expect: ['network-ingress-broadened shop/db 9090 after:anp.yaml:31'],
  },
  {
    case: 'admin-anp-same-priority',
    why: 'a second ANP at priority 10 Allows what the first Denies: ambiguous (on its priority), and the weaker (Allow) is assumed',
    all: true,
    expect: ['ambiguous-precedence shop/db 5432 after:anp-web.yaml:6', 'network-ingress-broadened shop/db 5432 after:anp-web.yaml:16'],
  },
  {
    case: 'admin-anp-invalid-action',
    why: 'action Block is not in the CRD enum: the ANP is rejected, so its Deny no longer applies',
    all: true,
    expect: ['invalid-policy null null after:anp.yaml:17', 'network-ingress-broadened shop/db 5432 after:anp.yaml:17'],
  },
  {
    case: 'admin-anp-nodes-rule-added',
    why: 'a rule with a nodes peer is not modelled: its addition fails closed on the peer',
    all: true,
    expect: ['analysis-incomplete null null after:anp.yaml:26'],
  },
  {
    case: 'admin-cnp-egress-networks-widened',
    why: 'ClusterNetworkPolicy v1alpha2 Accept to 10.20.0.0/16 widened to 10.0.0.0/8 above a Deny of everything: api reaches 10.0.0.1 on 443',
    all: true,
    expect: ['network-egress-broadened shop/api 443 after:cnp.yaml:21'],
  },
];

describe('NetworkPolicy change classes', () => {
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
    const got = result.findings
      .filter((f) => row.all || f.category !== 'access-narrowed')
      .map((f) => `${f.ruleId} ${f.workload} ${f.port} ${f.side}:${f.file}:${f.line}`);
    expect(got.sort(), row.why).toEqual([...row.expect].sort());
    for (const f of result.findings.filter((x) => x.mesh === 'networkpolicy' && x.ruleId !== 'invalid-policy' && x.ruleId !== 'analysis-incomplete')) {
      expect(f.witness, 'every finding names a peer and a port').toMatch(/connecting to .* on (TCP|UDP|SCTP) /);
      if (f.ruleId !== 'ambiguous-precedence')
        expect(f.notes).toContain('Assumes the cluster network plugin enforces NetworkPolicy (the repository cannot show it).');
      // A finding an admin tier decided says that the plugin is assumed to implement those tiers.
      if (/AdminNetworkPolicy|ClusterNetworkPolicy/.test(f.resource.kind)) expect(f.notes?.join(' ')).toContain('implements AdminNetworkPolicy');
    }
    // Not analysed any more: no admin policy is listed for review by hand.
    expect(result.unanalysed).toEqual([]);
  });
});
