import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../src/findings/finding.js';
import type { Rule } from '../../../src/findings/rule.js';
import { ruleFor } from '../../../src/findings/rules/index.js';
import { toFindings } from '../../../src/findings/toFindings.js';
import type { Workload } from '../../../src/inventory/inventory.js';
import type { Resource } from '../../../src/manifests/resource.js';
import { CAUSES, makeChange, type Cause, type ChangeFields, type FactsOf, type PolicyChange } from '../../../src/policy/change.js';

/**
 * Rule tables (issue #14 item 5): each rule's test file lists changes the rule takes, with
 * the words and severity it gives them, and every other cause's sample as a change it leaves
 * to another rule. A change is built here as producers build it (makeChange checks the facts).
 */

/** Facts a change of each cause carries in the tables, unless a row says otherwise. */
export const SAMPLE_FACTS: { [C in Cause]: FactsOf<C> } = {
  'transport-weakened': { gateway: false },
  'transport-strengthened': {},
  'sidecar-removed': { governed: false, ambient: false },
  'port-bypassed': { ambient: false },
  'plaintext-allowed': {},
  'policies-unenforceable': {},
  'deny-weakened': {},
  'custom-removed': {},
  'allow-broadened': {},
  'allow-all-restored': {},
  'policy-dry-run': {},
  'access-narrowed': {},
  'client-plaintext': { sends: 'plaintext' },
  'client-tls-breaks': { sends: 'plaintext' },
  'egress-broadened': { anyHost: false },
  'egress-tls-removed': { host: 'api.example.com', port: 80 },
  'ingress-exposed': { backend: 'payments.shop.svc.cluster.local:8080' },
  ambiguous: { conflict: 'PeerAuthentications shop/a and shop/b both select shop/payments; Istio applies the oldest' },
  invalid: { problem: 'spec.action: expected ALLOW, DENY, CUSTOM or AUDIT' },
  unanalysable: { reason: 'shop/authz.yaml: invalid YAML: bad indentation' },
  'netpol-ingress-broadened': { connection: { direction: 'ingress', subject: 'shop/payments', morePeers: 0 } },
  'netpol-isolation-lost': { connection: { direction: 'ingress', subject: 'shop/payments', morePeers: 0 } },
  'netpol-egress-broadened': { connection: { direction: 'egress', subject: 'shop/payments', morePeers: 0 } },
  'layer-held': { held: 'allow-broadened', layer: 'Kubernetes NetworkPolicy', holders: ['NetworkPolicy shop/payments-ingress'], morePeers: 0 },
};

/** An object of the repository, at line 10 of its file; every field inside it at line 12. */
export function resource(over: Partial<Resource> = {}): Resource {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    name: 'authz',
    namespace: 'shop',
    body: {},
    file: 'shop/authz.yaml',
    docIndex: 0,
    line: 10,
    hash: 'h',
    locate: () => 12,
    ...over,
  };
}

/** The workload the tables' changes are about: `shop/payments`, port 8080. */
export const PAYMENTS: Workload = {
  kind: 'Deployment',
  name: 'payments',
  namespace: 'shop',
  labels: { app: 'payments' },
  annotations: {},
  serviceAccount: 'payments',
  ports: [],
  hostNetwork: false,
  resource: resource({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments', file: 'shop/payments.yaml' }),
  templatePath: ['spec', 'template', 'metadata'],
};

/** A change of `cause` on shop/payments:8080 with the sample facts, `facts` and fields overriding them. */
export function sampleChange<C extends Cause>(cause: C, over: { facts?: Partial<FactsOf<C>> } & Partial<ChangeFields> = {}): PolicyChange {
  const { facts, ...fields } = over;
  return makeChange(cause, { ...SAMPLE_FACTS[cause], ...facts } as FactsOf<C>, {
    mesh: 'istio',
    workload: PAYMENTS,
    port: 8080,
    anchor: { resource: resource(), path: ['spec'] },
    side: 'after',
    before: '',
    after: '',
    witness: null,
    scope: 'workload',
    ...fields,
  });
}

/** One change a rule takes, and what the rule makes of it. */
export interface Row {
  /** What the row shows, for the test's name. */
  name: string;
  change: PolicyChange;
  title: string;
  severity: Severity;
  /** Words the message holds (its fix is always checked). */
  message?: string[];
  /** Words the message must not hold before its fix (facts are read, not said). */
  notInMessage?: string[];
}

/**
 * The rule's table: every row is taken by this rule, and by it only, with these words; a
 * sample change of every cause the rule does not list, and `alsoNotMatching`, is left to another.
 */
export function ruleTable(rule: Rule, rows: Row[], alsoNotMatching: { name: string; change: PolicyChange }[] = []): void {
  describe(`rule ${rule.id}`, () => {
    it.each(rows.map((r) => [r.name, r] as const))('takes %s', (_name, row) => {
      expect(rule.matches(row.change)).toBe(true);
      expect(ruleFor(row.change)).toBe(rule);
      const [f] = toFindings([row.change]);
      expect(f).toMatchObject({ ruleId: rule.id, category: rule.category, title: row.title, severity: row.severity });
      for (const words of row.message ?? []) expect(f!.message).toContain(words);
      expect(f!.message.endsWith(`Fix: ${rule.fix}`)).toBe(true);
      const said = f!.message.slice(0, -`Fix: ${rule.fix}`.length);
      for (const words of row.notInMessage ?? []) expect(said).not.toContain(words);
    });

    const others = CAUSES.filter((c) => !rule.causes.includes(c)).map((c) => ({ name: `a ${c} change`, change: sampleChange(c) }));
    it.each([...others, ...alsoNotMatching].map((r) => [r.name, r.change] as const))('leaves %s to another rule', (_name, change) => {
      expect(rule.matches(change)).toBe(false);
      expect(ruleFor(change)).not.toBe(rule);
    });
  });
}
