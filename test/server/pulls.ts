import { createHash } from 'node:crypto';
import { DEMO_AFTER, DEMO_BEFORE, readTree, withFiles, type Tree } from '../app/fixtures/repo.js';
import type { StandInPull } from './standIn.js';

export const sha = (seed: string): string => createHash('sha1').update(seed).digest('hex');

/**
 * The hostile pull request of issue #12: one ALLOW policy whose principals mix
 * exact, `prefix*` and `*suffix` values (20,000 of them is about 900 KB). The
 * exact comparison of such sets is what froze the server on its main thread.
 */
export function hostilePolicy(principals: number): string {
  const values: string[] = [];
  for (let i = 0; i < principals; i++) {
    const kind = i % 3;
    values.push(kind === 0 ? `cluster.local/ns/team-${i}/sa/svc-${i}` : kind === 1 ? `cluster.local/ns/team-${i}/*` : `*/sa/robot-${i}`);
  }
  return [
    'apiVersion: security.istio.io/v1',
    'kind: AuthorizationPolicy',
    'metadata:',
    '  name: payments-allow-many',
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
        ? withFiles(base, { 'payments/allow-many.yaml': hostilePolicy(o.principals ?? 20_000) })
        : withFiles(base, { 'payments/deployment.yaml': (base.get('payments/deployment.yaml') ?? '').replace('replicas: 2', 'replicas: 3') });
  return { owner, repo, number: o.number, installationId: o.installationId, baseSha: sha(`${owner}/${repo}#${o.number}:base`), headSha: sha(`${owner}/${repo}#${o.number}:${o.kind}`), base, head };
}
