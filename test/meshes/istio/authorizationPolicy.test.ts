import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Resource } from '../../../src/manifests/resource.js';
import {
  ANY_PEER,
  AUTHENTICATED,
  compileAccess,
  parsePort,
  pathSet,
  requestPrincipalSet,
  serviceAccountSet,
  trustDomainSet,
  type CompileContext,
} from '../../../src/meshes/istio/authorizationPolicy.js';
import type { Typed } from '../../../src/meshes/istio/istioResources.js';
import { AuthorizationPolicySpec } from '../../../src/meshes/istio/schemas.js';
import { decideRequest } from '../../../src/policy/decideRequest.js';
import { DIM } from '../../../src/policy/requestSpace.js';

const ap = (yaml: string, i = 0): Typed<AuthorizationPolicySpec> => {
  const spec = AuthorizationPolicySpec.parse(parse(yaml) ?? {});
  const resource = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    name: `p${i}`,
    namespace: 'shop',
    body: { spec },
    file: 'p.yaml',
    docIndex: i,
    line: 1,
    hash: `h${i}`,
    locate: () => 1,
  } as Resource;
  return { resource, namespace: 'shop', spec };
};

const HTTP: CompileContext = { port: 8080, protocol: 'http', identityVisible: true, ambient: false, jwtIssuers: ['https://issuer.example.com'] };
const TCP: CompileContext = { ...HTTP, protocol: 'tcp' };
const permissive = { universe: new Map([[DIM.principal, ANY_PEER]]), universeOrigin: undefined };
const strict = { universe: new Map([[DIM.principal, AUTHENTICATED]]), universeOrigin: undefined };

const peer = (ns: string, sa = 'default') => `cluster.local/ns/${ns}/sa/${sa}`;
const req = (r: Partial<Record<string, string>>) => ({ [DIM.principal]: peer('web'), [DIM.method]: 'GET', [DIM.path]: '/', ...r }) as Record<string, string>;

type Case = [name: string, policies: string[], ctx: CompileContext, request: Record<string, string>, allowed: boolean, base?: typeof permissive];

