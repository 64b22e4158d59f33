import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringSet } from '../../src/policy/stringSet.js';

/**
 * Istio's pathGenerator turns a path with `{*}` / `{**}` into an Envoy URI template
 * (matcher.PathTemplateMatcher: `{*}` -> `*`, `{**}` -> `**`). Envoy compiles it in
 * uri_template_internal.cc: `*` = `[pchar]+` (one non-empty segment), `**` = `[pchar/]*`
 * (zero or more segments), literal segments, `/` kept between segments, full match;
 * pchar = kLiteral = `a-zA-Z0-9-._~%!$&'()+,;:@=` (no `*`).
 */
describe('StringSet.uriTemplate (Envoy uri_template, Istio path templates)', () => {
  it.each([
    ['/admin/{**}', '/admin/', true],
    ['/admin/{**}', '/admin/x', true],
    ['/admin/{**}', '/admin/x/y/z', true],
    ['/admin/{**}', '/admin', false], // the `/` before `**` is a literal
    ['/admin/{**}', '/adminx', false],
    ['/admin/{**}', '/admin/x*y', false], // `*` is not a pchar of kLiteral
    ['/admin/{**}', '/admin/a b', false],
    ['/admin/{**}', "/admin/~%!$&'()+,;:@=", true],
    ['/api/{*}/users', '/api/v1/users', true],
    ['/api/{*}/users', '/api/v2/users', true],
    ['/api/{*}/users', '/api//users', false], // `*` is one NON-EMPTY segment
    ['/api/{*}/users', '/api/a/b/users', false], // ...and never spans a `/`
    ['/api/{*}/users', '/api/v1/users/', false],
    ['/api/{*}/users', '/api/{*}/users', false], // the template itself is no request path
    ['/foo/{**}/bar', '/foo/a/b/bar', true],
    ['/foo/{**}/bar', '/foo//bar', true], // zero segments leave both literal slashes
    ['/foo/{**}/bar', '/foo/bar', false],
    ['/{*}/{**}', '/a/', true],
    ['/{*}/{**}', '/a/b/c', true],
    ['/{*}/{**}', '/a', false],
    ['/{*}', '/x', true],
    ['/{*}', '/', false],
    ['/{**}', '/', true],
    ['/{**}', '/a/b', true],
    ['/{**}', '', false],
    ['/{*}/', '/a/', true], // trailing `/`: an empty last segment
    ['/{*}/', '/a', false],
    ['/{**}.mpd', '/content/1/manifest.mpd', true], // text after an operator is a suffix (Envoy)
    ['/{**}.mpd', '/content/1/manifest.m4s', false],
    ['/v1.0/{*}', '/v1x0/a', false], // literals are literal
  ])('%s matches %j: %s', (template, path, expected) => {
    const set = StringSet.uriTemplate(template);
    expect(set).toBeDefined();
    expect(set!.has(path)).toBe(expected);
  });

  it.each([
    ['/{**}/{*}', 'an operator after `**` (validateNoOperatorAfterTextGlob)'],
    ['/{**}/{**}', 'an operator after `**`'],
    ['/a{*}', 'a `*` inside a literal segment'],
    ['/a//{*}', 'an empty segment'],
    ['{*}', 'no leading `/`'],
    ['/a b/{*}', 'a non-graphic character'],
    ['/{*}x/y', 'a suffix followed by `/` (prefix match not supported)'],
    ['/{name}/{*}', 'a variable, which Istio never generates'],
  ])('%s is refused, as Envoy parses it: %s', (template) => {
    expect(StringSet.uriTemplate(template)).toBeUndefined();
  });

  it('gives real request paths as witnesses', () => {
    const widened = StringSet.uriTemplate('/api/{*}/users')!.subtract(StringSet.literal('/api/v1/users'));
    expect(widened.sample()).toBe('/api/a/users');
    expect(StringSet.literal('/api/v1/users').isSubsetOf(StringSet.uriTemplate('/api/{*}/users')!)).toBe(true);
    // Istio's prefix "/admin/*" covers more than "/admin/{**}": paths with a character outside pchar, e.g. `*`.
    const lost = StringSet.istioPattern('/admin/*').subtract(StringSet.uriTemplate('/admin/{**}')!);
    expect(lost.sample()).toBe('/admin/*');
    expect(StringSet.uriTemplate('/admin/{**}')!.isSubsetOf(StringSet.istioPattern('/admin/*'))).toBe(true);
  });

  it('agrees with a segment-wise reading of the template on random templates and paths (property)', () => {
    // Read segment by segment: `{*}` takes one non-empty pchar segment, a literal one equal segment, and `{**}`
    // (between literal slashes, `[pchar/]*`) one or more pchar segments, each possibly empty.
    const pchar = (s: string) => /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]*$/.test(s);
    const direct = (t: string[], q: string[]): boolean => {
      if (t.length === 0) return q.length === 0;
      const [head, ...rest] = t;
      if (head === '{**}') {
        for (let k = 1; k <= q.length; k++) if (q.slice(0, k).every(pchar) && direct(rest, q.slice(k))) return true;
        return false;
      }
      if (q.length === 0) return false;
      const ok = head === '{*}' ? q[0]!.length > 0 && pchar(q[0]!) : q[0] === head;
      return ok && direct(rest, q.slice(1));
    };
    const template = fc.array(fc.constantFrom('{*}', '{**}', 'a', 'b', 'ab'), { minLength: 1, maxLength: 4 });
    const path = fc.array(fc.stringMatching(/^[ab*]{0,2}$/), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(template, path, (t, q) => {
        const ops = t.filter((s) => s.startsWith('{'));
        fc.pre(ops.length > 0 && (!ops.includes('{**}') || ops.indexOf('{**}') === ops.length - 1));
        expect(StringSet.uriTemplate(`/${t.join('/')}`)!.has(`/${q.join('/')}`)).toBe(direct(t, q));
      }),
      { numRuns: 300 },
    );
  });
});
