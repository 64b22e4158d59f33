/**
 * Istio's trust-domain bundle (pilot/pkg/security/trustdomain/bundle.go, applied to every rule by
 * Model.MigrateTrustDomain in authz/model/model.go, called from authz/builder/builder.go).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildInventory } from '../../../src/inventory/inventory.js';
import type { Resource } from '../../../src/manifests/resource.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { ANY_PEER, compileAccess, type CompileContext } from '../../../src/meshes/istio/authorizationPolicy.js';
import type { Typed } from '../../../src/meshes/istio/istioResources.js';
import { readMeshSettings } from '../../../src/meshes/istio/meshConfig.js';
import { AuthorizationPolicySpec } from '../../../src/meshes/istio/schemas.js';
import { asMeshIdentities, expandTrustDomainAliases, newBundle, replaceTrustDomainAliases, type IdentityScope } from '../../../src/meshes/istio/trustDomain.js';
import { decideRequest } from '../../../src/policy/decideRequest.js';
import { DIM } from '../../../src/policy/requestSpace.js';
import { StringSet } from '../../../src/policy/stringSet.js';

describe('ReplaceTrustDomainAliases (bundle_test.go TestReplaceTrustDomainAliases)', () => {
  type Case = [name: string, trustDomain: string, aliases: string[], principals: string[], expected: string[]];
  const cases: Case[] = [
    ['no aliases, no change', 'cluster.local', [], ['cluster.local/ns/foo/sa/bar'], ['cluster.local/ns/foo/sa/bar']],
    ['"*" is kept', 'cluster.local', [], ['*'], ['*']],
    ['"*" trust domain is not enforced', 'cluster.local', [], ['*/ns/foo/sa/bar'], ['*/ns/foo/sa/bar']],
    ['one alias, one principal', 'td2', ['td1'], ['td1/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar']],
    [
      'cluster.local as alias, two principals',
      'td1',
      ['cluster.local'],
      ['cluster.local/ns/foo/sa/bar', 'cluster.local/ns/yyy/sa/zzz'],
      ['td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar', 'td1/ns/yyy/sa/zzz', 'cluster.local/ns/yyy/sa/zzz'],
    ],
    ['wildcard principals as they are', 'td1', ['cluster.local'], ['*/ns/foo/sa/bar', '*sa/zzz', '*'], ['*/ns/foo/sa/bar', '*sa/zzz', '*']],
    [
      'two aliases, two principals',
      'td2',
      ['td1', 'cluster.local'],
      ['cluster.local/ns/foo/sa/bar', 'td1/ns/yyy/sa/zzz'],
      ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar', 'td2/ns/yyy/sa/zzz', 'td1/ns/yyy/sa/zzz', 'cluster.local/ns/yyy/sa/zzz'],
    ],
    [
      '"*"-prefixed trust domain kept for the entries it matches',
      'td2',
      ['foo-td1', 'cluster.local'],
      ['*-td1/ns/foo/sa/bar'],
      ['td2/ns/foo/sa/bar', '*-td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar'],
    ],
    ['a foreign trust domain is kept as written', 'td1', ['td2'], ['some-td/ns/foo/sa/bar'], ['some-td/ns/foo/sa/bar']],
    [
      'a principal under an alias gets all',
      'td1',
      ['td2', 'some-td'],
      ['some-td/ns/foo/sa/bar'],
      ['td1/ns/foo/sa/bar', 'td2/ns/foo/sa/bar', 'some-td/ns/foo/sa/bar'],
    ],
    [
      'one foreign, one alias',
      'new-td',
      ['td2', 'td3'],
      ['td1/ns/some-ns/sa/some-sa', 'td2/ns/foo/sa/bar'],
      ['td1/ns/some-ns/sa/some-sa', 'new-td/ns/foo/sa/bar', 'td2/ns/foo/sa/bar', 'td3/ns/foo/sa/bar'],
    ],
    ['empty trust domain is kept', 'new-td', ['td2', 'td3'], ['/ns/some-ns/sa/some-sa'], ['/ns/some-ns/sa/some-sa']],
    ['no duplicates for a "*"-prefixed trust domain', 'new-td', ['old-td'], ['*-td/ns/some-ns/sa/some-sa'], ['*-td/ns/some-ns/sa/some-sa']],
    // Beyond bundle_test.go, read off bundle.go and util.go:
    ['cluster.local points at the local trust domain', 'prod.acme', [], ['cluster.local/ns/foo/sa/bar'], ['prod.acme/ns/foo/sa/bar']],
    ['the old trust domain without alias is foreign', 'new.acme', [], ['old.acme/ns/foo/sa/bar'], ['old.acme/ns/foo/sa/bar']],
    ['a "*"-suffixed trust domain matches by prefix and is replaced', 'prod.acme', [], ['prod*/ns/foo/sa/bar'], ['prod.acme/ns/foo/sa/bar']],
    ['not 5 parts: not enforced (prefix principal kept)', 'prod.acme', [], ['cluster.local/ns/foo/*'], ['cluster.local/ns/foo/*']],
    ['spiffe:// prefix: not 5 parts, kept', 'prod.acme', [], ['spiffe://cluster.local/ns/foo/sa/bar'], ['spiffe://cluster.local/ns/foo/sa/bar']],
    ['a "*" alias matches every trust domain', 'td1', ['*'], ['other/ns/foo/sa/bar'], ['td1/ns/foo/sa/bar', '*/ns/foo/sa/bar']],
  ];
  it.each(cases)('%s', (_name, td, aliases, principals, expected) => {
    expect(replaceTrustDomainAliases(newBundle(td, aliases), principals)).toEqual(expected);
  });
});