/** Each row pins one rule of mesh-semantics §2.4 (and ISTIO-SECURITY-2021-004 for plaintext). */
const cases: Case[] = [
  ['no policy: allow', [], HTTP, req({}), true],
  ['spec: {} denies everything', ['{}'], HTTP, req({}), false],
  ['rules: [{}] allows everything', ['rules: [{}]'], HTTP, req({}), true],
  ['DENY rules: [{}] denies everything', ['action: DENY\nrules: [{}]'], HTTP, req({}), false],
  ['principal exact match', ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/default"]}}]}]'], HTTP, req({}), true],
  ['principal prefix match', ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/*"]}}]}]'], HTTP, req({ principal: peer('web', 'x') }), true],
  ['principal suffix match', ['rules: [{from: [{source: {principals: ["*/sa/default"]}}]}]'], HTTP, req({ principal: peer('other') }), true],
  ['principals "*" refuses plaintext', ['rules: [{from: [{source: {principals: ["*"]}}]}]'], HTTP, req({ principal: '' }), false],
  ['namespaces match the principal', ['rules: [{from: [{source: {namespaces: ["web"]}}]}]'], HTTP, req({}), true],
  ['namespaces do not match another namespace', ['rules: [{from: [{source: {namespaces: ["web"]}}]}]'], HTTP, req({ principal: peer('webshop') }), false],
  ['notNamespaces ALLOW admits plaintext (2021-004)', ['rules: [{from: [{source: {notNamespaces: ["evil"]}}]}]'], HTTP, req({ principal: '' }), true],
  [
    'DENY on namespaces does not stop plaintext (2021-004)',
    ['action: DENY\nrules: [{from: [{source: {namespaces: ["evil"]}}]}]'],
    HTTP,
    req({ principal: '' }),
    true,
  ],
  [
    'DENY with notPrincipals denies everyone else',
    ['action: DENY\nrules: [{from: [{source: {notPrincipals: ["cluster.local/ns/admin/sa/ops"]}}]}]'],
    HTTP,
    req({}),
    false,
  ],
  ['trustDomains match the principal prefix', ['rules: [{from: [{source: {trustDomains: ["cluster.local"]}}]}]'], HTTP, req({}), true],
  [
    'trustDomains refuse another domain',
    ['rules: [{from: [{source: {trustDomains: ["cluster.local"]}}]}]'],
    HTTP,
    req({ principal: 'other.td/ns/web/sa/default' }),
    false,
  ],
  ['DENY beats ALLOW', ['rules: [{}]', 'action: DENY\nrules: [{to: [{operation: {paths: ["/admin*"]}}]}]'], HTTP, req({ path: '/admin/x' }), false],
  ['ALLOWs are a union', ['rules: [{to: [{operation: {paths: ["/a"]}}]}]', 'rules: [{to: [{operation: {paths: ["/b"]}}]}]'], HTTP, req({ path: '/b' }), true],
  ['from AND to', ['rules: [{from: [{source: {namespaces: ["web"]}}], to: [{operation: {methods: ["POST"]}}]}]'], HTTP, req({ method: 'GET' }), false],
  ['ports are target ports, exact', ['rules: [{to: [{operation: {ports: ["9090"]}}]}]'], HTTP, req({}), false],
  ['notPorts excludes the port', ['rules: [{to: [{operation: {notPorts: ["8080"]}}]}]'], HTTP, req({}), false],
  ['header condition', ['rules: [{when: [{key: "request.headers[x-user]", values: ["alice"]}]}]'], HTTP, req({ 'header:x-user': 'alice' }), true],
  ['header notValues "*" admits an absent header', ['rules: [{when: [{key: "request.headers[x-user]", notValues: ["*"]}]}]'], HTTP, req({}), true],
  ['source.ip condition with CIDR', ['rules: [{when: [{key: "source.ip", values: ["10.0.0.0/8"]}]}]'], HTTP, req({ sourceIp: '10.1.2.3' }), true],
  ['hosts are case-insensitive', ['rules: [{to: [{operation: {hosts: ["Shop.Example.com"]}}]}]'], HTTP, req({ host: 'shop.example.com' }), true],
  ['ALLOW with HTTP fields is dead on TCP', ['rules: [{to: [{operation: {methods: ["GET"]}}]}]'], TCP, req({}), false],
  [
    'DENY with HTTP fields is broader on TCP',
    ['rules: [{}]', 'action: DENY\nrules: [{to: [{operation: {methods: ["POST"], ports: ["8080"]}}]}]'],
    TCP,
    req({}),
    false,
  ],
  ['ALLOW without HTTP fields still works on TCP', ['rules: [{from: [{source: {namespaces: ["web"]}}]}]'], TCP, req({}), true],
  [
    'DISABLE hides identity: principal rules cannot match',
    ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/default"]}}]}]'],
    { ...HTTP, identityVisible: false },
    req({}),
    false,
  ],
  ['CUSTOM may deny what it matches', ['action: CUSTOM\nprovider: {name: ext}\nrules: [{}]'], HTTP, req({}), false],
  ['AUDIT never changes the decision', ['action: AUDIT\nrules: [{}]', '{}'], HTTP, req({}), false],
  [
    'requestPrincipals "*" admits a validated JWT',
    ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'],
    HTTP,
    req({ requestPrincipal: 'https://issuer.example.com/alice' }),
    true,
  ],
  ['requestPrincipals "*" refuses a request without JWT', ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'], HTTP, req({}), false],
  [
    'without a RequestAuthentication no request has a principal',
    ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'],
    { ...HTTP, jwtIssuers: [] },
    req({ requestPrincipal: 'https://issuer.example.com/alice' }),
    false,
  ],
  [
    'without a RequestAuthentication notRequestPrincipals matches everyone',
    ['action: DENY\nrules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]'],
    { ...HTTP, jwtIssuers: [] },
    req({}),
    false,
  ],
  [
    'a repository without any RequestAuthentication leaves JWTs possible',
    ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'],
    { ...HTTP, jwtIssuers: 'unknown' },
    req({ requestPrincipal: 'any-issuer/alice' }),
    true,
  ],
  [
    'a token from an issuer no RequestAuthentication names has no principal',
    ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'],
    HTTP,
    req({ requestPrincipal: 'https://other.example.com/alice' }),
    false,
  ],
  ['STRICT refuses plaintext before any policy', [], HTTP, req({ principal: '' }), false, strict],
];

describe('AuthorizationPolicy semantics', () => {
  it.each(cases)('%s', (_name, policies, ctx, request, allowed, base = permissive) => {
    const compiled = compileAccess(
      policies.map((p, i) => ap(p, i)),
      ctx,
      base,
    );
    expect(decideRequest(compiled, request)).toBe(allowed);
  });

  it('v1beta1 and v1 compile alike (the schema is one)', () => {
    const a = compileAccess([ap('rules: [{from: [{source: {namespaces: ["web"]}}]}]')], HTTP, permissive);
    const b = compileAccess(
      [{ ...ap('rules: [{from: [{source: {namespaces: ["web"]}}]}]'), resource: { ...ap('{}').resource, apiVersion: 'security.istio.io/v1beta1' } }],
      HTTP,
      permissive,
    );
    expect(a.allow!.map((c) => c.key)).toEqual(b.allow!.map((c) => c.key));
  });

  it.each([
    ['ports: ["http"]', 'rules: [{to: [{operation: {ports: ["http"]}}]}]', 'not a number'],
    ['bad CIDR', 'rules: [{from: [{source: {ipBlocks: ["10.0.0.0/33"]}}]}]', 'not an IP'],
    ['unknown condition key', 'rules: [{when: [{key: "request.body", values: ["x"]}]}]', 'unknown condition key'],
    ['provider without CUSTOM', 'provider: {name: x}', 'only allowed with action CUSTOM'],
    ['selector and targetRef', 'selector: {matchLabels: {a: b}}\ntargetRef: {kind: Gateway, name: g}', 'only one of selector'],
    ['misspelt field', 'rules: [{from: [{source: {principal: ["x"]}}]}]', 'Unrecognized key'],
  ])('rejects %s as Istio validation would', (_name, yaml, message) => {
    const r = AuthorizationPolicySpec.safeParse(parse(yaml));
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(message);
  });
});

/**
 * Istio's generators, value by value (pilot/pkg/security/authz/model/generator.go, util.go) and
 * how a failing generator is handled (model.go `rule.checkError`, builder.go "skipped rule ... on
 * TCP filter chain"). The policies live in namespace `shop` (see `ap`).
 */
describe('AuthorizationPolicy generators (model/generator.go)', () => {
  const TCP5432: CompileContext = { ...TCP, port: 5432 };
  const jwt = (p: string) => req({ requestPrincipal: p });
  const generatorCases: Case[] = [
    // srcServiceAccountGenerator / serviceAccountRegex: a bare name is in the POLICY's namespace.
    [
      'serviceAccounts "db" is shop/db (policy namespace)',
      ['rules: [{from: [{source: {serviceAccounts: ["db"]}}]}]'],
      HTTP,
      req({ principal: peer('shop', 'db') }),
      true,
    ],
    ['serviceAccounts "db" is not other/db', ['rules: [{from: [{source: {serviceAccounts: ["db"]}}]}]'], HTTP, req({ principal: peer('other', 'db') }), false],
    [
      'serviceAccounts "frontend/web" names its namespace',
      ['rules: [{from: [{source: {serviceAccounts: ["frontend/web"]}}]}]'],
      HTTP,
      req({ principal: peer('frontend', 'web') }),
      true,
    ],
    ['serviceAccounts "db" is not shop/dbx', ['rules: [{from: [{source: {serviceAccounts: ["db"]}}]}]'], HTTP, req({ principal: peer('shop', 'dbx') }), false],
    [
      'DENY notServiceAccounts "db" spares shop/db',
      ['rules: [{}]', 'action: DENY\nrules: [{from: [{source: {notServiceAccounts: ["db"]}}]}]'],
      HTTP,
      req({ principal: peer('shop', 'db') }),
      true,
    ],
    [
      'DENY notServiceAccounts "db" denies other/db',
      ['rules: [{}]', 'action: DENY\nrules: [{from: [{source: {notServiceAccounts: ["db"]}}]}]'],
      HTTP,
      req({ principal: peer('other', 'db') }),
      false,
    ],
    [
      'source.serviceAccount "db" is shop/db',
      ['rules: [{when: [{key: source.serviceAccount, values: ["db"]}]}]'],
      HTTP,
      req({ principal: peer('shop', 'db') }),
      true,
    ],
    // destPortGenerator / convertToPort: strconv.ParseUint, so ports are numbers.
    ['ports "09090" is port 9090', ['rules: [{to: [{operation: {ports: ["09090"]}}]}]'], { ...HTTP, port: 9090 }, req({}), true],
    ['notPorts "08080" excludes port 8080', ['rules: [{to: [{operation: {notPorts: ["08080"]}}]}]'], HTTP, req({}), false],
    [
      'destination.port "09090" is port 9090',
      ['action: DENY\nrules: [{when: [{key: destination.port, values: ["09090"]}]}]'],
      { ...HTTP, port: 9090 },
      req({}),
      false,
    ],
    [
      'destination.port notValues "0008080" spares 8080',
      ['action: DENY\nrules: [{when: [{key: destination.port, notValues: ["0008080"]}]}]'],
      HTTP,
      req({}),
      true,
    ],
    // srcTrustDomainGenerator: the principal's part before `/ns/`.
    [
      'source.trustDomain "cluster.local" admits cluster.local',
      ['rules: [{when: [{key: source.trustDomain, values: ["cluster.local"]}]}]'],
      HTTP,
      req({}),
      true,
    ],
    [
      'source.trustDomain "cluster.local" refuses other.td',
      ['rules: [{when: [{key: source.trustDomain, values: ["cluster.local"]}]}]'],
      HTTP,
      req({ principal: 'other.td/ns/web/sa/default' }),
      false,
    ],
    ['source.trustDomain refuses plaintext', ['rules: [{when: [{key: source.trustDomain, values: ["*"]}]}]'], HTTP, req({ principal: '' }), false],
    [
      'DENY source.trustDomain notValues "cluster.local" denies other.td',
      ['action: DENY\nrules: [{when: [{key: source.trustDomain, notValues: ["cluster.local"]}]}]'],
      HTTP,
      req({ principal: 'other.td/ns/web/sa/default' }),
      false,
    ],
    [
      'DENY source.trustDomain notValues "cluster.local" spares cluster.local',
      ['action: DENY\nrules: [{when: [{key: source.trustDomain, notValues: ["cluster.local"]}]}]'],
      HTTP,
      req({}),
      true,
    ],
    // proto3 / `len(values) > 0`: an empty list is an absent field.
    ['methods: [] does not make an ALLOW rule HTTP-only', ['rules: [{to: [{operation: {ports: ["5432"], methods: []}}]}]'], TCP5432, req({}), true],
    [
      'requestPrincipals: [] does not make an ALLOW rule HTTP-only',
      ['rules: [{from: [{source: {principals: ["*"], requestPrincipals: []}}]}]'],
      TCP5432,
      req({}),
      true,
    ],
    ['paths: [] constrains nothing', ['rules: [{to: [{operation: {paths: []}}]}]'], HTTP, req({ path: '/anything' }), true],
    ['notHosts: [] constrains nothing', ['rules: [{to: [{operation: {notHosts: [], methods: ["GET"]}}]}]'], HTTP, req({}), true],
    ['from: [] is no source constraint (model.New len(r.From) == 0)', ['rules: [{from: [], to: [{operation: {methods: ["GET"]}}]}]'], HTTP, req({}), true],
    ['to: [] is no operation constraint', ['rules: [{to: []}]'], HTTP, req({}), true],
    // TCP filter chain: an ALLOW rule with any HTTP-only field anywhere is skipped as a whole.
    [
      'TCP: an HTTP-only field in another from entry skips the whole ALLOW rule',
      ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/default"]}}, {source: {requestPrincipals: ["*"]}}]}]'],
      TCP5432,
      req({}),
      false,
    ],
    [
      'TCP: an HTTP-only field in another to entry skips the whole ALLOW rule',
      ['rules: [{to: [{operation: {ports: ["5432"]}}, {operation: {paths: ["/x"]}}]}]'],
      TCP5432,
      req({}),
      false,
    ],
    [
      'TCP: an HTTP-only when condition skips the whole ALLOW rule',
      ['rules: [{from: [{source: {namespaces: ["web"]}}], when: [{key: "request.headers[x]", values: ["y"]}]}]'],
      TCP5432,
      req({}),
      false,
    ],
    [
      'TCP: the same entries split into two rules leave the L4 rule working',
      ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/default"]}}]}, {from: [{source: {requestPrincipals: ["*"]}}]}]'],
      TCP5432,
      req({}),
      true,
    ],
    [
      'TCP: only the offending rule is skipped, not the policy',
      ['rules: [{to: [{operation: {methods: ["GET"]}}]}, {from: [{source: {namespaces: ["web"]}}]}]'],
      TCP5432,
      req({}),
      true,
    ],
    // DENY (and CUSTOM, built with RBAC_DENY): the failing field drops out, the rule matches more.
    [
      'TCP: DENY drops an HTTP-only field from its from entry, which then matches everyone',
      ['rules: [{}]', 'action: DENY\nrules: [{from: [{source: {namespaces: ["batch"]}}, {source: {requestPrincipals: ["*"]}}]}]'],
      TCP5432,
      req({}),
      false,
    ],
    [
      'TCP: DENY keeps its L4 fields',
      ['rules: [{}]', 'action: DENY\nrules: [{from: [{source: {namespaces: ["batch"], requestPrincipals: ["*"]}}]}]'],
      TCP5432,
      req({}),
      true,
    ],
    [
      'TCP: DENY drops an HTTP-only when condition',
      ['rules: [{}]', 'action: DENY\nrules: [{when: [{key: "request.headers[x]", values: ["y"]}]}]'],
      TCP5432,
      req({}),
      false,
    ],
    [
      'TCP: CUSTOM drops HTTP-only fields like DENY',
      ['action: CUSTOM\nprovider: {name: ext}\nrules: [{to: [{operation: {paths: ["/admin"]}}]}]'],
      TCP5432,
      req({}),
      false,
    ],
    // requestPrincipalGenerator: iss and sub, split at the LAST `/`.
    [
      'requestPrincipals "<iss>/*" admits a token of that issuer',
      ['rules: [{from: [{source: {requestPrincipals: ["https://issuer.example.com/*"]}}]}]'],
      HTTP,
      jwt('https://issuer.example.com/alice'),
      true,
    ],
    [
      'requestPrincipals "<iss>*" is iss "https:/" with a sub prefix: no token',
      ['rules: [{from: [{source: {requestPrincipals: ["https://issuer.example.com*"]}}]}]'],
      HTTP,
      jwt('https://issuer.example.com/alice'),
      false,
    ],
    [
      'DENY requestPrincipals "<iss>*" no longer denies that issuer',
      ['action: DENY\nrules: [{from: [{source: {requestPrincipals: ["https://issuer.example.com*"]}}]}]'],
      HTTP,
      jwt('https://issuer.example.com/alice'),
      true,
    ],
    [
      'requestPrincipals "*/alice" is any issuer, sub alice',
      ['rules: [{from: [{source: {requestPrincipals: ["*/alice"]}}]}]'],
      HTTP,
      jwt('https://issuer.example.com/alice'),
      true,
    ],
    [
      'request.auth.principal uses the same generator',
      ['rules: [{when: [{key: request.auth.principal, values: ["https://issuer.example.com*"]}]}]'],
      HTTP,
      jwt('https://issuer.example.com/alice'),
      false,
    ],
    // pathGenerator: `{*}` / `{**}` make the path an Envoy URI template.
    [
      'paths "/admin/{**}" covers nested paths',
      ['action: DENY\nrules: [{to: [{operation: {paths: ["/admin/{**}"]}}]}]'],
      HTTP,
      req({ path: '/admin/x/y' }),
      false,
    ],
    [
      'paths "/admin/{**}" does not cover "/admin"',
      ['action: DENY\nrules: [{to: [{operation: {paths: ["/admin/{**}"]}}]}]'],
      HTTP,
      req({ path: '/admin' }),
      true,
    ],
    ['paths "/api/{*}/users" is one segment', ['rules: [{to: [{operation: {paths: ["/api/{*}/users"]}}]}]'], HTTP, req({ path: '/api/v2/users' }), true],
    [
      'paths "/api/{*}/users" is not two segments',
      ['rules: [{to: [{operation: {paths: ["/api/{*}/users"]}}]}]'],
      HTTP,
      req({ path: '/api/v2/x/users' }),
      false,
    ],
    ['notPaths templates too', ['rules: [{to: [{operation: {notPaths: ["/api/{*}"]}}]}]'], HTTP, req({ path: '/api/x' }), false],
  ];

  // What istiod builds from the stored object, webhook or not: the YAML as is, without the schema's validation
  // (some rows, like `from: []` or `paths: []` alone, are rejected by validation.go but still have a meaning in model.New).
  const raw = (yaml: string, i: number): Typed<AuthorizationPolicySpec> => {
    const spec = (parse(yaml) ?? {}) as AuthorizationPolicySpec;
    return { ...ap('{}', i), spec };
  };

  it.each(generatorCases)('%s', (_name, policies, ctx, request, allowed, base = permissive) => {
    const compiled = compileAccess(
      policies.map((p, i) => raw(p, i)),
      ctx,
      base,
    );
    expect(decideRequest(compiled, request)).toBe(allowed);
  });

  it.each([
    ['9090', 9090],
    ['09090', 9090],
    ['0', 0],
    ['65535', 65535],
    ['65536', undefined],
    ['70000', undefined],
    ['99999999999999999999', undefined],
    ['+80', undefined],
    ['-1', undefined],
    [' 80', undefined],
    ['80a', undefined],
    ['0x50', undefined],
    ['', undefined],
  ])('convertToPort(%j) = %s', (value, port) => {
    expect(parsePort(value)).toBe(port);
  });

  it.each([
    // [value, principal, matches]  (principal = spiffe URI without "spiffe://")
    ['db', 'cluster.local/ns/shop/sa/db', true],
    ['db', 'cluster.local/ns/default/sa/db', false],
    ['shop/db', 'cluster.local/ns/shop/sa/db', true],
    ['shop/db', 'cluster.local/ns/shop/sa/db/extra', true], // "(/.+)?"
    ['shop/db', 'cluster.local/ns/shop/k/v/sa/db', true], // "(.+/|)"
    ['shop/db', 'cluster.local/ns/shop/sa/db-x', false],
    ['shop/db', 'cluster.local/ns/shopx/sa/db', false],
    ['shop/db', '', false],
  ])('serviceAccountRegex("shop", %j) matches %j: %s', (value, principal, expected) => {
    expect(serviceAccountSet('shop', value).has(principal)).toBe(expected);
  });

  it.each([
    ['*', 'any.td/ns/a/sa/b', true],
    ['*', '', false],
    ['cluster.local', 'cluster.local/ns/a/sa/b', true],
    ['cluster.local', 'cluster.localx/ns/a/sa/b', false],
    ['cluster.local', 'x.cluster.local/ns/a/sa/b', false],
    ['cluster*', 'cluster.local/ns/a/sa/b', true],
    ['*.local', 'cluster.local/ns/a/sa/b', true],
    ['*.local', 'cluster.localx/ns/a/sa/b', false],
    ['clu*cal', 'cluster.local/ns/a/sa/b', true], // split at the first `*`: a wildcard anywhere
    ['a*b*c', 'axb*c/ns/a/sa/b', true], // a second `*` is literal (QuoteMeta)
    ['a*b*c', 'axbyc/ns/a/sa/b', false],
  ])('srcTrustDomainGenerator(%j) matches %j: %s', (value, principal, expected) => {
    expect(trustDomainSet(value).has(principal)).toBe(expected);
  });

  it.each([
    // [value, "<iss>/<sub>", matches]
    ['*', 'https://issuer.example.com/alice', true],
    ['*', '', false],
    ['https://issuer.example.com/*', 'https://issuer.example.com/alice', true],
    ['https://issuer.example.com/*', 'https://issuer.example.com/', false], // sub ".+"
    ['https://issuer.example.com/*', 'https://other.example.com/alice', false],
    ['https://issuer.example.com/al*', 'https://issuer.example.com/alice', true],
    ['https://issuer.example.com*', 'https://issuer.example.com/alice', false], // iss exact "https:/"
    ['https://issuer.example.com*', 'https://issuer.example.comx', true], // iss "https:/", sub "issuer.example.comx"
    ['issuer*', 'issuer-2/alice', true], // no `/`: iss prefix, sub .+
    ['issuer*', 'other/alice', false],
    ['*/alice', 'https://issuer.example.com/alice', true],
    ['*/alice', 'https://issuer.example.com/bob', false],
    ['*example.com/alice', 'https://issuer.example.com/alice', true],
    ['*example.com/alice', 'https://issuer.example.org/alice', false],
    ['*alice', 'https://issuer.example.com/xalice', true], // no `/`: any iss, sub suffix
    ['https://issuer.example.com/alice', 'https://issuer.example.com/alice', true],
    ['https://issuer.example.com/alice', 'https://issuer.example.com/alicex', false],
    ['issuer', 'issuer/', true], // no `/`: iss exact, sub exact ""
    ['issuer', 'issuer/alice', false],
  ])('requestPrincipalGenerator(%j) matches %j: %s', (value, principal, expected) => {
    expect(requestPrincipalSet(value).has(principal)).toBe(expected);
  });

  it.each([
    ['/admin/*', '/admin/x/y', true], // no template: Istio prefix match
    ['/admin/{**}', '/admin/x/y', true],
    ['/admin/{*}', '/admin/x/y', false],
    ['/admin/{*}', '/admin/{*}', false],
    ['/a{*}', '/ax', false], // a template Envoy refuses matches no path
  ])('pathGenerator(%j) matches %j: %s', (value, path, expected) => {
    expect(pathSet(value).has(path)).toBe(expected);
  });
});
