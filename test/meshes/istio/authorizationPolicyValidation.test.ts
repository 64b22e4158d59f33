/**
 * Admission of AuthorizationPolicies as Istio does it (mesh-semantics §2.4.7: a rejected policy is
 * absent). Sources, istio/istio: ValidateAuthorizationPolicy and validateMetadata /
 * checkDryRunAnnotation (pkg/config/validation/validation.go), ValidateAttribute, ValidatePorts,
 * CheckServiceAccount, CheckWildcardValues, CheckValidPathTemplate (pkg/config/security/security.go),
 * isDryRun (pilot/pkg/security/authz/builder/builder.go) and the CRD's CEL rules
 * (manifests/charts/base/files/crd-all.gen.yaml).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { collectIstioResources, isDryRun, parseGoBool } from '../../../src/meshes/istio/istioResources.js';
import { AuthorizationPolicySpec, isKnownConditionKey, parsePort } from '../../../src/meshes/istio/schemas.js';

const check = (yaml: string) => AuthorizationPolicySpec.safeParse(parse(yaml) ?? {});
const issues = (yaml: string) => {
  const r = check(yaml);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('ValidateAuthorizationPolicy: accepted', () => {
  it.each([
    [
      'source.trustDomain condition (attrSrcTrustDomain, eq22)',
      'rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/web"]}}], when: [{key: source.trustDomain, values: ["cluster.local"]}]}]',
    ],
    ['ports with a leading zero (ParseUint: "09090" is 9090)', 'action: DENY\nrules: [{to: [{operation: {ports: ["09090"], notPorts: ["0"]}}]}]'],
    ['highest port 65535', 'rules: [{to: [{operation: {ports: ["65535"]}}]}]'],
    ['destination.port condition with a leading zero', 'rules: [{when: [{key: destination.port, values: ["09090"]}]}]'],
    ['`from: []` (jsonpb decodes it nil: no source constraint)', 'rules: [{from: []}]'],
    ['`targetRefs: []` alone', 'targetRefs: []\nrules: [{}]'],
    ['CUSTOM with operation fields only', 'action: CUSTOM\nprovider: {name: ext}\nrules: [{to: [{operation: {paths: ["/api/*"]}}]}]'],
    [
      'CUSTOM with ipBlocks and a header condition',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{from: [{source: {ipBlocks: ["10.0.0.0/8"]}}], when: [{key: "request.headers[x-a]", values: ["1"]}]}]',
    ],
    ['DENY with `rules: [{}]`', 'action: DENY\nrules: [{}]'],
    ['ALLOW with no rules (allow-nothing)', '{}'],
    ['AUDIT with no rules', 'action: AUDIT'],
    ['serviceAccounts with ipBlocks', 'rules: [{from: [{source: {serviceAccounts: ["web", "frontend/web"], ipBlocks: ["10.0.0.1"]}}]}]'],
    ['path templates', 'rules: [{to: [{operation: {paths: ["/api/{*}/users", "/static/{**}", "/{**}/x"]}}]}]'],
    [
      'targetRef to a Gateway and a Service',
      'targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}, {kind: Service, name: svc}]\nrules: [{}]',
    ],
  ])('%s', (_name, yaml) => {
    expect(issues(yaml)).toEqual([]);
  });

  it.each([
    'source.ip',
    'remote.ip',
    'source.namespace',
    'source.principal',
    'source.serviceAccount',
    'source.trustDomain',
    'request.auth.principal',
    'request.auth.audiences',
    'request.auth.presenter',
    'request.auth.claims[iss]',
    'request.auth.claims[a][b]',
    'request.headers[x-user]',
    'destination.ip',
    'destination.port',
    'connection.sni',
    'experimental.envoy.filters.http.foo[bar]',
  ])('condition key %s is one ValidateAttribute accepts', (key) => {
    expect(isKnownConditionKey(key)).toBe(true);
  });

  it.each([
    'request.body',
    'destination.namespace',
    'destination.labels[app]',
    'destination.name',
    'destination.user',
    'request.headers[]',
    'request.headers',
    'request.auth.claims',
    'request.experimental.auth.claims[iss]',
    'source.trustdomain',
    '',
  ])('condition key "%s" is one ValidateAttribute rejects', (key) => {
    expect(isKnownConditionKey(key)).toBe(false);
    if (key !== '') expect(check(`rules: [{when: [{key: "${key}", values: ["x"]}]}]`).success).toBe(false);
  });

  it('an empty list inside a rule is the absent field istiod sees (jsonpb leaves it nil)', () => {
    const r = check('rules: [{from: [], to: [{operation: {methods: [], ports: ["5432"]}}], when: [{key: source.ip, values: ["10.0.0.1"], notValues: []}]}]');
    expect(r.success).toBe(true);
    expect(r.data!.rules).toEqual([{ to: [{ operation: { ports: ['5432'] } }], when: [{ key: 'source.ip', values: ['10.0.0.1'] }] }]);
  });
});

describe('ValidateAuthorizationPolicy: rejected, naming the field', () => {
  it.each([
    // eq19: validateOneOfSelectorType would pass it, but the CRD's CEL rule counts has(self.targetRefs).
    ['selector with `targetRefs: []` (CRD rule, has())', 'selector: {matchLabels: {app: a}}\ntargetRefs: []', 'targetRefs: only one of selector'],
    [
      'selector and targetRef',
      'selector: {matchLabels: {a: b}}\ntargetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: g}',
      'targetRef: only one of selector',
    ],
    [
      'port 70000 (ValidatePorts, w24)',
      'action: DENY\nrules: [{to: [{operation: {ports: ["8080", "70000"]}}]}]',
      'rules.0.to.0.operation.ports.1: bad port "70000"',
    ],
    ['notPorts "http"', 'rules: [{to: [{operation: {notPorts: ["http"]}}]}]', 'rules.0.to.0.operation.notPorts.0: bad port "http"'],
    ['port "-1"', 'rules: [{to: [{operation: {ports: ["-1"]}}]}]', 'bad port "-1"'],
    ['port "+80"', 'rules: [{to: [{operation: {ports: ["+80"]}}]}]', 'bad port "+80"'],
    [
      'destination.port 70000',
      'rules: [{when: [{key: destination.port, notValues: ["70000"]}]}]',
      'rules.0.when.0.notValues.0: invalid `notValue` for key destination.port',
    ],
    ['`from: [{source: {}}]` (w17)', 'rules: [{from: [{source: {}}]}]', 'rules.0.from.0.source: `from.source` must not be empty'],
    ['`from: [{source: {principals: []}}]`', 'rules: [{from: [{source: {principals: []}}]}]', '`from.source` must not be empty'],
    ['`from: [{}]`', 'rules: [{from: [{}]}]', 'rules.0.from.0: `from.source` must not be nil'],
    ['`to: [{operation: {}}]` (w18)', 'rules: [{to: [{operation: {}}]}]', 'rules.0.to.0.operation: `to.operation` must not be empty'],
    ['`to: [{}]`', 'rules: [{to: [{}]}]', 'rules.0.to.0: `to.operation` must not be nil'],
    ['DENY without rules (w30)', 'action: DENY', 'action: DENY action without `rules`'],
    ['DENY with `rules: []` (nil after jsonpb)', 'action: DENY\nrules: []', 'action: DENY action without `rules`'],
    ['CUSTOM without rules', 'action: CUSTOM\nprovider: {name: ext}', 'action: CUSTOM action without `rules`'],
    ['CUSTOM without provider', 'action: CUSTOM\nrules: [{}]', '`provider.name` must not be empty'],
    ['CUSTOM with an empty provider name', 'action: CUSTOM\nprovider: {name: ""}\nrules: [{}]', 'provider.name: `provider.name` must not be empty'],
    [
      'CUSTOM with principals (w39)',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{from: [{source: {principals: ["a/b"]}}]}]',
      'rules.0.from.0.source.principals: From.Principals is currently not supported with CUSTOM action',
    ],
    [
      'CUSTOM with notNamespaces',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{from: [{source: {notNamespaces: ["x"]}}]}]',
      'From.NotNamespaces is currently not supported',
    ],
    [
      'CUSTOM with requestPrincipals',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{from: [{source: {requestPrincipals: ["*"]}}]}]',
      'From.RequestPrincipals is currently not supported',
    ],
    [
      'CUSTOM with trustDomains',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{from: [{source: {trustDomains: ["td"]}}]}]',
      'From.TrustDomains is currently not supported',
    ],
    [
      'CUSTOM with a source.principal condition',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{when: [{key: source.principal, values: ["a"]}]}]',
      'rules.0.when.0.key: source.principal is currently not supported with CUSTOM action',
    ],
    [
      'CUSTOM with a JWT claim condition',
      'action: CUSTOM\nprovider: {name: ext}\nrules: [{when: [{key: "request.auth.claims[iss]", values: ["a"]}]}]',
      'request.auth.claims[iss] is currently not supported',
    ],
    ['provider without CUSTOM', 'provider: {name: x}\nrules: [{}]', 'provider: `provider` is only allowed with action CUSTOM'],
    [
      'namespaces with notServiceAccounts (w40)',
      'action: DENY\nrules: [{from: [{source: {namespaces: ["batch"], notServiceAccounts: ["batch/worker"]}}]}]',
      'rules.0.from.0.source.notServiceAccounts: cannot set serviceAccounts with namespaces or principals',
    ],
    [
      'principals with serviceAccounts',
      'rules: [{from: [{source: {principals: ["a"], serviceAccounts: ["web"]}}]}]',
      'cannot set serviceAccounts with namespaces or principals',
    ],
    [
      '`namespaces: []` with serviceAccounts (CRD rule, has())',
      'rules: [{from: [{source: {namespaces: [], serviceAccounts: ["web"]}}]}]',
      'cannot set serviceAccounts',
    ],
    ['serviceAccounts with a wildcard', 'rules: [{from: [{source: {serviceAccounts: ["web*"]}}]}]', 'serviceAccounts.0: wildcard not allowed'],
    [
      'serviceAccounts with two slashes',
      'rules: [{from: [{source: {serviceAccounts: ["a/b/c"]}}]}]',
      "expected format 'serviceAccount' or 'namespace/serviceAccount'",
    ],
    ['serviceAccounts with an empty namespace', 'rules: [{from: [{source: {serviceAccounts: ["/web"]}}]}]', "expected format 'serviceAccount'"],
    [
      '17 serviceAccounts',
      `rules: [{from: [{source: {serviceAccounts: [${Array.from({ length: 17 }, (_, i) => `"sa${i}"`).join(', ')}]}}]}]`,
      'may not have more than 16 values',
    ],
    ['trustDomains with a slash', 'rules: [{from: [{source: {trustDomains: ["a/b"]}}]}]', "trust domain must not contain '/'"],
    ['trustDomains with a middle wildcard', 'rules: [{from: [{source: {trustDomains: ["a*b"]}}]}]', 'wildcard is only allowed at the start or end'],
    ['source.trustDomain with two wildcards', 'rules: [{when: [{key: source.trustDomain, values: ["*a*"]}]}]', 'at most one wildcard'],
    ['source.serviceAccount value with a wildcard', 'rules: [{when: [{key: source.serviceAccount, values: ["ns/*"]}]}]', 'wildcard not allowed'],
    ['an empty principal', 'rules: [{from: [{source: {principals: [""]}}]}]', 'rules.0.from.0.source.principals.0: empty value not allowed'],
    ['an empty method', 'rules: [{to: [{operation: {methods: ["GET", ""]}}]}]', 'rules.0.to.0.operation.methods.1: empty value not allowed'],
    ['an empty condition value', 'rules: [{when: [{key: "request.headers[a]", values: [""]}]}]', 'rules.0.when.0.values.0'],
    ['a condition without values', 'rules: [{when: [{key: "request.headers[a]"}]}]', 'at least one of `values` or `notValues`'],
    ['an empty condition key', 'rules: [{when: [{key: "", values: ["a"]}]}]', 'rules.0.when.0.key: `key` must not be empty'],
    ['destination.labels', 'rules: [{when: [{key: "destination.labels[app]", values: ["a"]}]}]', 'replaced by the workload selector'],
    ['bad CIDR in source.ip', 'rules: [{when: [{key: source.ip, values: ["10.0.0.0/33"]}]}]', 'not an IP address or CIDR'],
    ['{**} not last', 'rules: [{to: [{operation: {paths: ["/a/{**}/b/{*}"]}}]}]', '{**} is not the last operator'],
    ['braces beyond a template', 'rules: [{to: [{operation: {notPaths: ["/a/{id}"]}}]}]', 'rules.0.to.0.operation.notPaths.0: invalid or unsupported path'],
    ['a template path with a glob literal', 'rules: [{to: [{operation: {paths: ["/a/{*}/b*"]}}]}]', 'invalid string literal'],
    ['a wildcard selector value', 'selector: {matchLabels: {app: "pay*"}}', 'wildcard is not supported in selector'],
    [
      'a cross-namespace targetRef',
      'targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: g, namespace: other}',
      'targetRef.namespace: targetRef namespace must not be set',
    ],
    ['a targetRef to a Deployment', 'targetRefs: [{kind: Deployment, group: apps, name: d}]', 'targetRefs.0.kind: targetRef must be a Service'],
    ['a misspelt field', 'rules: [{from: [{source: {principal: ["x"]}}]}]', 'Unrecognized key'],
  ])('%s', (_name, yaml, message) => {
    expect(issues(yaml).join('\n')).toContain(message);
  });
});

describe('ports: ValidatePorts (strconv.ParseUint, ≤ 65535)', () => {
  it.each([
    ['0', 0],
    ['8080', 8080],
    ['09090', 9090],
    ['000', 0],
    ['65535', 65535],
    ['65536', undefined],
    ['70000', undefined],
    ['99999999999', undefined],
    ['', undefined],
    [' 80', undefined],
    ['80 ', undefined],
    ['8e3', undefined],
    ['0x50', undefined],
    ['-1', undefined],
    ['+1', undefined],
    ['１', undefined],
  ] as const)('"%s" → %s', (value, port) => {
    expect(parsePort(value)).toBe(port);
  });
});

describe('istio.io/dry-run: strconv.ParseBool (builder.go isDryRun, checkDryRunAnnotation)', () => {
  it.each([
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
    ['yes', undefined],
    ['tRUE', undefined],
    [' true', undefined],
    ['', undefined],
    ['on', undefined],
  ] as const)('"%s" → %s', (value, parsed) => {
    expect(parseGoBool(value)).toBe(parsed);
  });

  const collect = (docs: string) => {
    const parsed = parseFileContent('p.yaml', Buffer.from(docs), { maxFileBytes: 1 << 20, maxDocuments: 100 });
    expect(parsed.errors).toEqual([]);
    return { res: collectIstioResources(buildInventory(parsed.resources, 'default')), resources: parsed.resources };
  };
  const policy = (annotations: string, spec = 'action: DENY\n  rules: [{}]', kind = 'AuthorizationPolicy') =>
    `apiVersion: security.istio.io/v1\nkind: ${kind}\nmetadata:\n  name: p\n  namespace: shop\n  annotations:\n${annotations}\nspec:\n  ${spec}\n`;

  it.each(['"True"', '"1"', '"t"', '"TRUE"', '"true"'])('%s is dry-run: valid, not enforced', (value) => {
    const { res, resources } = collect(policy(`    istio.io/dry-run: ${value}`));
    expect(res.invalid).toEqual([]);
    expect(res.authorizationPolicies).toEqual([]);
    expect(isDryRun(resources[0]!)).toBe(true);
  });

  it.each(['"False"', '"0"', '"f"'])('%s is enforced', (value) => {
    const { res, resources } = collect(policy(`    istio.io/dry-run: ${value}`));
    expect(res.invalid).toEqual([]);
    expect(res.authorizationPolicies).toHaveLength(1);
    expect(isDryRun(resources[0]!)).toBe(false);
  });

  it.each([
    ['a value ParseBool refuses', '    istio.io/dry-run: "yes"', 'action: DENY\n  rules: [{}]', 'AuthorizationPolicy', 'invalid value "yes"'],
    [
      'a boolean, not a string (the API server refuses it)',
      '    istio.io/dry-run: true',
      'action: DENY\n  rules: [{}]',
      'AuthorizationPolicy',
      'must be a string',
    ],
    [
      'dry-run on CUSTOM',
      '    istio.io/dry-run: "true"',
      'action: CUSTOM\n  provider: {name: ext}\n  rules: [{}]',
      'AuthorizationPolicy',
      'only supports action ALLOW/DENY',
    ],
    ['dry-run on AUDIT', '    istio.io/dry-run: "true"', 'action: AUDIT\n  rules: [{}]', 'AuthorizationPolicy', 'only supports action ALLOW/DENY'],
    [
      'dry-run on a PeerAuthentication',
      '    istio.io/dry-run: "true"',
      'mtls: {mode: STRICT}',
      'PeerAuthentication',
      'unsupported annotation istio.io/dry-run',
    ],
    [
      'an internal annotation',
      '    internal.istio.io/webhook-always-reject: "x"',
      'action: DENY\n  rules: [{}]',
      'AuthorizationPolicy',
      'may not be set by users',
    ],
  ])('%s: the webhook rejects the policy (validateMetadata), so it is absent', (_name, annotations, spec, kind, message) => {
    const { res, resources } = collect(policy(annotations, spec, kind));
    expect(res.invalid).toHaveLength(1);
    expect(res.invalid[0]!.message).toContain(message);
    expect(resources[0]!.locate(res.invalid[0]!.path)).toBe(7);
    expect(res.authorizationPolicies).toEqual([]);
    expect(res.peerAuthentications).toEqual([]);
  });

  it('a dry-run policy with an invalid spec is still reported as invalid', () => {
    const { res } = collect(policy('    istio.io/dry-run: "true"', 'action: DENY\n  rules: [{to: [{operation: {ports: ["70000"]}}]}]'));
    expect(res.invalid.map((i) => i.path.join('.'))).toEqual(['spec.rules.0.to.0.operation.ports.0']);
  });
});
