import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Resource } from '../../../src/manifests/resource.js';
import { ANY_PEER, AUTHENTICATED, compileAccess, type CompileContext } from '../../../src/meshes/istio/authorizationPolicy.js';
import type { Typed } from '../../../src/meshes/istio/istioResources.js';
import { AuthorizationPolicySpec } from '../../../src/meshes/istio/schemas.js';
import { decideRequest } from '../../../src/policy/decideRequest.js';
import { DIM } from '../../../src/policy/requestSpace.js';

const ap = (yaml: string, i = 0): Typed<AuthorizationPolicySpec> => {
  const spec = AuthorizationPolicySpec.parse(parse(yaml) ?? {});
  const resource = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', name: `p${i}`, namespace: 'shop', body: { spec }, file: 'p.yaml', docIndex: i, line: 1, hash: `h${i}`, locate: () => 1 } as Resource;
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
  ['DENY without rules has no effect', ['action: DENY'], HTTP, req({}), true],
  ['DENY rules: [{}] denies everything', ['action: DENY\nrules: [{}]'], HTTP, req({}), false],
  ['principal exact match', ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/default"]}}]}]'], HTTP, req({}), true],
  ['principal prefix match', ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/*"]}}]}]'], HTTP, req({ principal: peer('web', 'x') }), true],
  ['principal suffix match', ['rules: [{from: [{source: {principals: ["*/sa/default"]}}]}]'], HTTP, req({ principal: peer('other') }), true],
  ['principals "*" refuses plaintext', ['rules: [{from: [{source: {principals: ["*"]}}]}]'], HTTP, req({ principal: '' }), false],
  ['namespaces match the principal', ['rules: [{from: [{source: {namespaces: ["web"]}}]}]'], HTTP, req({}), true],
  ['namespaces do not match another namespace', ['rules: [{from: [{source: {namespaces: ["web"]}}]}]'], HTTP, req({ principal: peer('webshop') }), false],
  ['notNamespaces ALLOW admits plaintext (2021-004)', ['rules: [{from: [{source: {notNamespaces: ["evil"]}}]}]'], HTTP, req({ principal: '' }), true],
  ['DENY on namespaces does not stop plaintext (2021-004)', ['action: DENY\nrules: [{from: [{source: {namespaces: ["evil"]}}]}]'], HTTP, req({ principal: '' }), true],
  ['DENY with notPrincipals denies everyone else', ['action: DENY\nrules: [{from: [{source: {notPrincipals: ["cluster.local/ns/admin/sa/ops"]}}]}]'], HTTP, req({}), false],
  ['trustDomains match the principal prefix', ['rules: [{from: [{source: {trustDomains: ["cluster.local"]}}]}]'], HTTP, req({}), true],
  ['trustDomains refuse another domain', ['rules: [{from: [{source: {trustDomains: ["cluster.local"]}}]}]'], HTTP, req({ principal: 'other.td/ns/web/sa/default' }), false],
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
  ['DENY with HTTP fields is broader on TCP', ['rules: [{}]', 'action: DENY\nrules: [{to: [{operation: {methods: ["POST"], ports: ["8080"]}}]}]'], TCP, req({}), false],
  ['ALLOW without HTTP fields still works on TCP', ['rules: [{from: [{source: {namespaces: ["web"]}}]}]'], TCP, req({}), true],
  ['DISABLE hides identity: principal rules cannot match', ['rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/default"]}}]}]'], { ...HTTP, identityVisible: false }, req({}), false],
  ['CUSTOM may deny what it matches', ['action: CUSTOM\nprovider: {name: ext}\nrules: [{}]'], HTTP, req({}), false],
  ['AUDIT never changes the decision', ['action: AUDIT\nrules: [{}]', '{}'], HTTP, req({}), false],
  ['requestPrincipals "*" admits a validated JWT', ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'], HTTP, req({ requestPrincipal: 'https://issuer.example.com/alice' }), true],
  ['requestPrincipals "*" refuses a request without JWT', ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'], HTTP, req({}), false],
  ['without a RequestAuthentication no request has a principal', ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'], { ...HTTP, jwtIssuers: [] }, req({ requestPrincipal: 'https://issuer.example.com/alice' }), false],
  ['without a RequestAuthentication notRequestPrincipals matches everyone', ['action: DENY\nrules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]'], { ...HTTP, jwtIssuers: [] }, req({}), false],
  ['a repository without any RequestAuthentication leaves JWTs possible', ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'], { ...HTTP, jwtIssuers: 'unknown' }, req({ requestPrincipal: 'any-issuer/alice' }), true],
  ['a token from an issuer no RequestAuthentication names has no principal', ['rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'], HTTP, req({ requestPrincipal: 'https://other.example.com/alice' }), false],
  ['STRICT refuses plaintext before any policy', [], HTTP, req({ principal: '' }), false, strict],
];

describe('AuthorizationPolicy semantics', () => {
  it.each(cases)('%s', (_name, policies, ctx, request, allowed, base = permissive) => {
    const compiled = compileAccess(policies.map((p, i) => ap(p, i)), ctx, base);
    expect(decideRequest(compiled, request)).toBe(allowed);
  });

  it('v1beta1 and v1 compile alike (the schema is one)', () => {
    const a = compileAccess([ap('rules: [{from: [{source: {namespaces: ["web"]}}]}]')], HTTP, permissive);
    const b = compileAccess([{ ...ap('rules: [{from: [{source: {namespaces: ["web"]}}]}]'), resource: { ...ap('{}').resource, apiVersion: 'security.istio.io/v1beta1' } }], HTTP, permissive);
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
