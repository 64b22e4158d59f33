import { describe, expect, it } from 'vitest';
import { DIM } from '../../src/policy/requestSpace.js';
import { StringSet } from '../../src/policy/stringSet.js';
import { lookalikes, REGISTERED_METHODS, witnessCandidates } from '../../src/policy/witnessCandidates.js';

const union = (patterns: string[]) => StringSet.unionAll(patterns.map((p) => StringSet.istioPattern(p)));

describe('witness candidates', () => {
  it('a method region outside the common methods yields the next registered one, not the shortest string', () => {
    const region = StringSet.istioPattern('*').subtract(union(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']));
    expect(region.sample()).not.toMatch(/^[A-Z]{3,}$/); // the set algebra alone picks something like `a`
    expect(region.sample(witnessCandidates(DIM.method, new Map(), []))).toBe('HEAD');
    const noCommon = region.subtract(union(['HEAD', 'OPTIONS']));
    expect(noCommon.sample(witnessCandidates(DIM.method, new Map(), []))).toBe('PROPFIND');
  });

  it('a custom method the policy names is used when no registered one lies in the region', () => {
    const region = StringSet.istioPattern('PURGE');
    expect(region.sample(witnessCandidates(DIM.method, new Map([[DIM.method, ['PURGE']]]), []))).toBe('PURGE');
  });

  it('registered methods come in registry order, without repeats', () => {
    expect(REGISTERED_METHODS.slice(0, 8)).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND']);
    expect(new Set(REGISTERED_METHODS).size).toBe(REGISTERED_METHODS.length);
  });

  it.each<[string, string, string[]]>([
    [DIM.path, '/api/*', ['/api/x', '/api/']],
    [DIM.path, '/api*', ['/api/x', '/api', '/apix']],
    [DIM.path, '/*', ['/']],
    [DIM.path, '*.json', ['/x.json']],
    [DIM.path, '/users/{*}/orders/{**}', ['/users/x/orders/x']],
    [DIM.path, '/healthz', ['/healthz']],
    [DIM.host, '*.example.com', ['www.example.com', 'api.example.com']],
    [DIM.principal, 'cluster.local/ns/shop/*', ['cluster.local/ns/shop/sa/default']],
    [DIM.principal, 'cluster.local/ns/shop/sa/*', ['cluster.local/ns/shop/sa/default', 'cluster.local/ns/shop/sa/']],
    [DIM.requestPrincipal, 'https://accounts.example.com/*', ['https://accounts.example.com/user', 'https://accounts.example.com/']],
    [DIM.path, '*', []],
  ])('%s %s looks like %j', (dim, pattern, expected) => {
    expect(lookalikes(dim, pattern)).toEqual(expected);
    // Every look-alike is a member of the pattern's own set (paths: Istio's match, or the URI template).
    const set = pattern.includes('{') ? StringSet.uriTemplate(pattern)! : StringSet.istioPattern(pattern);
    for (const v of expected) expect(set.has(v), v).toBe(true);
  });

  it('a path region shaped by the policy reads like the policy: /api/x, not the shortest /api/ member', () => {
    const region = StringSet.istioPattern('/api/*').subtract(StringSet.istioPattern('/api/v1/*')).subtract(StringSet.literal('/api/'));
    const candidates = witnessCandidates(DIM.path, new Map([[DIM.path, ['/api/v1/*', '/api/*']]]), ['/', '/admin']);
    expect(region.sample(candidates)).toBe('/api/x');
  });

  it('principals: the repository identities first, the policy look-alikes next, the non-mesh caller last', () => {
    const out = witnessCandidates(DIM.principal, new Map([[DIM.principal, ['cluster.local/ns/ops/*']]]), ['cluster.local/ns/shop/sa/cart', '']);
    expect(out).toEqual(['cluster.local/ns/shop/sa/cart', 'cluster.local/ns/ops/sa/default', '']);
  });
});
