/**
 * One row per rule of mesh-semantics.md 5.1 (Kubernetes docs "Network Policies" and the
 * NetworkPolicy API reference): pods and policies in, the connection between two pods out.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { Connectivity } from '../../../src/meshes/networkpolicy/connlist.js';
import { readNetworkPolicies } from '../../../src/meshes/networkpolicy/policy.js';
import { IpSet } from '../../../src/policy/ipSet.js';

const pod = (ns: string, name: string, labels: Record<string, string>, ports: string[] = []) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
  labels: ${JSON.stringify(labels)}
spec:
  containers:
    - name: c
      image: x
      ports: [${ports.join(', ')}]
`;
const ns = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}
`;
const np = (namespace: string, spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p${Math.abs(hash(spec))}
  namespace: ${namespace}
spec:
${spec.replace(/^/gm, '  ')}
`;
function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

/** Cluster: namespace `shop` (team=shop) with db (app=db, port 5432 named pg) and api (app=api); namespace `web` (team=web) with front (app=api too). */
const CLUSTER = [
  ns('shop', { team: 'shop' }),
  ns('web', { team: 'web' }),
  pod('shop', 'db', { app: 'db' }, ['{containerPort: 5432, name: pg}', '{containerPort: 53, name: dns, protocol: UDP}']),
  pod('shop', 'api', { app: 'api' }),
  pod('web', 'front', { app: 'api' }),
];

function connectivity(policies: string[]) {
  const text = [...CLUSTER, ...policies].join('---\n');
  const parsed = parseFileContent('c.yaml', Buffer.from(text), defaultConfig().limits);
  expect(parsed.errors).toEqual([]);
  const inv = buildInventory(parsed.resources, 'default');
  const c = new Connectivity(inv);
  const w = (n: string) => c.pods.find((p) => p.name === n)!;
  return {
    between: (a: string, b: string) => c.between(w(a), w(b)).describe(),
    from: (cidr: string, b: string) => c.fromExternal(IpSet.cidr(cidr)!, w(b)).describe(),
    to: (a: string, cidr: string) => c.toExternal(w(a), IpSet.cidr(cidr)!).describe(),
    invalid: readNetworkPolicies(inv).invalid.map((i) => `${i.path.join('.')}: ${i.message.split(': ').slice(2).join(': ')}`),
  };
}

const DB_ONLY = 'podSelector: {matchLabels: {app: db}}';
type Probe = ['between', string, string] | ['from', string, string] | ['to', string, string];

describe('NetworkPolicy semantics (5.1)', () => {
  it.each<[string, string[], Probe, string]>([
    ['no policy: everything', [], ['between', 'api', 'db'], 'All Connections'],
    ['selected for ingress with no rules: nothing in', [`${DB_ONLY}`], ['between', 'api', 'db'], 'No Connections'],
    ['policyTypes omitted: Ingress even for an egress-only policy', [`${DB_ONLY}\negress: [{}]`], ['between', 'api', 'db'], 'No Connections'],
    [
      'policyTypes [Egress]: ingress rules ignored, ingress open',
      [`${DB_ONLY}\npolicyTypes: [Egress]\ningress: []`],
      ['between', 'api', 'db'],
      'All Connections',
    ],
    [
      'egress isolation: the source may send nothing',
      [`podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]`],
      ['between', 'api', 'db'],
      'No Connections',
    ],
    ['ingress: [{}] allows everything', [`${DB_ONLY}\ningress: [{}]`], ['from', '0.0.0.0/0', 'db'], 'All Connections'],
    ['ports only: every source on those ports', [`${DB_ONLY}\ningress: [{ports: [{port: 5432}]}]`], ['between', 'front', 'db'], 'TCP 5432'],
    [
      'podSelector alone: the policy namespace only',
      [`${DB_ONLY}\ningress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]`],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'podSelector alone admits the same namespace',
      [`${DB_ONLY}\ningress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]`],
      ['between', 'api', 'db'],
      'All Connections',
    ],
    [
      'namespaceSelector {}: all namespaces',
      [`${DB_ONLY}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: api}}}]}]`],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'one peer with both selectors: AND',
      [`${DB_ONLY}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: web}}, podSelector: {matchLabels: {app: db}}}]}]`],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'two peers: OR',
      [`${DB_ONLY}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: web}}}, {podSelector: {matchLabels: {app: db}}}]}]`],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'namespace by name label',
      [`${DB_ONLY}\ningress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}}]}]`],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'matchExpressions NotIn',
      [`${DB_ONLY}\ningress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [web]}]}}]}]`],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'matchExpressions Exists',
      [`${DB_ONLY}\ningress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}}]}]`],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'union of policies',
      [`${DB_ONLY}\ningress: [{ports: [{port: 5432}]}]`, `${DB_ONLY}\ningress: [{ports: [{port: 53, protocol: UDP}]}]`],
      ['between', 'api', 'db'],
      'TCP 5432,UDP 53',
    ],
    ['endPort: a range', [`${DB_ONLY}\ningress: [{ports: [{port: 8000, endPort: 8080}]}]`], ['between', 'api', 'db'], 'TCP 8000-8080'],
    ['no port: the whole protocol', [`${DB_ONLY}\ningress: [{ports: [{protocol: SCTP}]}]`], ['between', 'api', 'db'], 'SCTP'],
    ['named port resolves through the destination containers', [`${DB_ONLY}\ningress: [{ports: [{port: pg}]}]`], ['between', 'api', 'db'], 'TCP 5432'],
    ['named port needs the same protocol', [`${DB_ONLY}\ningress: [{ports: [{port: dns}]}]`], ['between', 'api', 'db'], 'No Connections'],
    ['unknown port name matches nothing', [`${DB_ONLY}\ningress: [{ports: [{port: nope}]}]`], ['between', 'api', 'db'], 'No Connections'],
    [
      'ipBlock except',
      [`${DB_ONLY}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]`],
      ['from', '10.1.2.3/32', 'db'],
      'No Connections',
    ],
    [
      'ipBlock inside',
      [`${DB_ONLY}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]`],
      ['from', '10.2.0.0/16', 'db'],
      'All Connections',
    ],
    ['ipBlock never matches pods', [`${DB_ONLY}\ningress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]`], ['between', 'api', 'db'], 'No Connections'],
    [
      'egress named port never matches an address',
      [`podSelector: {matchLabels: {app: db}}\npolicyTypes: [Egress]\negress: [{ports: [{port: pg}]}]`],
      ['to', 'db', '8.8.8.8/32'],
      'No Connections',
    ],
    [
      'egress and ingress both needed',
      [
        `podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\negress: [{ports: [{port: 5432}, {port: 9000}]}]`,
        `${DB_ONLY}\ningress: [{ports: [{port: pg}, {port: 53, protocol: UDP}]}]`,
      ],
      ['between', 'api', 'db'],
      'TCP 5432',
    ],
  ])('%s', (_name, policies, [kind, a, b], expected) => {
    const c = connectivity(policies.map((p) => np('shop', p)));
    expect(c.invalid).toEqual([]);
    expect(c[kind](a, b)).toBe(expected);
  });
});

