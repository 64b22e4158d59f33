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

const TargetRef = z.object({ group: z.string().optional(), kind: z.string(), name: z.string(), namespace: z.string().optional() }).strict();

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

const Condition = z.object({ key: z.string(), values: Strings.optional(), notValues: Strings.optional() }).strict();

export const Rule = z
  .object({
    from: z.array(z.object({ source: Source.optional() }).strict()).optional(),
    to: z.array(z.object({ operation: Operation.optional() }).strict()).optional(),
    when: z.array(Condition).optional(),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

/** PeerAuthentication `portLevelMtls` keys. */
const PORT = /^\d{1,5}$/;

/**
 * Istio's admission of an AuthorizationPolicy, in the order the API server runs it:
 *  1. the CRD's structural schema and CEL rules (manifests/charts/base/files/crd-all.gen.yaml),
 *     which see the JSON as written, so a field set to `[]` is *present* (`has()` is true);
 *  2. the validating webhook, `ValidateAuthorizationPolicy` (pkg/config/validation/validation.go,
 *     with the attribute checks of pkg/config/security/security.go). The webhook first decodes the
 *     object with golang/protobuf's jsonpb (crd.ConvertObject → config.ApplyJSON), which leaves an
 *     empty list nil: for it `from: []` is the same as no `from` at all.
 * A policy either step rejects never exists in the cluster (mesh-semantics §2.4.7).
 */
const AuthorizationPolicyObject = z
  .object({
    selector: WorkloadSelector.optional(),
    targetRef: TargetRef.optional(),
    targetRefs: z.array(TargetRef).optional(),
    action: z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']).optional(),
    provider: z.object({ name: z.string().optional() }).strict().optional(),
    rules: z.array(Rule).optional(),
  })
  .strict();
type RawAuthorizationPolicySpec = z.infer<typeof AuthorizationPolicyObject>;

export const AuthorizationPolicySpec = AuthorizationPolicyObject.superRefine((spec, ctx) => {
  for (const issue of validateAuthorizationPolicy(spec)) ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
}).transform(withoutEmptyRuleLists);
export type AuthorizationPolicySpec = z.infer<typeof AuthorizationPolicySpec>;

type Issue = { path: (string | number)[]; message: string };

const len = (xs: readonly unknown[] | undefined) => xs?.length ?? 0;

/** Source fields whose values Istio checks one by one for emptiness ("empty value not allowed"). */
const VALUE_SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
const SOURCE_FIELDS = [...VALUE_SOURCE_FIELDS, 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'] as const;
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

/** ValidateAuthorizationPolicy: "… is currently not supported with CUSTOM action". */
const CUSTOM_FORBIDDEN_SOURCE = [
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
] as const;
const CUSTOM_FORBIDDEN_KEYS = new Set(['source.namespace', 'source.serviceAccount', 'source.trustDomain', 'source.principal']);

/** validatePolicyTargetReference: the kinds a policy may target (group "" is core). */
const TARGET_KINDS = new Set([
  'core/Service',
  'networking.istio.io/ServiceEntry',
  'gateway.networking.k8s.io/Gateway',
  'gateway.networking.k8s.io/GatewayClass',
]);

/** Every rejection rule of the CRD schema and of ValidateAuthorizationPolicy, with the field it names. */
export function validateAuthorizationPolicy(spec: RawAuthorizationPolicySpec): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });

  // validateOneOfSelectorType counts targetRefs only when non-empty, but the CRD rule
  // `(has(self.selector)?1:0) + (has(self.targetRef)?1:0) + (has(self.targetRefs)?1:0) <= 1`
  // runs first and counts a present `targetRefs: []`: the API server rejects it.
  const kinds = (['selector', 'targetRef', 'targetRefs'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length > 1) {
    add(
      [kinds[1]!],
      `only one of selector, targetRef or targetRefs may be set (found ${kinds.join(' and ')}; the CRD counts a present \`targetRefs: []\` too)`,
    );
  }
  // validateWorkloadSelector (and the CRD's matchLabels rules).
  for (const [k, v] of Object.entries(spec.selector?.matchLabels ?? {})) {
    if (k === '') add(['selector', 'matchLabels'], 'empty key is not supported in selector');
    if (k.includes('*') || v.includes('*')) add(['selector', 'matchLabels', k], `wildcard is not supported in selector: "${k}=${v}"`);
  }
  // validatePolicyTargetReference(s).
  const refs: [(string | number)[], NonNullable<RawAuthorizationPolicySpec['targetRef']>][] = [
    ...(spec.targetRef ? [[['targetRef'], spec.targetRef] as [(string | number)[], typeof spec.targetRef]] : []),
    ...(spec.targetRefs ?? []).map((r, i) => [['targetRefs', i], r] as [(string | number)[], typeof r]),
  ];
  if (len(spec.targetRefs) > 16) add(['targetRefs'], 'at most 16 targetRefs are allowed');
  for (const [path, ref] of refs) {
    if (ref.name === '') add([...path, 'name'], 'targetRef name must be set');
    if (ref.namespace) add([...path, 'namespace'], 'targetRef namespace must not be set; cross namespace referencing is not supported');
    if (!TARGET_KINDS.has(`${ref.group || 'core'}/${ref.kind}`)) {
      add([...path, 'kind'], `targetRef must be a Service, ServiceEntry, Gateway or GatewayClass, found ${ref.group ?? ''}/${ref.kind}`);
    }
  }

  const rulesSet = len(spec.rules) > 0; // `rules: []` decodes to nil
  if (spec.action === 'CUSTOM') {
    if (!rulesSet)
      add(['action'], 'CUSTOM action without `rules` is meaningless as it will never be triggered (add an empty rule `{}` to trigger it for every request)');
    else if (!spec.provider?.name) add(spec.provider ? ['provider', 'name'] : ['action'], '`provider.name` must not be empty with action CUSTOM');
    spec.rules?.forEach((rule, i) => {
      rule.from?.forEach((from, j) => {
        for (const field of CUSTOM_FORBIDDEN_SOURCE) {
          if (len(from.source?.[field]) > 0)
            add(['rules', i, 'from', j, 'source', field], `From.${field[0]!.toUpperCase()}${field.slice(1)} is currently not supported with CUSTOM action`);
        }
      });
      rule.when?.forEach((c, j) => {
        if (CUSTOM_FORBIDDEN_KEYS.has(c.key) || c.key.startsWith('request.auth.'))
          add(['rules', i, 'when', j, 'key'], `${c.key} is currently not supported with CUSTOM action`);
      });
    });
  }
  if (spec.provider && spec.action !== 'CUSTOM') add(['provider'], `\`provider\` is only allowed with action CUSTOM (found ${spec.action ?? 'ALLOW'})`);
  if (spec.action === 'DENY' && !rulesSet) {
    add(['action'], 'DENY action without `rules` is meaningless as it will never be triggered (add an empty rule `{}` to deny every request)');
  }
  if (len(spec.rules) > 512) add(['rules'], 'at most 512 rules are allowed');

  spec.rules?.forEach((rule, i) => {
    const at = (...rest: (string | number)[]) => ['rules', i, ...rest];
    if (len(rule.from) > 512) add(at('from'), 'at most 512 `from` entries are allowed');
    rule.from?.forEach((from, j) => {
      const src = from.source;
      if (src === undefined) {
        add(at('from', j), `\`from.source\` must not be nil, found at rule ${i}`);
        return;
      }
      const sp = (field: string, k?: number) => at('from', j, 'source', field, ...(k === undefined ? [] : [k]));
      // ValidateAuthorizationPolicy counts lengths; the CRD's CEL rule checks presence (`has`).
      if (
        (src.serviceAccounts !== undefined || src.notServiceAccounts !== undefined) &&
        (src.principals !== undefined || src.notPrincipals !== undefined || src.namespaces !== undefined || src.notNamespaces !== undefined)
      ) {
        const sa = src.serviceAccounts !== undefined ? 'serviceAccounts' : 'notServiceAccounts';
        add(sp(sa), `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
      }
      if (SOURCE_FIELDS.every((f) => len(src[f]) === 0)) add(at('from', j, 'source'), `\`from.source\` must not be empty, found at rule ${i}`);
      for (const field of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
        src[field]?.forEach((v, k) => {
          if (!IpSet.cidr(v)) add(sp(field, k), `"${v}" is not an IP address or CIDR`);
        });
      }
      for (const field of VALUE_SOURCE_FIELDS) {
        const k = src[field]?.indexOf('') ?? -1;
        if (k >= 0) add(sp(field, k), `empty value not allowed, found in ${field}`);
      }
      for (const field of ['serviceAccounts', 'notServiceAccounts'] as const) {
        const problem = checkServiceAccounts(field, src[field]);
        if (problem) add(sp(field, ...(problem.index === undefined ? [] : [problem.index])), problem.message);
      }
      for (const field of ['trustDomains', 'notTrustDomains'] as const) {
        const problem = checkWildcardValues(field, src[field]) ?? checkTrustDomains(field, src[field]);
        if (problem) add(sp(field, problem.index), problem.message);
      }
    });
    rule.to?.forEach((to, j) => {
      const op = to.operation;
      if (op === undefined) {
        add(at('to', j), `\`to.operation\` must not be nil, found at rule ${i}`);
        return;
      }
      const opPath = (field: string, k: number) => at('to', j, 'operation', field, k);
      if (OPERATION_FIELDS.every((f) => len(op[f]) === 0)) add(at('to', j, 'operation'), `\`to.operation\` must not be empty, found at rule ${i}`);
      for (const field of ['ports', 'notPorts'] as const) {
        op[field]?.forEach((p, k) => {
          if (parsePort(p) === undefined) add(opPath(field, k), `bad port "${p}": not a number in 0..65535`);
        });
      }
      for (const field of OPERATION_FIELDS) {
        const k = op[field]?.indexOf('') ?? -1;
        if (k >= 0) add(opPath(field, k), `empty value not allowed, found in ${field}`);
      }
      for (const field of ['paths', 'notPaths'] as const) {
        op[field]?.forEach((p, k) => {
          const problem = checkPathTemplate(p);
          if (problem) add(opPath(field, k), `invalid or unsupported path "${p}" in ${field}: ${problem}`);
        });
      }
    });
    rule.when?.forEach((c, j) => {
      if (c.key === '') {
        add(at('when', j, 'key'), '`key` must not be empty');
        return;
      }
      if (len(c.values) === 0 && len(c.notValues) === 0) {
        add(at('when', j), `at least one of \`values\` or \`notValues\` must be set for key ${c.key}`);
        return;
      }
      for (const field of ['values', 'notValues'] as const) {
        const problem = validateAttribute(c.key, c[field] ?? []);
        if (problem) {
          const path = problem.index === undefined ? at('when', j, problem.onKey ? 'key' : field) : at('when', j, field, problem.index);
          add(path, `invalid \`${field === 'values' ? 'value' : 'notValue'}\` for key ${c.key}: ${problem.message}`);
        }
      }
    });
  });
  return issues;
}

/**
 * `strconv.ParseUint(port, 10, 32)` and `p <= 65535` (ValidatePorts, security.go; convertToPort,
 * authz/model/util.go, parses the same way): decimal digits only, leading zeros allowed ("09090" is 9090).
 */
export function parsePort(value: string): number | undefined {
  if (!/^[0-9]+$/.test(value)) return undefined;
  const n = Number(value.replace(/^0+(?=\d)/, ''));
  return n <= 65535 ? n : undefined;
}

type Problem = { message: string; index?: number; onKey?: boolean };

/** ValidateAttribute (pkg/config/security/security.go): the condition keys Istio accepts, and their values. */
function validateAttribute(key: string, values: string[]): Problem | undefined {
  const empty = values.indexOf('');
  if (empty >= 0) return { message: 'empty value not allowed', index: empty };
  const ips = (): Problem | undefined => {
    const k = values.findIndex((v) => !IpSet.cidr(v));
    return k >= 0 ? { message: `"${values[k]}" is not an IP address or CIDR`, index: k } : undefined;
  };
  const mapKey = (): Problem | undefined => (validMapKey(key) ? undefined : { message: `bad key (${key}): should have format a[b]`, onKey: true });
  if (key.startsWith('request.headers')) return mapKey();
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      return ips();
    case 'source.serviceAccount':
      return checkServiceAccounts(key, values);
    case 'source.trustDomain':
      return checkWildcardValues(key, values);
    case 'destination.port': {
      const k = values.findIndex((v) => parsePort(v) === undefined);
      return k >= 0 ? { message: `bad port "${values[k]}": not a number in 0..65535`, index: k } : undefined;
    }
    case 'source.namespace':
    case 'source.principal':
    case 'request.auth.principal':
    case 'request.auth.audiences':
    case 'request.auth.presenter':
    case 'connection.sni':
      return undefined;
    case 'destination.namespace':
      return { message: `attribute ${key} is replaced by the metadata.namespace`, onKey: true };
    case 'destination.name':
    case 'destination.user':
      return { message: `deprecated attribute ${key}: only supported in v1alpha1`, onKey: true };
  }
  if (key.startsWith('request.auth.claims') || key.startsWith('experimental.envoy.filters.')) return mapKey();
  if (key.startsWith('destination.labels')) return { message: `attribute ${key} is replaced by the workload selector`, onKey: true };
  return { message: `unknown condition key "${key}"`, onKey: true };
}

/** validateMapKey: `name[x]` with a non-empty `x`. */
function validMapKey(key: string): boolean {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2;
}

/** CheckServiceAccount (security.go; the CRD also caps the list at 16 items of 320 characters). */
function checkServiceAccounts(field: string, values: string[] | undefined): Problem | undefined {
  if (!values) return undefined;
  if (values.length > 16) return { message: `${field} may not have more than 16 values` };
  for (const [index, v] of values.entries()) {
    if (v === '') return { message: `empty value not allowed, found in ${field}`, index };
    if (v.includes('*')) return { message: `wildcard not allowed, found in ${field}`, index };
    const slashes = v.split('/').length - 1;
    if (slashes > 1) return { message: `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${v}" in ${field}`, index };
    if (v.length > 320) return { message: `value cannot exceed 320 characters, found in ${field}`, index };
    if (slashes === 1 && (v.startsWith('/') || v.endsWith('/'))) {
      return { message: `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${v}" in ${field}`, index };
    }
  }
  return undefined;
}

/** CheckWildcardValues: non-empty, at most one `*`, only first or last. */
function checkWildcardValues(field: string, values: string[] | undefined): Problem | undefined {
  for (const [index, v] of (values ?? []).entries()) {
    if (v === '') return { message: `empty value not allowed, found in ${field}`, index };
    const stars = v.split('*').length - 1;
    if (stars > 1) return { message: `at most one wildcard is allowed, found in ${field}: "${v}"`, index };
    if (stars === 1 && v !== '*' && !v.startsWith('*') && !v.endsWith('*'))
      return { message: `wildcard is only allowed at the start or end, found in ${field}: "${v}"`, index };
  }
  return undefined;
}

/** CheckTrustDomainValues: wildcard values without '/'. */
function checkTrustDomains(field: string, values: string[] | undefined): Problem | undefined {
  const index = (values ?? []).findIndex((v) => v.includes('/'));
  return index >= 0 ? { message: `trust domain must not contain '/', found in ${field}: "${values![index]}"`, index } : undefined;
}

const VALID_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/** CheckValidPathTemplate (security.go): `{*}` / `{**}` as whole segments, `{**}` last, no other braces. */
function checkPathTemplate(path: string): string | undefined {
  const template = path.includes('{*}') || path.includes('{**}');
  let matchAny = false;
  for (const glob of path.replace(/^\/+|\/+$/g, '').split('/')) {
    if (glob === '{*}' && !matchAny) continue;
    if (glob === '{**}' && !matchAny) {
      matchAny = true;
      continue;
    }
    if (glob === '{*}' || glob === '{**}') return '{**} is not the last operator';
    if (/[{}]/.test(glob)) return "contains '{' or '}' beyond a supported path template";
    if (template && !VALID_LITERAL.test(glob)) return `contains segment "${glob}" with invalid string literal`;
  }
  return undefined;
}

/**
 * What istiod sees after jsonpb decoding: an empty repeated field is nil, the same as an absent
 * one (`from: []` is no `from`, `methods: []` no `methods`). Only the lists inside rules are
 * dropped; `rules: []` already means "no rules" everywhere.
 */
function withoutEmptyRuleLists(spec: RawAuthorizationPolicySpec): RawAuthorizationPolicySpec {
  if (!spec.rules?.some(holdsEmptyList)) return spec;
  const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => !(Array.isArray(v) && v.length === 0))) as T;
  return {
    ...spec,
    rules: spec.rules.map((rule) =>
      compact({
        ...rule,
        from: rule.from?.map((f) => (f.source ? { ...f, source: compact(f.source) } : f)),
        to: rule.to?.map((t) => (t.operation ? { ...t, operation: compact(t.operation) } : t)),
        when: rule.when?.map((c) => compact(c)),
      }),
    ),
  };
}

/** Whether a rule holds an empty list withoutEmptyRuleLists drops: most hold none, and are kept as they are (no copy). */
function holdsEmptyList(rule: Rule): boolean {
  const empty = (o: object | undefined) => o !== undefined && Object.values(o).some((v) => Array.isArray(v) && v.length === 0);
  return empty(rule) || (rule.from ?? []).some((f) => empty(f.source)) || (rule.to ?? []).some((t) => empty(t.operation)) || (rule.when ?? []).some(empty);
}

/** A key Istio's ValidateAttribute accepts (what it then means is authorizationPolicy.ts's business). */
export function isKnownConditionKey(key: string): boolean {
  return key !== '' && validateAttribute(key, [])?.onKey !== true;
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
    ports: z.array(z.object({ number: z.number().int(), protocol: z.string().optional() }).passthrough()).optional(),
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

const RouteDestination = z
  .object({ destination: z.object({ host: z.string(), port: z.object({ number: z.number().int() }).passthrough().optional() }).passthrough() })
  .passthrough();

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
