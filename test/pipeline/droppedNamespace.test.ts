/**
 * A Namespace object that enrolled its pods in the mesh (istio-injection=enabled,
 * istio.io/rev, istio.io/dataplane-mode=ambient) and that the change stops declaring
 * (fixtures/history-real/26): the repository no longer manages the namespace, so its
 * label is no longer guaranteed and its pods may start without a proxy. A namespace
 * the head still declares is judged by its labels there; one never enrolled loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const namespace = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: a\n${labels}`;
const ENABLED = namespace('    istio-injection: enabled\n'); // the label is line 7
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: shop}
spec:
  selector: {matchLabels: {app: payments}}
  template:
    metadata: {labels: {app: payments}}
    spec: {containers: [{name: c, image: payments:1, ports: [{containerPort: 8080}]}]}
`;

type Files = Record<string, string>;
interface Row {
  name: string;
  base: Files;
  head: Files;
  /** The proxy-removed finding expected (workload, before-side file and line), or null for none. */
  expect: { workload: string; file: string; line: number; side: 'before' | 'after' } | null;
}

const rows: Row[] = [
  {
    name: 'an injection-enabled Namespace no longer declared',
    base: { 'ns.yaml': ENABLED },
    head: {},
    expect: { workload: 'shop/*', file: 'ns.yaml', line: 7, side: 'before' },
  },
  {
    name: 'a revision-labelled Namespace no longer declared',
    base: { 'ns.yaml': namespace('    istio.io/rev: canary\n') },
    head: {},
    expect: { workload: 'shop/*', file: 'ns.yaml', line: 7, side: 'before' },
  },
  {
    name: 'an ambient Namespace no longer declared',
    base: { 'ns.yaml': namespace('    istio.io/dataplane-mode: ambient\n') },
    head: {},
    expect: { workload: 'shop/*', file: 'ns.yaml', line: 7, side: 'before' },
  },
  {
    name: 'the Namespace dropped, its Deployment still in the repository',
    base: { 'ns.yaml': ENABLED, 'app.yaml': deployment },
    head: { 'app.yaml': deployment },
    expect: { workload: 'shop/payments', file: 'ns.yaml', line: 7, side: 'before' },
  },
  {
    name: 'the Namespace declared without its label',
    base: { 'ns.yaml': ENABLED },
    head: { 'ns.yaml': namespace('') },
    // The head's `labels:` map, which no longer holds the key (as before this change).
    expect: { workload: 'shop/*', file: 'ns.yaml', line: 5, side: 'after' },
  },
  {
    name: 'the Namespace declared with istio-injection=disabled',
    base: { 'ns.yaml': ENABLED },
    head: { 'ns.yaml': namespace('    istio-injection: disabled\n') },
    expect: { workload: 'shop/*', file: 'ns.yaml', line: 7, side: 'after' },
  },
  { name: 'the Namespace moved to another file, labelled', base: { 'ns.yaml': ENABLED }, head: { 'namespaces/shop.yaml': ENABLED }, expect: null },
  {
    name: 'injection moved to a revision label',
    base: { 'ns.yaml': ENABLED },
    head: { 'ns.yaml': namespace('    istio.io/rev: prod-stable\n') },
    expect: null,
  },
  {
    name: 'a Namespace never enrolled, no longer declared',
    base: { 'ns.yaml': namespace('    istio-injection: disabled\n'), 'app.yaml': deployment },
    head: { 'app.yaml': deployment },
    expect: null,
  },
  { name: 'the Namespace deleted with its workloads', base: { 'ns.yaml': ENABLED, 'app.yaml': deployment }, head: {}, expect: null },
  { name: 'a Namespace newly declared, enrolled', base: { 'app.yaml': deployment }, head: { 'ns.yaml': ENABLED, 'app.yaml': deployment }, expect: null },
];

describe('a Namespace that enrolled its pods leaves the repository', () => {
  it.each(rows)('$name', (row) => {
    const result = reviewSnapshots({
      base: memorySnapshot('base', row.base),
      head: memorySnapshot('head', row.head),
      config: defaultConfig(),
      now: new Date('2026-01-15T00:00:00Z'),
    });
    const found = result.findings.filter((f) => f.ruleId === 'proxy-removed').map((f) => ({ workload: f.workload, file: f.file, line: f.line, side: f.side }));
    expect(found).toEqual(row.expect ? [row.expect] : []);
    // Nothing else weakens: a proxy lost is the whole story.
    expect(result.findings.filter((f) => f.ruleId !== 'proxy-removed' && f.category !== 'access-narrowed' && f.category !== 'mtls-strengthened')).toEqual([]);
  });

  it('says the namespace is no longer managed from the repository', () => {
    const result = reviewSnapshots({ base: memorySnapshot('base', { 'ns.yaml': ENABLED }), head: memorySnapshot('head', {}), config: defaultConfig() });
    expect(result.findings[0]?.message).toContain(
      'Namespace shop, whose label istio-injection=enabled enrolled its pods, is no longer declared in the repository',
    );
    expect(result.findings[0]?.message).toContain('its label is no longer guaranteed');
  });

  it('an ambient namespace dropped: its pods leave ambient, no sidecar is named', () => {
    const result = reviewSnapshots({
      base: memorySnapshot('base', { 'ns.yaml': namespace('    istio.io/dataplane-mode: ambient\n') }),
      head: memorySnapshot('head', {}),
      config: defaultConfig(),
    });
    expect(result.findings[0]?.title).toBe('pods in namespace shop left the ambient data plane');
  });
});