describe('validation as the API server does it: an invalid policy is not applied', () => {
  it.each<[string, string, string]>([
    [
      'endPort without port',
      `${DB_ONLY}\ningress: [{ports: [{endPort: 90}]}]`,
      'spec.ingress.0.ports.0.endPort: may not be specified when `port` is not specified',
    ],
    [
      'endPort with a named port',
      `${DB_ONLY}\ningress: [{ports: [{port: pg, endPort: 90}]}]`,
      'spec.ingress.0.ports.0.endPort: may not be specified when `port` is non-numeric',
    ],
    [
      'endPort below port',
      `${DB_ONLY}\ningress: [{ports: [{port: 90, endPort: 80}]}]`,
      'spec.ingress.0.ports.0.endPort: must be greater than or equal to `port`',
    ],
    ['port out of range', `${DB_ONLY}\ningress: [{ports: [{port: 70000}]}]`, 'spec.ingress.0.ports.0.port: must be between 1 and 65535, inclusive'],
    ['port name not an IANA_SVC_NAME', `${DB_ONLY}\ningress: [{ports: [{port: "80"}]}]`, 'spec.ingress.0.ports.0.port: invalid port name "80"'],
    ['unknown protocol', `${DB_ONLY}\ningress: [{ports: [{protocol: ICMP}]}]`, 'spec.ingress.0.ports.0.protocol: Unsupported value: "ICMP"'],
    [
      'ipBlock with a selector',
      `${DB_ONLY}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]`,
      'spec.ingress.0.from.0: may not specify more than 1 peer type',
    ],
    ['empty peer', `${DB_ONLY}\ningress: [{from: [{}]}]`, 'spec.ingress.0.from.0: must specify a peer'],
    [
      'except not a strict subset',
      `${DB_ONLY}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]`,
      'spec.ingress.0.from.0.ipBlock.except.0: must be a strict subset of `cidr`',
    ],
    ['bad cidr', `${DB_ONLY}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]`, 'spec.ingress.0.from.0.ipBlock.cidr: invalid CIDR address: 10.0.0.0/33'],
    ['unknown policyType', `${DB_ONLY}\npolicyTypes: [Both]`, 'spec.policyTypes.0: Unsupported value: "Both"'],
    [
      'In without values',
      `podSelector: {matchExpressions: [{key: app, operator: In, values: []}]}`,
      'spec.podSelector.matchExpressions.0.values: values: must be specified when operator is In',
    ],
    [
      'Exists with values',
      `podSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}`,
      'spec.podSelector.matchExpressions.0.values: values: may not be specified when operator is Exists',
    ],
    ['bad label value', `podSelector: {matchLabels: {app: "a b"}}`, 'spec.podSelector.matchLabels.app: invalid label value "a b"'],
  ])('%s', (_name, spec, message) => {
    const c = connectivity([np('shop', spec)]);
    expect(c.invalid).toHaveLength(1);
    expect(c.invalid[0]).toContain(message);
    // Not applied: db stays open.
    expect(c.between('api', 'db')).toBe('All Connections');
  });
});