describe('ExpandTrustDomainAliases (trustDomains, source.trustDomain)', () => {
  const cases: [name: string, td: string, aliases: string[], values: string[], expected: string[]][] = [
    ['a bundle entry stands for the bundle', 'td2', ['td1'], ['td1'], ['td2', 'td1']],
    ['other values are kept', 'td2', ['td1'], ['other', '*'], ['other', '*']],
    ['cluster.local is not special here', 'prod.acme', [], ['cluster.local'], ['cluster.local']],
    ['duplicates removed', 'td2', ['td1'], ['td2', 'td1'], ['td2', 'td1']],
  ];
  it.each(cases)('%s', (_name, td, aliases, values, expected) => {
    expect(expandTrustDomainAliases(newBundle(td, aliases), values)).toEqual(expected);
  });
});

describe('StringSet.replacePrefix', () => {
  const cases: [name: string, set: StringSet, from: string, to: string, value: string, member: boolean][] = [
    ['exact moves', StringSet.literal('a/x'), 'a/', 'b/', 'b/x', true],
    ['the old start is gone', StringSet.literal('a/x'), 'a/', 'b/', 'a/x', false],
    ['members without the prefix are dropped', StringSet.literal('c/x'), 'a/', 'b/', 'b/x', false],
    ['suffix pattern', StringSet.istioPattern('*acme/ns/foo/sa/bar'), 'prod.acme/', 'cluster.local/', 'cluster.local/ns/foo/sa/bar', true],
    ['complement', StringSet.all().subtract(StringSet.literal('a/x')), 'a/', 'b/', 'b/x', false],
    ['complement, other member', StringSet.all().subtract(StringSet.literal('a/x')), 'a/', 'b/', 'b/y', true],
  ];
  it.each(cases)('%s', (_name, set, from, to, value, member) => {
    expect(set.replacePrefix(from, to).has(value)).toBe(member);
  });
});

