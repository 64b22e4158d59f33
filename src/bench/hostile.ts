/**
 * The hostile variant of `npm run bench` (issue #11 item 2): one AuthorizationPolicy whose
 * principals mix exact, `prefix*` and `*suffix` values, widened by one principal between base and
 * head. Each size runs in a child process of its own, so its wall time and peak RSS are its own,
 * and one that does not finish within the bound is said so instead of hanging the bench.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defaultConfig } from '../config/schema.js';
import { reviewSnapshots } from '../pipeline/review.js';
import { memorySnapshot } from '../sources/memorySource.js';

export const HOSTILE_SIZES = [1_000, 2_000, 20_000] as const;
const BOUND_SECONDS = Number(process.env.BENCH_HOSTILE_SECONDS ?? 180);

/** `cluster.local/ns/<ns>/sa/<sa>` shapes, a third each exact, prefix and suffix, as an attacker would mix them. */
export function hostilePrincipals(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const ns = `ns${i % 97}`;
    const sa = `sa${i}`;
    return [`cluster.local/ns/${ns}/sa/${sa}`, `cluster.local/ns/${ns}/sa/${sa}*`, `*/ns/${ns}/sa/${sa}`][i % 3]!;
  });
}

export function hostileFiles(principals: readonly string[]): Record<string, string> {
  return {
    'shop/app.yaml': `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: pay, namespace: shop}
spec:
  selector: {matchLabels: {app: pay}}
  template:
    metadata: {labels: {app: pay}}
    spec:
      containers: [{name: pay, image: pay, ports: [{containerPort: 8080}]}]
`,
    'shop/policy.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: hostile, namespace: shop}
spec:
  selector: {matchLabels: {app: pay}}
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
${principals.map((p) => `        - "${p}"`).join('\n')}
`,
  };
}

/**
 * `lists` further policies, each of n principals of its own (other namespaces, other service
 * accounts), on the same workload: every region the lists cut from each other is a search over
 * their product automata, so this is where the state budget (limits.maxMatcherStates) stops it.
 */
function extraLists(n: number, lists: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let k = 1; k < lists; k++) {
    const own = hostilePrincipals(n).map((p) => p.replace('/ns/', `/ns/l${k}-`).replace('/sa/', `/sa/l${k}-`));
    files[`shop/policy-${k}.yaml`] = hostileFiles(own)['shop/policy.yaml']!.replace('name: hostile', `name: hostile-${k}`);
  }
  return files;
}

/**
 * A NetworkPolicy of `n` rules on the same workload (issue #14), unchanged while the ALLOW above it
 * widens. `own`: each rule admits pods of namespaces labelled its own team whose app is not one of
 * two values of its own (representatives stay few: each label only matters where its selector
 * looks). `one`: a single rule over every namespace naming n pod label values, edited by the change
 * (more representatives than the bound: the layer fails closed).
 */
export function hostileNetworkPolicy(n: number, shape: 'own' | 'one', edited = false): string {
  const rules =
    shape === 'own'
      ? Array.from(
          { length: n },
          (_, i) =>
            `  - from: [{namespaceSelector: {matchLabels: {team: t${i}}}, podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [a${i}, b${i}]}]}}]\n    ports: [{protocol: TCP, port: ${8000 + (i % 1000)}, endPort: ${8005 + (i % 1000)}}]`,
        )
      : [
          `  - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [${Array.from({ length: n }, (_, i) => `v${i}`).join(', ')}${edited ? ', more' : ''}]}]}}]`,
        ];
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: hostile, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
${rules.join('\n')}
`;
}

export type HostileKind = 'principals' | 'netpol-own' | 'netpol-one';

/** One size, in this process: prints one JSON line. */
function runOne(n: number, lists: number, kind: HostileKind = 'principals'): void {
  const principals = hostilePrincipals(n);
  let base: Record<string, string>;
  let head: Record<string, string>;
  if (kind === 'principals') {
    base = hostileFiles(principals);
    head = { ...hostileFiles([...principals, 'cluster.local/ns/evil/sa/x*']), ...extraLists(n, lists) };
  } else {
    // A short ALLOW widened by one principal, over the NetworkPolicy under test.
    const shape = kind === 'netpol-own' ? 'own' : 'one';
    base = { ...hostileFiles(principals.slice(0, 3)), 'shop/np.yaml': hostileNetworkPolicy(n, shape) };
    head = { ...hostileFiles([...principals.slice(0, 3), 'cluster.local/ns/evil/sa/x*']), 'shop/np.yaml': hostileNetworkPolicy(n, shape, shape === 'one') };
  }
  const start = process.hrtime.bigint();
  const result = reviewSnapshots({
    base: memorySnapshot('base', base),
    head: memorySnapshot('head', head),
    config: defaultConfig(),
    now: new Date('2026-01-01T00:00:00Z'),
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rules = result.findings.map((f) => f.ruleId);
  console.log(JSON.stringify({ n, ms, rssMiB: process.resourceUsage().maxRSS / 1024, rules }));
}

function main(): void {
  console.log(`hostile policy: principals mixing exact, prefix* and *suffix; one principal added; bound ${BOUND_SECONDS} s per size (BENCH_HOSTILE_SECONDS)`);
  const runs: (readonly [number, number, HostileKind])[] = [
    ...HOSTILE_SIZES.map((n) => [n, 1, 'principals'] as const),
    [20_000, 4, 'principals'],
    [400, 1, 'netpol-own'],
    [3_010, 1, 'netpol-one'],
  ];
  for (const [n, lists, kind] of runs) {
    const label =
      kind === 'netpol-own'
        ? `NetworkPolicy of ${n} rules, each its own namespace and pod labels, under a widened ALLOW`
        : kind === 'netpol-one'
          ? `NetworkPolicy rule naming ${n} pod label values over every namespace, edited`
          : `n=${String(n).padStart(6)}${lists > 1 ? ` + ${lists - 1} more lists of n added` : ''}`;
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', String(n), String(lists), kind], {
      encoding: 'utf8',
      timeout: BOUND_SECONDS * 1000,
    });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.error || child.status !== 0 || !line.startsWith('{')) {
      console.log(`${label}  did not finish within ${BOUND_SECONDS} s${child.signal ? ` (${child.signal})` : ''}`);
      continue;
    }
    const r = JSON.parse(line) as { ms: number; rssMiB: number; rules: string[] };
    console.log(`${label}  review ${(r.ms / 1000).toFixed(1)} s  peak RSS ${r.rssMiB.toFixed(0)} MiB  findings ${[...new Set(r.rules)].join(', ') || 'none'}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--one');
  if (i >= 0) runOne(Number(process.argv[i + 1]), Number(process.argv[i + 2] ?? 1), (process.argv[i + 3] ?? 'principals') as HostileKind);
  else main();
}
