import { z } from 'zod';
import { IpSet } from '../../policy/ipSet.js';

/**
 * The parts of Istio's CRDs that decide security. Objects are strict: a
 * misspelt field (`principal:` for `principals:`) would be pruned by the API
 * server and silently widen a rule, so it is reported and the policy treated
 * as not applied.
 */
const Strings = z.array(z.string());
const MatchLabels = z.record(z.string(), z.string());

export const WorkloadSelector = z.object({ matchLabels: MatchLabels.optional() }).strict();

const TargetRef = z
  .object({ group: z.string().optional(), kind: z.string(), name: z.string(), namespace: z.string().optional() })
  .strict();

const Source = z
  .object({
    principals: Strings.optional(),
    notPrincipals: Strings.optional(),
    requestPrincipals: Strings.optional(),
    notRequestPrincipals: Strings.optional(),
    namespaces: Strings.optional(),
    notNamespaces: Strings.optional(),
    ipBlocks: Strings.optional(),
    notIpBlocks: Strings.optional(),
    remoteIpBlocks: Strings.optional(),
    notRemoteIpBlocks: Strings.optional(),
    serviceAccounts: Strings.optional(),
    notServiceAccounts: Strings.optional(),
    trustDomains: Strings.optional(),
    notTrustDomains: Strings.optional(),
  })
  .strict();

const Operation = z
  .object({
    hosts: Strings.optional(),
    notHosts: Strings.optional(),
    ports: Strings.optional(),
    notPorts: Strings.optional(),
    methods: Strings.optional(),
    notMethods: Strings.optional(),
    paths: Strings.optional(),
    notPaths: Strings.optional(),
  })
  .strict();

const Condition = z
  .object({ key: z.string(), values: Strings.optional(), notValues: Strings.optional() })
  .strict()
  .refine((c) => (c.values?.length ?? 0) > 0 || (c.notValues?.length ?? 0) > 0, {
    message: 'a condition needs values or notValues',
  });

export const Rule = z
  .object({
    from: z.array(z.object({ source: Source.optional() }).strict()).optional(),
    to: z.array(z.object({ operation: Operation.optional() }).strict()).optional(),
    when: z.array(Condition).optional(),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

const PORT = /^\d{1,5}$/;

export const AuthorizationPolicySpec = z
  .object({
    selector: WorkloadSelector.optional(),
    targetRef: TargetRef.optional(),
    targetRefs: z.array(TargetRef).optional(),
    action: z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']).optional(),
    provider: z.object({ name: z.string() }).strict().optional(),
    rules: z.array(Rule).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.selector && (spec.targetRef || spec.targetRefs)) {
      ctx.addIssue({ code: 'custom', message: 'only one of selector or targetRef(s) may be set', path: ['targetRef'] });
    }
    if (spec.action === 'CUSTOM' && !spec.provider) ctx.addIssue({ code: 'custom', message: 'CUSTOM needs a provider', path: ['provider'] });
    if (spec.provider && spec.action !== 'CUSTOM') {
      ctx.addIssue({ code: 'custom', message: 'provider is only allowed with action CUSTOM', path: ['provider'] });
    }
    spec.rules?.forEach((rule, i) => {
      rule.to?.forEach((to, j) => {
        for (const field of ['ports', 'notPorts'] as const) {
          for (const p of to.operation?.[field] ?? []) {
            if (!PORT.test(p)) ctx.addIssue({ code: 'custom', message: `port "${p}" is not a number`, path: ['rules', i, 'to', j, 'operation', field] });
          }
        }
      });
      rule.from?.forEach((from, j) => {
        for (const field of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
          from.source?.[field]?.forEach((v, k) => {
            if (!IpSet.cidr(v)) ctx.addIssue({ code: 'custom', message: `"${v}" is not an IP address or CIDR`, path: ['rules', i, 'from', j, 'source', field, k] });
          });
        }
      });
      rule.when?.forEach((c, j) => {
        if (IP_KEYS.has(c.key)) {
          for (const field of ['values', 'notValues'] as const) {
            c[field]?.forEach((v, k) => {
              if (!IpSet.cidr(v)) ctx.addIssue({ code: 'custom', message: `"${v}" is not an IP address or CIDR`, path: ['rules', i, 'when', j, field, k] });
            });
          }
        }
        if (!isKnownConditionKey(c.key)) ctx.addIssue({ code: 'custom', message: `unknown condition key "${c.key}"`, path: ['rules', i, 'when', j, 'key'] });
      });
    });
  });
export type AuthorizationPolicySpec = z.infer<typeof AuthorizationPolicySpec>;

const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip']);

const CONDITION_KEYS = new Set([
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.principal',
  'source.serviceAccount',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.ip',
  'destination.port',
  'connection.sni',
]);

export function isKnownConditionKey(key: string): boolean {
  return (
    CONDITION_KEYS.has(key) ||
    /^request\.headers\[[^\]]+\]$/.test(key) ||
    /^request\.auth\.claims(\[[^\]]+\])+$/.test(key) ||
    /^request\.experimental\.auth\.claims(\[[^\]]+\])+$/.test(key) ||
    key.startsWith('experimental.envoy.filters.')
  );
}

