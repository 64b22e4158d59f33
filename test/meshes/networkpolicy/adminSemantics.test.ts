/**
 * One row per rule of mesh-semantics.md 5.2 (network-policy-api `apis/v1alpha1`, `apis/v1alpha2`
 * and its API overview): pods, NetworkPolicies and admin-tier policies in, the connection between
 * two pods (or a pod and an address) out. Then validation as the CRDs do it.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.js';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { readAdminPolicies } from '../../../src/meshes/networkpolicy/admin.js';
import { Connectivity } from '../../../src/meshes/networkpolicy/connlist.js';
import { reviewSnapshots } from '../../../src/pipeline/review.js';
import { IpSet } from '../../../src/policy/ipSet.js';
import { memorySnapshot } from '../../../src/sources/memorySource.js';

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
let n = 0;
const object = (apiVersion: string, kind: string, name: string, spec: string) => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${name}
spec:
${spec.replace(/^/gm, '  ')}
`;
const anp = (spec: string) => object('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', `anp${n++}`, spec);
const banp = (spec: string) => object('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'default', spec);
const cnp = (spec: string) => object('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', `cnp${n++}`, spec);
const np = (namespace: string, spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: np${n++}
  namespace: ${namespace}
spec:
${spec.replace(/^/gm, '  ')}
`;

/** Cluster: namespace `shop` (team=shop) with db (app=db, 5432 named pg, UDP 53 named dns) and api (app=api); namespace `web` (team=web) with front (app=api too). */
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
  const w = (x: string) => c.pods.find((p) => p.name === x)!;
  return {
    between: (a: string, b: string) => c.between(w(a), w(b)).describe(),
    from: (cidr: string, b: string) => c.fromExternal(IpSet.cidr(cidr)!, w(b)).describe(),
    to: (a: string, cidr: string) => c.toExternal(w(a), IpSet.cidr(cidr)!).describe(),
    invalid: readAdminPolicies(inv).invalid.map((i) => `${i.path.join('.')}: ${i.message.split(': ').slice(2).join(': ')}`),
  };
}

const TO_DB = 'subject: {pods: {namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchLabels: {app: db}}}}';
const FROM_WEB = 'from: [{namespaces: {matchLabels: {team: web}}}]';
const NP_DEFAULT_DENY = np('shop', 'podSelector: {matchLabels: {app: db}}');
const NP_PG_ONLY = np('shop', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: 5432}]}]');
type Probe = ['between', string, string] | ['from', string, string] | ['to', string, string];

