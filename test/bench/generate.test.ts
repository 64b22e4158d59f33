import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { expectedDocuments, filePath, generateRepo, hasDeny, nsName, plannedChanges, WORKLOADS_PER_NAMESPACE } from '../../src/bench/generate.js';
import { defaultConfig } from '../../src/config/schema.js';
import { RULES } from '../../src/findings/rules/index.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import type { Snapshot } from '../../src/sources/snapshot.js';

const N = 12;

const kindsOf = (snapshot: Snapshot): Map<string, number> => {
  const kinds = new Map<string, number>();
  for (const file of snapshot.files) {
    for (const doc of parseAllDocuments(file.content.toString('utf8'))) {
      expect(doc.errors).toEqual([]);
      const kind = (doc.toJS() as { kind: string }).kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  }
  return kinds;
};

const total = (kinds: Map<string, number>): number => [...kinds.values()].reduce((a, b) => a + b, 0);

describe('generateRepo', () => {
  it('is deterministic: same n, byte-identical files on both sides', () => {
    const a = generateRepo(N);
    const b = generateRepo(N);
    for (const side of ['base', 'head'] as const) {
      expect(a[side].files.map((f) => f.path)).toEqual(b[side].files.map((f) => f.path));
      a[side].files.forEach((f, i) => expect(f.content.equals(b[side].files[i]!.content), f.path).toBe(true));
    }
    expect(a.changes).toEqual(b.changes);
  });

  it('writes one file per namespace with the intended documents', () => {
    const repo = generateRepo(N);
    expect(repo.base.files.map((f) => f.path)).toEqual(Array.from({ length: N }, (_, i) => filePath(i)));
    const kinds = kindsOf(repo.base);
    const denies = Array.from({ length: N }, (_, i) => i).filter(hasDeny).length;
    expect(denies).toBe(2);
    expect(Object.fromEntries(kinds)).toEqual({
      Namespace: N,
      ServiceAccount: N * WORKLOADS_PER_NAMESPACE,
      Deployment: N * WORKLOADS_PER_NAMESPACE,
      Service: N * WORKLOADS_PER_NAMESPACE,
      PeerAuthentication: N * WORKLOADS_PER_NAMESPACE,
      AuthorizationPolicy: N * WORKLOADS_PER_NAMESPACE + denies,
      DestinationRule: N * WORKLOADS_PER_NAMESPACE,
    });
    expect(total(kinds)).toBe(expectedDocuments(N));
    expect(repo.documents).toBe(expectedDocuments(N));
    expect(repo.bytes).toBe(repo.base.files.reduce((sum, f) => sum + f.content.length, 0));
  });

  it('has 31,100 documents per side at n=1000', () => {
    expect(expectedDocuments(1000)).toBe(31_100);
  });

  it('changes only the three planned namespaces on the head side', () => {
    const repo = generateRepo(N);
    const changed = repo.head.files.filter((f, i) => !f.content.equals(repo.base.files[i]!.content)).map((f) => f.path);
    expect(repo.head.files.map((f) => f.path)).toEqual(repo.base.files.map((f) => f.path));
    expect(changed.sort()).toEqual(repo.changes.map((c) => `mesh/${c.namespace}.yaml`).sort());
    expect(new Set(repo.changes.map((c) => c.namespace)).size).toBe(3);
    // Unchanged files share their bytes, as blobs do in a git checkout.
    repo.head.files.forEach((f, i) => {
      if (!changed.includes(f.path)) expect(f.content).toBe(repo.base.files[i]!.content);
    });
    // The DENY change removes exactly one document; the others keep the count.
    expect(total(kindsOf(repo.head))).toBe(repo.documents - 1);
  });

  it('plans its changes in distinct namespaces for any n >= 3, the DENY one where a DENY policy exists', () => {
    for (const n of [3, 4, 10, 11, 12, 21, 250, 500, 1000]) {
      const changes = plannedChanges(n);
      expect(new Set(changes.map((c) => c.namespace)).size).toBe(3);
      const deny = changes.find((c) => c.kind === 'deny-deleted')!;
      expect(hasDeny(Number(deny.namespace.slice('ns-'.length)))).toBe(true);
      for (const c of changes) expect(Number(c.namespace.slice('ns-'.length))).toBeLessThan(n);
    }
    expect(() => plannedChanges(2)).toThrow();
  });
});

describe('reviewing the synthetic repository', () => {
  const config = defaultConfig();
  const now = new Date('2026-01-01T00:00:00Z');

  it('finds exactly the intended weakenings, in the changed namespaces', () => {
    const repo = generateRepo(N);
    const result = reviewSnapshots({ base: repo.base, head: repo.head, config, cache: new ParseCache(), now });
    expect(result.errors).toEqual([]);
    const known = new Set(RULES.map((r) => r.id));
    for (const c of repo.changes) expect(known).toContain(c.ruleId);

    expect(new Set(result.findings.map((f) => f.ruleId))).toEqual(new Set(repo.changes.map((c) => c.ruleId)));
    for (const change of repo.changes) {
      const found = result.findings.filter((f) => f.ruleId === change.ruleId);
      expect(found.length, change.ruleId).toBeGreaterThan(0);
      for (const f of found) {
        expect(f.file).toBe(`mesh/${change.namespace}.yaml`);
        expect(f.workload?.startsWith(`${change.namespace}/`)).toBe(true);
        if (change.workload !== null) expect(f.workload).toBe(`${change.namespace}/${change.workload}`);
      }
    }
    // The deleted DENY policy covered /api/v1/*, which the even-numbered workloads allow.
    const deny = repo.changes.find((c) => c.kind === 'deny-deleted')!;
    expect(result.findings.filter((f) => f.ruleId === 'deny-policy-weakened').map((f) => f.side)).toEqual(['before', 'before', 'before']);
    expect(result.findings.filter((f) => f.ruleId === 'deny-policy-weakened').every((f) => f.file === `mesh/${deny.namespace}.yaml`)).toBe(true);
  });

  it('finds nothing when head = base', () => {
    const repo = generateRepo(N);
    const result = reviewSnapshots({ base: repo.base, head: repo.base, config, cache: new ParseCache(), now });
    expect(result.findings).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.summary.workloads).toBe(N * WORKLOADS_PER_NAMESPACE);
  });

  it('names namespaces with a fixed width, so files sort in namespace order', () => {
    expect(nsName(7)).toBe('ns-0007');
    expect(filePath(123)).toBe('mesh/ns-0123.yaml');
  });
});