export const RequestAuthenticationSpec = z
  .object({
    selector: WorkloadSelector.optional(),
    targetRef: TargetRef.optional(),
    targetRefs: z.array(TargetRef).optional(),
    jwtRules: z.array(z.object({ issuer: z.string().optional() }).passthrough()).optional(),
  })
  .strict();
export type RequestAuthenticationSpec = z.infer<typeof RequestAuthenticationSpec>;

const MtlsMode = z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);
export type MtlsMode = z.infer<typeof MtlsMode>;

export const PeerAuthenticationSpec = z
  .object({
    selector: WorkloadSelector.optional(),
    mtls: z.object({ mode: MtlsMode.optional() }).strict().nullable().optional(),
    portLevelMtls: z.record(z.string().regex(PORT, 'port keys are numbers'), z.object({ mode: MtlsMode.optional() }).strict()).optional(),
  })
  .strict();
export type PeerAuthenticationSpec = z.infer<typeof PeerAuthenticationSpec>;

const TlsMode = z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']);
export type TlsMode = z.infer<typeof TlsMode>;
const ClientTls = z.object({ mode: TlsMode.optional() }).passthrough();

const TrafficPolicy = z
  .object({
    tls: ClientTls.optional(),
    portLevelSettings: z
      .array(z.object({ port: z.object({ number: z.number().int() }).passthrough().optional(), tls: ClientTls.optional() }).passthrough())
      .optional(),
  })
  .passthrough();

export const DestinationRuleSpec = z
  .object({
    host: z.string(),
    trafficPolicy: TrafficPolicy.optional(),
    subsets: z.array(z.object({ name: z.string(), trafficPolicy: TrafficPolicy.optional() }).passthrough()).optional(),
    exportTo: Strings.optional(),
    workloadSelector: WorkloadSelector.optional(),
  })
  .passthrough();
export type DestinationRuleSpec = z.infer<typeof DestinationRuleSpec>;

const OutboundMode = z.enum(['REGISTRY_ONLY', 'ALLOW_ANY']);
export type OutboundMode = z.infer<typeof OutboundMode>;

/** networking.istio.io's WorkloadSelector says `labels`, unlike security.istio.io's `matchLabels`. */
const NetworkingWorkloadSelector = z.object({ labels: MatchLabels.optional() }).strict();

export const SidecarSpec = z
  .object({
    workloadSelector: NetworkingWorkloadSelector.optional(),
    egress: z.array(z.object({ hosts: Strings, port: z.unknown().optional() }).passthrough()).optional(),
    outboundTrafficPolicy: z.object({ mode: OutboundMode.optional() }).passthrough().optional(),
  })
  .passthrough();
export type SidecarSpec = z.infer<typeof SidecarSpec>;

/**
 * ValidateServiceEntry (pkg/config/validation/validation.go) rejects an entry without
 * hosts and the full wildcard host `*`: such an object never reaches the registry.
 */
const ServiceEntryHosts = Strings.superRefine((hosts, ctx) => {
  if (hosts.length === 0) ctx.addIssue({ code: 'custom', message: 'a ServiceEntry must have at least one host' });
  hosts.forEach((h, i) => {
    if (h === '*') ctx.addIssue({ code: 'custom', path: [i], message: 'the full wildcard host "*" is not allowed in a ServiceEntry' });
  });
});

export const ServiceEntrySpec = z
  .object({
    hosts: ServiceEntryHosts,
    addresses: Strings.optional(),
    location: z.enum(['MESH_EXTERNAL', 'MESH_INTERNAL']).optional(),
    resolution: z.string().optional(),
    exportTo: Strings.optional(),
    ports: z.array(z.object({ number: z.number().int() }).passthrough()).optional(),
  })
  .passthrough();
export type ServiceEntrySpec = z.infer<typeof ServiceEntrySpec>;

export const GatewaySpec = z
  .object({
    selector: MatchLabels.optional(),
    servers: z
      .array(
        z
          .object({
            hosts: Strings,
            port: z.object({ number: z.number().int(), protocol: z.string().optional(), name: z.string().optional() }).passthrough().optional(),
            tls: z.object({ mode: z.string().optional() }).passthrough().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();
export type GatewaySpec = z.infer<typeof GatewaySpec>;

const RouteDestination = z.object({ destination: z.object({ host: z.string(), port: z.object({ number: z.number().int() }).passthrough().optional() }).passthrough() }).passthrough();

export const VirtualServiceSpec = z
  .object({
    hosts: Strings.optional(),
    gateways: Strings.optional(),
    http: z.array(z.object({ route: z.array(RouteDestination).optional(), match: z.array(z.unknown()).optional() }).passthrough()).optional(),
    tcp: z.array(z.object({ route: z.array(RouteDestination).optional() }).passthrough()).optional(),
    tls: z.array(z.object({ route: z.array(RouteDestination).optional() }).passthrough()).optional(),
    exportTo: Strings.optional(),
  })
  .passthrough();
export type VirtualServiceSpec = z.infer<typeof VirtualServiceSpec>;