describe('admin tiers (5.2)', () => {
  it.each<[string, string[], Probe, string]>([
    [
      'an ANP Deny drops what it matches',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'no implicit isolation: an ANP leaves unmatched peers alone',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`)],
      ['between', 'api', 'db'],
      'All Connections',
    ],
    [
      'an ANP Allow overrides a NetworkPolicy default-deny',
      [NP_DEFAULT_DENY, anp(`priority: 10\n${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'an ANP Deny overrides a NetworkPolicy allow',
      [
        np('shop', 'podSelector: {}\ningress: [{}]'),
        anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}, ports: [{portNumber: {port: 5432}}]}]`),
      ],
      ['between', 'front', 'db'],
      'TCP 1-5431,5433-65535,UDP,SCTP',
    ],
    [
      'Pass hands over to the NetworkPolicy',
      [NP_PG_ONLY, anp(`priority: 10\n${TO_DB}\ningress: [{action: Pass, ${FROM_WEB}}, {action: Deny, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'TCP 5432',
    ],
    [
      'Pass with no NetworkPolicy: the baseline decides',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Pass, ${FROM_WEB}}]`), banp(`${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'a NetworkPolicy that isolates the pod is final: the baseline is not reached',
      [NP_PG_ONLY, banp(`${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'TCP 5432',
    ],
    [
      'baseline default-deny when no NetworkPolicy selects',
      [banp(`${TO_DB}\ningress: [{action: Deny, from: [{namespaces: {}}]}]`)],
      ['between', 'api', 'db'],
      'No Connections',
    ],
    [
      'baseline Allow before its Deny',
      [banp(`${TO_DB}\ningress: [{action: Allow, from: [{namespaces: {matchLabels: {team: shop}}}]}, {action: Deny, from: [{namespaces: {}}]}]`)],
      ['between', 'api', 'db'],
      'All Connections',
    ],
    [
      'lower priority number first',
      [
        anp(`priority: 20\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`),
        anp(`priority: 5\n${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}, ports: [{portNumber: {port: 5432}}]}]`),
      ],
      ['between', 'front', 'db'],
      'TCP 5432',
    ],
    [
      'rules in written order within one policy',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}, ports: [{portRange: {start: 5000, end: 6000}}]}, {action: Deny, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'TCP 5000-6000',
    ],
    [
      'namedPort resolves on the destination, in its own protocol',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}, ports: [{namedPort: dns}]}, {action: Deny, ${FROM_WEB}}]`)],
      ['between', 'front', 'db'],
      'UDP 53',
    ],
    [
      'portNumber protocol UDP',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}, ports: [{portNumber: {protocol: UDP, port: 53}}]}]`)],
      ['between', 'front', 'db'],
      'TCP,UDP 1-52,54-65535,SCTP',
    ],
    [
      'pods peer: namespace AND pod selector',
      [anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}]}]`)],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'subject by namespaces: every pod there',
      [anp(`priority: 10\nsubject: {namespaces: {matchLabels: {team: shop}}}\ningress: [{action: Deny, ${FROM_WEB}}]`)],
      ['between', 'front', 'api'],
      'No Connections',
    ],
    [
      'egress: the source subject',
      [
        anp(
          `priority: 10\nsubject: {namespaces: {matchLabels: {team: web}}}\negress: [{action: Deny, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}]}]`,
        ),
      ],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'egress networks: an address range',
      [anp(`priority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [8.8.8.0/24]}]}]`)],
      ['to', 'api', '8.8.8.8/32'],
      'No Connections',
    ],
    [
      'egress networks: outside the range untouched',
      [anp(`priority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [8.8.8.0/24]}]}]`)],
      ['to', 'api', '1.1.1.1/32'],
      'All Connections',
    ],
    [
      'egress networks 0.0.0.0/0 holds every pod (API: "cluster-internal traffic will be checked against the rule as well")',
      [anp(`priority: 10\nsubject: {namespaces: {matchLabels: {team: web}}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]`)],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'egress networks narrower than a family: no pod (pod CIDR unknown)',
      [anp(`priority: 10\nsubject: {namespaces: {matchLabels: {team: web}}}\negress: [{action: Deny, to: [{networks: [10.0.0.0/8]}]}]`)],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'egress nodes peers match no pod',
      [anp(`priority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{nodes: {}}]}]`)],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'an ANP egress Allow does not open the destination ingress',
      [NP_DEFAULT_DENY, anp(`priority: 10\nsubject: {namespaces: {matchLabels: {team: web}}}\negress: [{action: Allow, to: [{namespaces: {}}]}]`)],
      ['between', 'front', 'db'],
      'No Connections',
    ],
    [
      'same priority, different actions: the weaker (Allow) is assumed',
      [
        anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`),
        anp(`priority: 10\n${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}}]`),
        NP_DEFAULT_DENY,
      ],
      ['between', 'front', 'db'],
      'All Connections',
    ],
    [
      'same priority, Pass against Deny: Pass is assumed',
      [
        anp(`priority: 10\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`),
        anp(`priority: 10\n${TO_DB}\ningress: [{action: Pass, ${FROM_WEB}}]`),
        NP_PG_ONLY,
      ],
      ['between', 'front', 'db'],
      'TCP 5432',
    ],
    [
      'CNP Admin Accept overrides a NetworkPolicy',
      [
        NP_DEFAULT_DENY,
        cnp(`tier: Admin\npriority: 10\n${TO_DB}\ningress: [{action: Accept, ${FROM_WEB}, protocols: [{tcp: {destinationPort: {number: 5432}}}]}]`),
      ],
      ['between', 'front', 'db'],
      'TCP 5432',
    ],
    [
      'CNP port range and named port',
      [
        cnp(
          `tier: Admin\npriority: 10\n${TO_DB}\ningress: [{action: Accept, ${FROM_WEB}, protocols: [{udp: {destinationPort: {range: {start: 50, end: 60}}}}, {destinationNamedPort: pg}]}, {action: Deny, ${FROM_WEB}}]`,
        ),
      ],
      ['between', 'front', 'db'],
      'TCP 5432,UDP 50-60',
    ],
    [
      'CNP Baseline Deny as a default-deny',
      [cnp(`tier: Baseline\npriority: 10\n${TO_DB}\ningress: [{action: Deny, from: [{namespaces: {}}]}]`)],
      ['between', 'api', 'db'],
      'No Connections',
    ],
    [
      'CNP Baseline Pass goes to the default (allowed)',
      [
        cnp(`tier: Baseline\npriority: 1\n${TO_DB}\ningress: [{action: Pass, from: [{namespaces: {}}]}]`),
        cnp(`tier: Baseline\npriority: 10\n${TO_DB}\ningress: [{action: Deny, from: [{namespaces: {}}]}]`),
      ],
      ['between', 'api', 'db'],
      'All Connections',
    ],
    [
      'ANP Pass, then CNP Baseline, with no NetworkPolicy',
      [
        anp(`priority: 1\n${TO_DB}\ningress: [{action: Pass, from: [{namespaces: {}}]}]`),
        cnp(`tier: Baseline\npriority: 10\n${TO_DB}\ningress: [{action: Deny, from: [{namespaces: {}}]}]`),
      ],
      ['between', 'api', 'db'],
      'No Connections',
    ],
  ])('%s', (_name, policies, [kind, a, b], expected) => {
    const c = connectivity(policies);
    expect(c.invalid).toEqual([]);
    expect(c[kind](a, b)).toBe(expected);
  });
});

describe('admin tiers: validation as the CRDs do it; an invalid policy is not applied', () => {
  const deny = (spec: string) => anp(`priority: 10\n${TO_DB}\n${spec}`);
  it.each<[string, string, string]>([
    ['priority above 1000', anp(`priority: 1001\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`), 'spec.priority: Too big'],
    ['priority missing', anp(`${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`), 'spec.priority: Invalid input'],
    ['unknown action', deny(`ingress: [{action: Reject, ${FROM_WEB}}]`), 'spec.ingress.0.action: Invalid option'],
    ['BANP has no Pass', banp(`${TO_DB}\ningress: [{action: Pass, ${FROM_WEB}}]`), 'spec.ingress.0.action: Invalid option'],
    [
      'BANP not named default',
      object('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'other', `${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`),
      'metadata.name: Only one baseline admin network policy with metadata.name="default"',
    ],
    [
      'CNP takes Accept, not Allow',
      cnp(`tier: Admin\npriority: 1\n${TO_DB}\ningress: [{action: Allow, ${FROM_WEB}}]`),
      'spec.ingress.0.action: Invalid option',
    ],
    ['CNP tier required', cnp(`priority: 1\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}}]`), 'spec.tier: Invalid option'],
    [
      'subject with both fields',
      deny(`ingress: [{action: Deny, ${FROM_WEB}}]`).replace('subject: {', 'subject: {namespaces: {}, '),
      'spec.subject: exactly one of namespaces, pods must be set',
    ],
    ['rule without peers', deny(`ingress: [{action: Deny, from: []}]`), 'spec.ingress.0.from: Too small'],
    [
      'peer with two fields',
      deny(`ingress: [{action: Deny, from: [{namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}]}]`),
      'spec.ingress.0.from.0: exactly one of namespaces, pods must be set',
    ],
    [
      'pods peer without podSelector (v1alpha1 requires both)',
      deny(`ingress: [{action: Deny, from: [{pods: {namespaceSelector: {}}}]}]`),
      'spec.ingress.0.from.0.pods.podSelector: Invalid input',
    ],
    ['ports: []', deny(`ingress: [{action: Deny, ${FROM_WEB}, ports: []}]`), 'spec.ingress.0.ports: Too small'],
    [
      'port with two fields',
      deny(`ingress: [{action: Deny, ${FROM_WEB}, ports: [{portNumber: {port: 80}, namedPort: http}]}]`),
      'spec.ingress.0.ports.0: exactly one of portNumber, namedPort, portRange must be set',
    ],
    [
      'port out of range',
      deny(`ingress: [{action: Deny, ${FROM_WEB}, ports: [{portNumber: {port: 0}}]}]`),
      'spec.ingress.0.ports.0.portNumber.port: Too small',
    ],
    [
      'port range backwards',
      deny(`ingress: [{action: Deny, ${FROM_WEB}, ports: [{portRange: {start: 90, end: 80}}]}]`),
      'spec.ingress.0.ports.0.portRange.end: start must not be greater than end',
    ],
    [
      'CNP range needs start < end',
      cnp(`tier: Admin\npriority: 1\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}, protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]}]`),
      'Start port must be less than End port',
    ],
    [
      'CNP tcp without a port',
      cnp(`tier: Admin\npriority: 1\n${TO_DB}\ningress: [{action: Deny, ${FROM_WEB}, protocols: [{tcp: {}}]}]`),
      'spec.ingress.0.protocols.0.tcp.destinationPort: Invalid input',
    ],
    ['networks not a CIDR', deny(`egress: [{action: Deny, to: [{networks: [10.0.0.0/33]}]}]`), 'spec.egress.0.to.0.networks.0: Invalid CIDR format provided'],
    ['networks duplicated', deny(`egress: [{action: Deny, to: [{networks: [10.0.0.0/8, 10.0.0.0/8]}]}]`), 'spec.egress.0.to.0.networks.1: Duplicate value'],
    [
      'namedPort with a networks peer',
      deny(`egress: [{action: Allow, to: [{networks: [10.0.0.0/8]}], ports: [{namedPort: http}]}]`),
      'cannot be set with namedPorts',
    ],
    ['domainNames pattern', deny(`egress: [{action: Allow, to: [{domainNames: ["bad domain"]}]}]`), 'spec.egress.0.to.0.domainNames.0: must be a domain name'],
    ['BANP has no domainNames', banp(`${TO_DB}\negress: [{action: Allow, to: [{domainNames: [example.com]}]}]`), 'Unrecognized key'],
    [
      'misspelt field (kubectl validates strictly)',
      deny(`ingress: [{action: Deny, ${FROM_WEB}, port: [{portNumber: {port: 80}}]}]`),
      'spec.ingress.0: Unrecognized key: "port"',
    ],
    [
      'bad label value',
      deny(`ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: "a b"}}}]}]`),
      'spec.ingress.0.from.0.namespaces.matchLabels.team: invalid label value "a b"',
    ],
  ])('%s', (_name, policy, message) => {
    const c = connectivity([policy, NP_DEFAULT_DENY]);
    expect(c.invalid).toHaveLength(1);
    expect(c.invalid[0]).toContain(message);
    // Not applied: the NetworkPolicy alone decides.
    expect(c.between('front', 'db')).toBe('No Connections');
  });
});

describe('admin tiers: same-priority ambiguity is reported where it decides something, once', () => {
  const review = (before: string[], after: string[]) =>
    reviewSnapshots({
      base: memorySnapshot('base', { 'c.yaml': [...CLUSTER, ...before].join('---\n') }),
      head: memorySnapshot('head', { 'c.yaml': [...CLUSTER, ...after].join('---\n') }),
      config: defaultConfig(),
    }).findings.filter((f) => f.ruleId === 'ambiguous-precedence');
  const at = (name: string, priority: number, action: string, subject = TO_DB) =>
    object('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', name, `priority: ${priority}\n${subject}\ningress: [{action: ${action}, ${FROM_WEB}}]`);
  it.each<[string, string[], string[], number]>([
    ['a second policy at the priority with another action', [at('a', 10, 'Deny')], [at('a', 10, 'Deny'), at('b', 10, 'Allow')], 1],
    ['the same action: no outcome depends on the order', [at('a', 10, 'Deny')], [at('a', 10, 'Deny'), at('b', 10, 'Deny')], 0],
    ['different priorities', [at('a', 10, 'Deny')], [at('a', 10, 'Deny'), at('b', 11, 'Allow')], 0],
    ['subjects that share no pod', [at('a', 10, 'Deny')], [at('a', 10, 'Deny'), at('b', 10, 'Allow', 'subject: {namespaces: {matchLabels: {team: web}}}')], 0],
    [
      'a clash that was there before is not reported again',
      [at('a', 10, 'Deny'), at('b', 10, 'Allow')],
      [at('a', 10, 'Deny'), at('b', 10, 'Allow'), NP_DEFAULT_DENY],
      0,
    ],
    ['a clash that was there before, with one of the two edited', [at('a', 10, 'Deny'), at('b', 10, 'Allow')], [at('a', 10, 'Deny'), at('b', 10, 'Pass')], 0],
    ['a priority moved onto another policy’s', [at('a', 10, 'Deny'), at('b', 20, 'Allow')], [at('a', 10, 'Deny'), at('b', 10, 'Allow')], 1],
  ])('%s', (_name, before, after, count) => {
    const got = review(before, after);
    expect(got).toHaveLength(count);
    for (const f of got) {
      expect(f.resource.name).toBe('b');
      expect(f.field).toBe('spec.priority');
      expect(f.message).toContain('The review assumed the weaker.');
    }
  });
});