describe("asMeshIdentities: the mesh workload under either side's trust domain", () => {
  const before: IdentityScope = { bundle: newBundle('old.acme'), meshTrustDomains: ['old.acme', 'new.acme'] };
  const after: IdentityScope = { bundle: newBundle('new.acme'), meshTrustDomains: ['new.acme', 'old.acme'] };
  const cases: [name: string, scope: IdentityScope | undefined, pattern: string, value: string, member: boolean][] = [
    ['no scope: as written', undefined, 'old.acme/ns/a/sa/b', 'new.acme/ns/a/sa/b', false],
    ['before: the old name is the workload, also as new.acme', before, 'old.acme/ns/a/sa/b', 'new.acme/ns/a/sa/b', true],
    ['before: the old name itself', before, 'old.acme/ns/a/sa/b', 'old.acme/ns/a/sa/b', true],
    ['after: a stale name matches no mesh workload', after, 'old.acme/ns/a/sa/b', 'new.acme/ns/a/sa/b', false],
    ['after: nor its old spelling', after, 'old.acme/ns/a/sa/b', 'old.acme/ns/a/sa/b', false],
    ['foreign trust domains are themselves', after, 'other.td/ns/a/sa/b', 'other.td/ns/a/sa/b', true],
    ['any trust domain stays any', after, '*/ns/a/sa/b', 'old.acme/ns/a/sa/b', true],
  ];
  it.each(cases)('%s', (_name, scope, pattern, value, member) => {
    expect(asMeshIdentities(StringSet.istioPattern(pattern), scope).has(value)).toBe(member);
  });
});

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

describe('AuthorizationPolicy through the bundle (Model.MigrateTrustDomain)', () => {
  const scope = (td: string, aliases: string[] = [], other = td): IdentityScope => ({
    bundle: newBundle(td, aliases),
    meshTrustDomains: [...new Set([td, other])],
  });
  const ctx = (identity: IdentityScope | undefined): CompileContext => ({
    port: 8080,
    protocol: 'http',
    identityVisible: true,
    ambient: false,
    jwtIssuers: [],
    identity,
  });
  const base = { universe: new Map([[DIM.principal, ANY_PEER]]), universeOrigin: undefined };
  const allowFrom = (field: string) => `rules: [{from: [{source: {${field}}}]}]`;
  const allowWhen = (key: string, values: string) => `rules: [{when: [{key: ${key}, values: ${values}}]}]`;
  type Case = [name: string, policy: string, identity: IdentityScope | undefined, principal: string, allowed: boolean];
  const cases: Case[] = [
    [
      'cluster.local principal admits the local trust domain',
      allowFrom('principals: ["cluster.local/ns/web/sa/web"]'),
      scope('prod.acme'),
      'prod.acme/ns/web/sa/web',
      true,
    ],
    [
      'cluster.local principal no longer admits cluster.local itself',
      allowFrom('principals: ["cluster.local/ns/web/sa/web"]'),
      scope('prod.acme'),
      'cluster.local/ns/web/sa/web',
      false,
    ],
    ['without a bundle the principal is literal', allowFrom('principals: ["cluster.local/ns/web/sa/web"]'), undefined, 'prod.acme/ns/web/sa/web', false],
    [
      'an alias widens the match',
      allowFrom('principals: ["prod.acme/ns/web/sa/web"]'),
      scope('prod.acme', ['partner.example']),
      'partner.example/ns/web/sa/web',
      true,
    ],
    ['a foreign trust domain is kept', allowFrom('principals: ["old.acme/ns/web/sa/web"]'), scope('new.acme'), 'new.acme/ns/web/sa/web', false],
    ['"*"-prefixed trust domain matches by suffix', allowFrom('principals: ["*-td/ns/web/sa/web"]'), scope('new-td', ['old-td']), 'any-td/ns/web/sa/web', true],
    ['"*"-suffixed trust domain becomes the bundle', allowFrom('principals: ["prod*/ns/web/sa/web"]'), scope('prod.acme'), 'prod.acme/ns/web/sa/web', true],
    ['4-part prefix principal is not rewritten', allowFrom('principals: ["cluster.local/ns/web/*"]'), scope('prod.acme'), 'prod.acme/ns/web/sa/web', false],
    ['namespaces match any trust domain (untouched)', allowFrom('namespaces: ["web"]'), scope('prod.acme'), 'prod.acme/ns/web/sa/web', true],
    ['serviceAccounts match any trust domain (untouched)', allowFrom('serviceAccounts: ["web/web"]'), scope('prod.acme'), 'prod.acme/ns/web/sa/web', true],
    ['trustDomains expand an alias to the bundle', allowFrom('trustDomains: ["td1"]'), scope('td2', ['td1']), 'td2/ns/web/sa/web', true],
    ['trustDomains "cluster.local" is not rewritten', allowFrom('trustDomains: ["cluster.local"]'), scope('prod.acme'), 'prod.acme/ns/web/sa/web', false],
    [
      'source.principal condition is rewritten',
      allowWhen('source.principal', '["cluster.local/ns/web/sa/web"]'),
      scope('prod.acme'),
      'prod.acme/ns/web/sa/web',
      true,
    ],
    ['source.trustDomain condition is expanded', allowWhen('source.trustDomain', '["td1"]'), scope('td2', ['td1']), 'td2/ns/web/sa/web', true],
    [
      'DENY notPrincipals are rewritten too',
      'action: DENY\nrules: [{from: [{source: {notPrincipals: ["cluster.local/ns/web/sa/web"]}}]}]',
      scope('prod.acme'),
      'prod.acme/ns/web/sa/web',
      true,
    ],
    [
      'before a migration: the old name denies the workload as named after',
      'action: DENY\nrules: [{from: [{source: {principals: ["old.acme/ns/web/sa/web"]}}]}]',
      scope('old.acme', [], 'new.acme'),
      'new.acme/ns/web/sa/web',
      false,
    ],
    [
      'after a migration: the stale name no longer denies it',
      'action: DENY\nrules: [{from: [{source: {principals: ["old.acme/ns/web/sa/web"]}}]}]',
      scope('new.acme', [], 'old.acme'),
      'new.acme/ns/web/sa/web',
      true,
    ],
  ];
  it.each(cases)('%s', (_name, policy, identity, principal, allowed) => {
    const compiled = compileAccess([ap(policy)], ctx(identity), base);
    expect(decideRequest(compiled, { [DIM.principal]: principal, [DIM.method]: 'GET', [DIM.path]: '/' })).toBe(allowed);
  });
});

