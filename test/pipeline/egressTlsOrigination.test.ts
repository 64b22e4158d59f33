/**
 * TLS origination toward external hosts (rule egress-tls-origination-removed), one fixture per
 * case under test/pipeline/fixtures/egress-tls/<case>/{before,after}, run through the whole engine.
 * Expectations come from Istio's semantics (docs: egress TLS origination; a DestinationRule
 * attaches to a registry service, one ServiceEntry host as written), not from the engine's output.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import type { Side } from '../../src/findings/finding.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/egress-tls/', import.meta.url));
const RULE = 'egress-tls-origination-removed';

interface Row {
  case: string;
  why: string;
  /** The finding of the rule, or null when the change must be silent for it. */
  expect: { line: number; side: Side; port: number; witnessHost: RegExp; clients?: RegExp } | null;
}

const ROWS: Row[] = [
  {
    case: 'narrowed',
    why: 'entry and origination narrowed from *.googleapis.com (HTTP on 443) to www.googleapis.com: other googleapis hosts pass through (ALLOW_ANY) in cleartext',
    expect: { line: 8, side: 'after', port: 443, witnessHost: /\b(?!www\.)[a-z]+\.googleapis\.com:443\b/ },
  },
  {
    case: 'narrowed-registry-only',
    why: 'the same narrowing under REGISTRY_ONLY: the hosts no longer registered are refused, nothing leaves in cleartext',
    expect: null,
  },
  {
    case: 'split-rewrite',
    why: 'one entry and one wildcard rule rewritten as two entries and two rules (one port-level) for the same hosts and port: equivalent',
    expect: null,
  },
  {
    case: 'app-does-tls',
    why: 'the port is declared HTTPS and the rule removed: the app does TLS itself, the wire stays encrypted',
    expect: null,
  },
  {
    case: 'mode-disabled',
    why: 'the originating rule set to DISABLE: plaintext HTTP leaves as is, anchored on the mode line',
    expect: { line: 24, side: 'after', port: 80, witnessHost: /\b(api|files)\.partner\.example:80\b/ },
  },
  {
    case: 'rule-deleted',
    why: 'the originating rule deleted: anchored on its deleted mode line',
    expect: { line: 24, side: 'before', port: 80, witnessHost: /\b(api|files)\.partner\.example:80\b/ },
  },
  {
    case: 'entry-deleted',
    why: 'the ServiceEntry deleted, the rule kept: the hosts pass through unregistered (ALLOW_ANY) as sent; anchored on the deleted host line',
    expect: { line: 8, side: 'before', port: 80, witnessHost: /\bapi\.partner\.example:80\b/ },
  },
  {
    case: 'specific-entry-added',
    why: 'a more specific entry storage.googleapis.com (HTTP) added: the *.googleapis.com rule covers that service too, origination stays',
    expect: null,
  },
  {
    case: 'rule-host-narrowed',
    why: 'the rule narrowed to www.googleapis.com while the entry stays *.googleapis.com: a rule attaches to the service *.googleapis.com only if its host covers the whole pattern, so no host of that service is originated any more',
    expect: { line: 20, side: 'after', port: 443, witnessHost: /\b[a-z]+\.googleapis\.com:443\b/ },
  },
  {
    case: 'in-mesh-rule',
    why: 'a rule for an in-mesh Service removed, external origination untouched: not this rule (auto-mTLS decides in-mesh)',
    expect: null,
  },
  {
    case: 'export-narrowed',
    why: 'the originating rule exported to its own namespace only: clients in other namespaces lose origination; anchored on exportTo',
    expect: { line: 22, side: 'after', port: 80, witnessHost: /\b(api|files)\.partner\.example:80\b/, clients: /any other namespace/ },
  },
];

async function review(name: string) {
  const config = defaultConfig();
  const [base, head] = await Promise.all([
    readDirectorySnapshot(`${FIXTURES}${name}/before`, config),
    readDirectorySnapshot(`${FIXTURES}${name}/after`, config),
  ]);
  return reviewSnapshots({ base, head, config, now: new Date('2026-12-01T00:00:00Z') });
}

describe('egress TLS origination (ServiceEntry hosts, DestinationRule client TLS)', () => {
  it.each(ROWS.map((r) => [r.case, r] as const))('%s', async (_name, row) => {
    const result = await review(row.case);
    expect(result.errors).toEqual([]);
    const found = result.findings.filter((f) => f.ruleId === RULE);
    if (row.expect === null) {
      expect(found, row.why).toEqual([]);
      return;
    }
    expect(found, row.why).toHaveLength(1);
    const f = found[0]!;
    expect({ file: f.file, line: f.line, side: f.side, port: f.port, severity: f.severity, category: f.category }, row.why).toEqual({
      file: 'egress.yaml',
      line: row.expect.line,
      side: row.expect.side,
      port: row.expect.port,
      severity: 'medium',
      category: 'mtls-weakened',
    });
    expect(f.witness, row.why).toMatch(row.expect.witnessHost);
    if (row.expect.clients) expect(f.message, row.why).toMatch(row.expect.clients);
  });

  it('says nothing of hosts whose origination did not change in the in-mesh case', async () => {
    // The in-mesh rule's removal is auto-mTLS's business: good news at most, never a weakening.
    const result = await review('in-mesh-rule');
    expect(result.findings.filter((f) => f.category !== 'mtls-strengthened' && f.category !== 'access-narrowed')).toEqual([]);
  });
});
