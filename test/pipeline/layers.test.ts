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
    why: 'the deleted policy admitted web on 8080 only: web now reaches other ports, which the mesh ALLOW admits (a finding); other namespaces stay held',
    expect: ['network-isolation-lost shop/payments 443 np.yaml:4', 'weakening-held shop/payments 8080 np.yaml:4'],
  },
  {
    case: 'netpol-deleted-no-mesh-policy',
    why: 'no mesh policy holds anything back: the deletion is a finding as it would be without a mesh',
    expect: ['network-isolation-lost shop/payments 443 np.yaml:4'],
  },
  {
    case: 'strict-to-permissive-behind-netpol',
    why: 'transport weakenings are reported whatever NetworkPolicy says (§6); pods of web may be outside the mesh, so plaintext gets through',
    expect: ['plaintext-access-allowed shop/payments 8080 pa.yaml:8', 'transport-weakened shop/payments 8080 pa.yaml:8'],
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
