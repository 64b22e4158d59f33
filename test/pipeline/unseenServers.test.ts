/**
 * DestinationRules for services the repository does not deploy (history pair 55): a rule for `*`
 * or `*.ns.svc.cluster.local` decides what clients send to that namespace's services wherever
 * they are deployed from, so a namespace with no workload in the repository gets one
 * representative server ("pods in namespace ns") for client transport.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

const dr = (name: string, host: string, mode: string, ns = 'tutorial') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  host: "${host}"
  trafficPolicy:
    tls:
      mode: ${mode}
`;
const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: tutorial
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: x
          ports: [{containerPort: 8080}]
`;
const service =
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: tutorial\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n';

const review = (before: Record<string, string>, after: Record<string, string>) =>
  reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config: defaultConfig(), now: new Date('2026-12-01T00:00:00Z') })
    .findings.filter((f) => f.ruleId === 'client-transport-weakened')
    .map((f) => `${f.workload} ${f.file}:${f.line}`);

describe('client transport to services the repository does not deploy', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    [
      'ISTIO_MUTUAL for *.tutorial replaced by DISABLE for *: the namespace unseen services are reached in plaintext',
      { 'dr.yaml': dr('mtls', '*.tutorial.svc.cluster.local', 'ISTIO_MUTUAL') },
      { 'dr.yaml': dr('plain', '*', 'DISABLE') },
      ['tutorial/* dr.yaml:10'],
    ],
    [
      'a short host names the rule namespace',
      { 'dr.yaml': dr('reviews', 'reviews', 'ISTIO_MUTUAL') },
      { 'dr.yaml': dr('reviews', 'reviews', 'DISABLE') },
      ['tutorial/* dr.yaml:10'],
    ],
    [
      'a host outside the cluster stands for no unseen server',
      { 'dr.yaml': dr('api', '*.example.com', 'ISTIO_MUTUAL') },
      { 'dr.yaml': dr('api', '*.example.com', 'DISABLE') },
      [],
    ],
    [
      'a namespace the repository deploys into is judged on its own services only, once',
      { 'dr.yaml': dr('mtls', '*.tutorial.svc.cluster.local', 'ISTIO_MUTUAL'), 'app.yaml': `${deploy}---\n${service}` },
      { 'dr.yaml': dr('mtls', '*.tutorial.svc.cluster.local', 'DISABLE'), 'app.yaml': `${deploy}---\n${service}` },
      ['tutorial/web dr.yaml:10'],
    ],
    [
      'ISTIO_MUTUAL kept: nothing',
      { 'dr.yaml': dr('mtls', '*.tutorial.svc.cluster.local', 'ISTIO_MUTUAL') },
      { 'dr.yaml': dr('mtls2', '*.tutorial.svc.cluster.local', 'ISTIO_MUTUAL') },
      [],
    ],
  ])('%s', (_name, before, after, expected) => {
    expect(review(before, after)).toEqual(expected);
  });
});
