import { z } from 'zod';
import { perInventory } from '../../inventory/inventory.js';
import type { FieldPath, Resource } from '../../manifests/resource.js';
import { IpSet } from '../../policy/ipSet.js';
import { LabelSelectorSchema, selectorError, type LabelSelector } from '../../policy/labelSelector.js';
import type { InvalidResource } from '../../policy/meshSide.js';
import { PROTOCOLS, type L4Protocol } from '../../policy/portSet.js';
import { withoutNulls } from '../invalidResource.js';
import { parseCidr, type Direction } from './policy.js';

/**
 * The cluster-scoped tiers of SIG Network's network-policy-api (mesh-semantics.md 5.2), read as the
 * API server admits them: `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy, and their successor `v1alpha2` ClusterNetworkPolicy with
 * `tier: Admin|Baseline`. Schemas follow kubernetes-sigs/network-policy-api `apis/v1alpha1/*_types.go`
 * and `apis/v1alpha2/clusternetworkpolicy_types.go` (kubebuilder markers: required fields, enums,
 * min/max, exactly-one-of via min/maxProperties, and the CRDs' CEL rules). Objects are strict:
 * kubectl validates fields strictly by default (1.27+), and a pruned misspelt `ports` would silently
 * widen a rule to every port.
 */
export type AdminTier = 'admin' | 'baseline';
/** `Accept` (v1alpha2) is v1alpha1's `Allow`. */
export type AdminAction = 'allow' | 'deny' | 'pass';
export type AdminKind = 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';

export type AdminPeer =
  /** `namespaces: S` is every pod of the namespaces S selects (`pods: {}`). */
  | { kind: 'pods'; namespaces: LabelSelector; pods: LabelSelector; path: FieldPath }
  /**
   * `networks` CIDRs. The API docs: "cluster-internal traffic will be checked against the rule as
   * well", so a set holding a whole address family (`0.0.0.0/0`) matches every pod; narrower ones
   * match pods only if the pod CIDR lies inside, which the repository does not show: taken as no pod.
   */
  | { kind: 'networks'; ips: IpSet; allPods: boolean; path: FieldPath }
  /** `nodes` (node IPs) and `domainNames` (resolved by the implementation): not modelled, they match no peer. */
  | { kind: 'unmodelled'; field: 'nodes' | 'domainNames'; path: FieldPath };

export type AdminPort = { kind: 'range'; protocol: L4Protocol; lo: number; hi: number; path: FieldPath } | { kind: 'named'; name: string; path: FieldPath };

export interface AdminRule {
  action: AdminAction;
  name: string | undefined;
  peers: AdminPeer[];
  /** null: every port and protocol. */
  ports: AdminPort[] | null;
  path: FieldPath;
}

export interface AdminPolicy {
  resource: Resource;
  kind: AdminKind;
  tier: AdminTier;
  /** Lower first; a BaselineAdminNetworkPolicy (a singleton) has 0. */
  priority: number;
  subject: { namespaces: LabelSelector; pods: LabelSelector };
  rules: Record<Direction, AdminRule[]>;
}

const GROUP = 'policy.networking.k8s.io';
const VERSIONS: Record<AdminKind, string> = {
  AdminNetworkPolicy: `${GROUP}/v1alpha1`,
  BaselineAdminNetworkPolicy: `${GROUP}/v1alpha1`,
  ClusterNetworkPolicy: `${GROUP}/v1alpha2`,
};

export const isAdminPolicy = (r: Resource): boolean => r.kind in VERSIONS && VERSIONS[r.kind as AdminKind] === r.apiVersion;

// --- Schemas ---

const Selector = LabelSelectorSchema.superRefine((s, ctx) => {
  const bad = selectorError(s);
  if (bad) ctx.addIssue({ code: 'custom', message: bad.message, path: bad.path });
});

/** kubebuilder MinProperties=1 / MaxProperties=1 on the one-of structs. */
const exactlyOne =
  (fields: readonly string[]) =>
  (o: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>): void => {
    const set = fields.filter((f) => o[f] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `exactly one of ${fields.join(', ')} must be set (${set.length === 0 ? 'none is' : `${set.join(' and ')} are`})`,
      });
  };

const PortNumber = z.number().int().min(1).max(65535);
const Protocol = z.enum(PROTOCOLS);
const RuleName = z.string().max(100).optional();

