import { createHash } from 'node:crypto';
import { DEMO_AFTER, DEMO_BEFORE, readTree, withFiles, type Tree } from '../app/fixtures/repo.js';
import type { StandInPull } from './standIn.js';

export const sha = (seed: string): string => createHash('sha1').update(seed).digest('hex');

/**
 * The hostile pull request of issue #12: ALLOW policies whose principals mix
 * exact, `prefix*` and `*suffix` values (20,000 of them is about 900 KB). The
 * exact comparison of such sets is what froze the server on its main thread.
 * One such list is now reviewed in about a second (issue #11); four different
 * lists on one workload still make the intersections of every pair of lists
 * with the others a search over hundreds of thousands of states, so the
 * review runs into its bounds, which is what the server's tests need.
 */
export function hostilePolicy(principals: number, list = 0): string {
  const values: string[] = [];
  for (let i = 0; i < principals; i++) {
    const kind = i % 3;
    const id = `${list}-${i}`;
    values.push(kind === 0 ? `cluster.local/ns/team-${id}/sa/svc-${id}` : kind === 1 ? `cluster.local/ns/team-${id}/*` : `*/sa/robot-${id}`);
  }
  return [
    'apiVersion: security.istio.io/v1',
    'kind: AuthorizationPolicy',
    'metadata:',
    `  name: payments-allow-many-${list}`,
    '  namespace: payments',
    'spec:',
    '  selector:',
    '    matchLabels:',
    '      app: payments',
    '  action: ALLOW',
    '  rules:',
    '    - from:',
    '        - source:',
    '            principals:',
    ...values.map((v) => `              - "${v}"`),
    '',
  ].join('\n');
}

export interface PullOptions {
  owner?: string;
  repo?: string;
  number: number;
  installationId: number;
  kind: 'demo' | 'hostile' | 'harmless';
  principals?: number;
}

/** A pull request the stand-in serves: the demo's weakenings, a hostile policy, or a harmless change. */
export function makePull(o: PullOptions): StandInPull {
  const owner = o.owner ?? `org-${o.installationId}`;
  const repo = o.repo ?? 'mesh';
  const base: Tree = readTree(DEMO_BEFORE);
  const head: Tree =
    o.kind === 'demo'
      ? readTree(DEMO_AFTER)
      : o.kind === 'hostile'
        ? withFiles(base, Object.fromEntries([0, 1, 2, 3].map((list) => [`payments/allow-many-${list}.yaml`, hostilePolicy(o.principals ?? 20_000, list)])))
        : withFiles(base, { 'payments/deployment.yaml': (base.get('payments/deployment.yaml') ?? '').replace('replicas: 2', 'replicas: 3') });
  return {
    owner,
    repo,
    number: o.number,
    installationId: o.installationId,
    baseSha: sha(`${owner}/${repo}#${o.number}:base`),
    headSha: sha(`${owner}/${repo}#${o.number}:${o.kind}`),
    base,
    head,
  };
}