describe('mesh config: trust domain and aliases', () => {
  const settings = (yaml: string, trustDomain?: string) => {
    const parsed = parseFileContent('mesh.yaml', Buffer.from(yaml), { maxFileBytes: 1 << 20, maxDocuments: 100 });
    expect(parsed.errors).toEqual([]);
    return readMeshSettings(buildInventory(parsed.resources, 'default'), { trustDomain });
  };
  const iop = (mesh: string) =>
    `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: cp, namespace: istio-system}\nspec:\n  meshConfig: ${mesh}\n`;
  const cm = (mesh: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    ${mesh}\n`;
  const cases: [name: string, yaml: string, configured: string | undefined, trustDomain: string, aliases: string[]][] = [
    ['IstioOperator meshConfig', iop('{trustDomain: prod.acme, trustDomainAliases: [old.acme]}'), undefined, 'prod.acme', ['old.acme']],
    ['istio ConfigMap mesh key', cm('{trustDomain: prod.acme, trustDomainAliases: [a, b]}'), undefined, 'prod.acme', ['a', 'b']],
    ['the repository wins over the configured fallback', iop('{trustDomain: prod.acme}'), 'cluster.local', 'prod.acme', []],
    ['configured fallback when the repository says nothing', iop('{rootNamespace: istio-system}'), 'corp.example', 'corp.example', []],
    ['Istio default', iop('{}'), undefined, 'cluster.local', []],
  ];
  it.each(cases)('%s', (_name, yaml, configured, trustDomain, aliases) => {
    const s = settings(yaml, configured);
    expect([s.trustDomain, s.trustDomainAliases]).toEqual([trustDomain, aliases]);
  });
});