// Kubernetes CEL isCIDR (k8s.io/apiserver/pkg/cel/library/cidr.go): netip.ParsePrefix, MaxLength 43.
const Cidr = z
  .string()
  .max(43)
  .refine((s) => parseCidr(s) !== undefined, 'Invalid CIDR format provided');
const Networks = z
  .array(Cidr)
  .min(1)
  .max(25)
  .superRefine((xs, ctx) => {
    // +listType=set: the API server rejects duplicates.
    const dup = xs.findIndex((x, i) => xs.indexOf(x) !== i);
    if (dup >= 0) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${JSON.stringify(xs[dup])}`, path: [dup] });
  });
const DomainName = z
  .string()
  .regex(
    /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/,
    'must be a domain name, optionally with a leading `*.`',
  );
const DomainNames = z.array(DomainName).min(1).max(25);

// v1alpha1 (shared_types.go): every field is required unless marked optional.
const NamespacedPodV1 = z.object({ namespaceSelector: Selector, podSelector: Selector }).strict();
const SubjectV1 = z
  .object({ namespaces: Selector.optional(), pods: NamespacedPodV1.optional() })
  .strict()
  .superRefine(exactlyOne(['namespaces', 'pods']));
const PortV1 = z
  .object({
    portNumber: z
      .object({ protocol: Protocol.default('TCP'), port: PortNumber })
      .strict()
      .optional(),
    namedPort: z.string().optional(),
    // "the Start value must be less than End": not a CRD rule in v1alpha1; netpol-analyzer rejects end < start, as here.
    portRange: z
      .object({ protocol: Protocol.default('TCP'), start: PortNumber, end: PortNumber })
      .strict()
      .refine((r) => r.start <= r.end, { message: 'start must not be greater than end', path: ['end'] })
      .optional(),
  })
  .strict()
  .superRefine(exactlyOne(['portNumber', 'namedPort', 'portRange']));
const IngressPeerV1 = z
  .object({ namespaces: Selector.optional(), pods: NamespacedPodV1.optional() })
  .strict()
  .superRefine(exactlyOne(['namespaces', 'pods']));
const EGRESS_PEER_FIELDS = ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'] as const;
const egressPeerV1 = (domainNames: boolean) =>
  z
    .object({
      namespaces: Selector.optional(),
      pods: NamespacedPodV1.optional(),
      nodes: Selector.optional(),
      networks: Networks.optional(),
      ...(domainNames ? { domainNames: DomainNames.optional() } : {}),
    })
    .strict()
    .superRefine(exactlyOne(domainNames ? EGRESS_PEER_FIELDS : EGRESS_PEER_FIELDS.filter((f) => f !== 'domainNames')));

/** The egress rules' CEL rule: "networks/nodes/domainNames peer cannot be set with namedPorts". */
function noNamedPortOutsidePods(
  rule: { to: Record<string, unknown>[]; ports?: Record<string, unknown>[] | undefined },
  ctx: z.core.$RefinementCtx<unknown>,
  namedKey: string,
): void {
  const outside = rule.to.some((p) => p.networks !== undefined || p.nodes !== undefined || p.domainNames !== undefined);
  if (outside && (rule.ports ?? []).some((p) => p[namedKey] !== undefined))
    ctx.addIssue({
      code: 'custom',
      message: 'networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames',
    });
}

const v1Rules = (actions: readonly [string, ...string[]], domainNames: boolean) => ({
  ingress: z
    .array(
      z
        .object({ name: RuleName, action: z.enum(actions), from: z.array(IngressPeerV1).min(1).max(100), ports: z.array(PortV1).min(1).max(100).optional() })
        .strict(),
    )
    .max(100)
    .optional(),
  egress: z
    .array(
      z
        .object({
          name: RuleName,
          action: z.enum(actions),
          to: z.array(egressPeerV1(domainNames)).min(1).max(100),
          ports: z.array(PortV1).min(1).max(100).optional(),
        })
        .strict()
        .superRefine((r, ctx) => noNamedPortOutsidePods(r, ctx, 'namedPort')),
    )
    .max(100)
    .optional(),
});

const AnpSpec = z.object({ priority: z.number().int().min(0).max(1000), subject: SubjectV1, ...v1Rules(['Allow', 'Deny', 'Pass'], true) }).strict();
const BanpSpec = z.object({ subject: SubjectV1, ...v1Rules(['Allow', 'Deny'], false) }).strict();

// v1alpha2 (clusternetworkpolicy_types.go).
const NamespacedPodV2 = z.object({ namespaceSelector: Selector.optional(), podSelector: Selector }).strict();
const PeerV2 = { namespaces: Selector.optional(), pods: NamespacedPodV2.optional() };
const PortV2 = z
  .object({
    number: PortNumber.optional(),
    range: z
      .object({ start: PortNumber, end: PortNumber })
      .strict()
      .refine((r) => r.start < r.end, { message: 'Start port must be less than End port' })
      .optional(),
  })
  .strict()
  .superRefine(exactlyOne(['number', 'range']));
const L4V2 = z.object({ destinationPort: PortV2 }).strict();
const ProtocolV2 = z
  .object({ tcp: L4V2.optional(), udp: L4V2.optional(), sctp: L4V2.optional(), destinationNamedPort: z.string().optional() })
  .strict()
  .superRefine(exactlyOne(['tcp', 'udp', 'sctp', 'destinationNamedPort']));
const ActionV2 = z.enum(['Accept', 'Deny', 'Pass']);
const CnpSpec = z
  .object({
    tier: z.enum(['Admin', 'Baseline']),
    priority: z.number().int().min(0).max(1000),
    subject: z
      .object(PeerV2)
      .strict()
      .superRefine(exactlyOne(['namespaces', 'pods'])),
    ingress: z
      .array(
        z
          .object({
            name: RuleName,
            action: ActionV2,
            from: z
              .array(
                z
                  .object(PeerV2)
                  .strict()
                  .superRefine(exactlyOne(['namespaces', 'pods'])),
              )
              .min(1)
              .max(25),
            protocols: z.array(ProtocolV2).min(1).max(25).optional(),
          })
          .strict(),
      )
      .max(25)
      .optional(),
    egress: z
      .array(
        z
          .object({
            name: RuleName,
            action: ActionV2,
            to: z
              .array(
                z
                  .object({ ...PeerV2, nodes: Selector.optional(), networks: Networks.optional(), domainNames: DomainNames.optional() })
                  .strict()
                  .superRefine(exactlyOne(EGRESS_PEER_FIELDS)),
              )
              .min(1)
              .max(25),
            protocols: z.array(ProtocolV2).min(1).max(25).optional(),
          })
          .strict()
          .superRefine((r, ctx) => noNamedPortOutsidePods({ to: r.to, ports: r.protocols }, ctx, 'destinationNamedPort')),
      )
      .max(25)
      .optional(),
  })
  .strict();

// --- Reading ---

type RawPeer = {
  namespaces?: LabelSelector | undefined;
  pods?: { namespaceSelector?: LabelSelector | undefined; podSelector: LabelSelector } | undefined;
  nodes?: LabelSelector | undefined;
  networks?: string[] | undefined;
  domainNames?: string[] | undefined;
};

const IPV4_ALL = IpSet.cidr('0.0.0.0/0')!;
const IPV6_ALL = IpSet.cidr('::/0')!;

function readPeer(p: RawPeer, path: FieldPath): AdminPeer {
  if (p.namespaces) return { kind: 'pods', namespaces: p.namespaces, pods: {}, path };
  if (p.pods) return { kind: 'pods', namespaces: p.pods.namespaceSelector ?? {}, pods: p.pods.podSelector, path };
  if (p.networks) {
    const ips = p.networks.reduce((acc, c) => acc.union(parseCidr(c)!.set), IpSet.empty());
    return { kind: 'networks', ips, allPods: IPV4_ALL.isSubsetOf(ips) || IPV6_ALL.isSubsetOf(ips), path };
  }
  return { kind: 'unmodelled', field: p.nodes ? 'nodes' : 'domainNames', path };
}

const ACTIONS: Record<string, AdminAction> = { Allow: 'allow', Accept: 'allow', Deny: 'deny', Pass: 'pass' };

type RawV1Port = z.infer<typeof PortV1>;
type RawV2Protocol = z.infer<typeof ProtocolV2>;

function readV1Port(p: RawV1Port, path: FieldPath): AdminPort {
  if (p.portNumber) return { kind: 'range', protocol: p.portNumber.protocol, lo: p.portNumber.port, hi: p.portNumber.port, path };
  if (p.portRange) return { kind: 'range', protocol: p.portRange.protocol, lo: p.portRange.start, hi: p.portRange.end, path };
  return { kind: 'named', name: p.namedPort!, path };
}

function readV2Protocol(p: RawV2Protocol, path: FieldPath): AdminPort {
  if (p.destinationNamedPort !== undefined) return { kind: 'named', name: p.destinationNamedPort, path };
  const [protocol, l4] = (p.tcp ? ['TCP', p.tcp] : p.udp ? ['UDP', p.udp] : ['SCTP', p.sctp!]) as [L4Protocol, z.infer<typeof L4V2>];
  const d = l4.destinationPort;
  return d.range ? { kind: 'range', protocol, lo: d.range.start, hi: d.range.end, path } : { kind: 'range', protocol, lo: d.number!, hi: d.number!, path };
}

type RawRule = {
  name?: string | undefined;
  action: string;
  from?: RawPeer[];
  to?: RawPeer[];
  ports?: RawV1Port[] | undefined;
  protocols?: RawV2Protocol[] | undefined;
};

function readRules(list: RawRule[] | undefined, dir: Direction): AdminRule[] {
  return (list ?? []).map((r, i) => {
    const path: FieldPath = ['spec', dir, i];
    const peersKey = dir === 'ingress' ? 'from' : 'to';
    const peers = (r[peersKey] ?? []).map((p, j) => readPeer(p, [...path, peersKey, j]));
    const ports = r.ports
      ? r.ports.map((p, k) => readV1Port(p, [...path, 'ports', k]))
      : r.protocols
        ? r.protocols.map((p, k) => readV2Protocol(p, [...path, 'protocols', k]))
        : null;
    return { action: ACTIONS[r.action]!, name: r.name, peers, ports, path };
  });
}

/**
 * Every admin-tier policy of one side; those the API server would reject are left out (not applied)
 * and listed. Read once per side, as readNetworkPolicies: the list keys the sorted index evaluate.ts keeps.
 */
export const readAdminPolicies = perInventory((inv): { policies: AdminPolicy[]; invalid: InvalidResource[] } => {
  const policies: AdminPolicy[] = [];
  const invalid: InvalidResource[] = [];
  for (const kind of Object.keys(VERSIONS) as AdminKind[]) {
    for (const r of inv.byKind.get(kind) ?? []) {
      if (!isAdminPolicy(r)) continue;
      const read = readAdminPolicy(r, kind);
      if ('message' in read)
        invalid.push({
          resource: r,
          path: read.path,
          message: `${kind} ${r.name}: ${read.path.join('.')}: ${read.message}; the API server rejects it, so it is not applied`,
        });
      else policies.push(read);
    }
  }
  return { policies, invalid };
});

function readAdminPolicy(r: Resource, kind: AdminKind): AdminPolicy | { path: FieldPath; message: string } {
  // The BaselineAdminNetworkPolicy CRD's CEL rule: a singleton named `default`.
  if (kind === 'BaselineAdminNetworkPolicy' && r.name !== 'default')
    return { path: ['metadata', 'name'], message: 'Only one baseline admin network policy with metadata.name="default" can be created in the cluster' };
  const schema = kind === 'AdminNetworkPolicy' ? AnpSpec : kind === 'BaselineAdminNetworkPolicy' ? BanpSpec : CnpSpec;
  const parsed = schema.safeParse(withoutNulls(r.body.spec ?? {}));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { path: ['spec', ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')], message: issue.message };
  }
  const spec = parsed.data as { tier?: 'Admin' | 'Baseline'; priority?: number; subject: RawPeer; ingress?: RawRule[]; egress?: RawRule[] };
  const tier: AdminTier = kind === 'BaselineAdminNetworkPolicy' || spec.tier === 'Baseline' ? 'baseline' : 'admin';
  const subject = readPeer(spec.subject, ['spec', 'subject']) as Extract<AdminPeer, { kind: 'pods' }>;
  return {
    resource: r,
    kind,
    tier,
    priority: spec.priority ?? 0,
    subject: { namespaces: subject.namespaces, pods: subject.pods },
    rules: { ingress: readRules(spec.ingress, 'ingress'), egress: readRules(spec.egress, 'egress') },
  };
}

/** How a policy is named in findings: `AdminNetworkPolicy deny-egress (priority 10)`. */
export function adminWords(p: AdminPolicy): string {
  if (p.kind === 'BaselineAdminNetworkPolicy') return `BaselineAdminNetworkPolicy ${p.resource.name}`;
  return `${p.kind} ${p.resource.name} (${p.kind === 'ClusterNetworkPolicy' ? `tier ${p.tier === 'admin' ? 'Admin' : 'Baseline'}, ` : ''}priority ${p.priority})`;
}
