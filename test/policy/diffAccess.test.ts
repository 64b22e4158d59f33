import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../src/manifests/resource.js';
import { makeClause, type AccessPolicy, type Clause } from '../../src/policy/access.js';
import { diffAccess } from '../../src/policy/diffAccess.js';
import { DIM } from '../../src/policy/requestSpace.js';
import { StringSet } from '../../src/policy/stringSet.js';

const resource = (name: string): Resource => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  name,
  namespace: 'ns',
  body: {},
  file: `${name}.yaml`,
  docIndex: 0,
  line: 1,
  hash: name,
  locate: () => 1,
});

const principal = (p: string) => new Map([[DIM.principal, StringSet.istioPattern(p)]]);
const path = (p: string) => new Map([[DIM.path, StringSet.istioPattern(p)]]);
const clause = (effect: 'ALLOW' | 'DENY' | 'CUSTOM', cube: Map<string, StringSet>, name = 'p'): Clause =>
  makeClause(effect, cube, { resource: resource(name), path: ['spec'] });

const policy = (p: Partial<AccessPolicy>): AccessPolicy => ({
  universe: new Map(),
  universeOrigin: undefined,
  enforced: true,
  enforcementOrigin: undefined,
  allow: null,
  allowOrigins: [],
  deny: [],
  custom: [],
  ...p,
});

describe('diffAccess', () => {
  it('finds a principal widened to "*" with a witness from the new region', () => {
    const before = policy({ allow: [clause('ALLOW', principal('cluster.local/ns/a/sa/x'))] });
    const after = policy({ allow: [clause('ALLOW', principal('*'))] });
    const d = diffAccess(before, after);
    expect(d.broadened).toHaveLength(1);
    const w = d.broadened[0]!.witness[DIM.principal]!;
    expect(w).not.toBe('cluster.local/ns/a/sa/x');
    expect(w.length).toBeGreaterThan(0);
    expect(d.broadened[0]!.before.reason.kind).toBe('no-allow-match');
    expect(d.broadened[0]!.after.reason.kind).toBe('allow');
    expect(d.narrowed).toHaveLength(0);
  });

  it('is silent when one policy is split into two with the same union', () => {
    const before = policy({ allow: [clause('ALLOW', path('/a/*')), clause('ALLOW', path('/b/*'))] });
    const after = policy({ allow: [clause('ALLOW', path('/b/*'), 'q'), clause('ALLOW', path('/a/*'), 'r')] });
    const d = diffAccess(before, after);
    expect(d.broadened).toHaveLength(0);
    expect(d.narrowed).toHaveLength(0);
  });

  it('is silent when a covered rule is added (/api/v1/* under /api/*)', () => {
    const before = policy({ allow: [clause('ALLOW', path('/api/*'))] });
    const after = policy({ allow: [clause('ALLOW', path('/api/*')), clause('ALLOW', path('/api/v1/*'))] });
    expect(diffAccess(before, after).broadened).toHaveLength(0);
  });

  it('removing the last ALLOW restores allow-all (broadened), adding the first narrows', () => {
    const withAllow = policy({ allow: [clause('ALLOW', path('/x'))], allowOrigins: [{ resource: resource('p'), path: ['spec'] }] });
    const none = policy({});
    const removed = diffAccess(withAllow, none);
    expect(removed.broadened[0]?.after.reason.kind).toBe('no-allow-policy');
    const added = diffAccess(none, withAllow);
    expect(added.broadened).toHaveLength(0);
    expect(added.narrowed.length).toBeGreaterThan(0);
  });

  it('spec: {} (ALLOW, no rules) denies everything; rules: [{}] allows everything', () => {
    const denyAll = policy({ allow: [] });
    const allowAll = policy({ allow: [clause('ALLOW', new Map())] });
    expect(diffAccess(denyAll, allowAll).broadened).toHaveLength(1);
    expect(diffAccess(allowAll, denyAll).broadened).toHaveLength(0);
  });

  it('a removed DENY broadens only where no other rule still denies', () => {
    const allow = clause('ALLOW', path('/api/*'));
    const before = policy({ allow: [allow], deny: [clause('DENY', path('/api/admin/*'))] });
    const after = policy({ allow: [allow] });
    const d = diffAccess(before, after);
    expect(d.broadened).toHaveLength(1);
    expect(d.broadened[0]!.witness[DIM.path]!.startsWith('/api/admin/')).toBe(true);
    expect(d.broadened[0]!.before.reason.kind).toBe('deny');
  });

  it('a DENY outside what the ALLOW permits is redundant: removing it is silent', () => {
    const allow = clause('ALLOW', path('/api/*'));
    const before = policy({ allow: [allow], deny: [clause('DENY', path('/admin/*'))] });
    const after = policy({ allow: [allow] });
    expect(diffAccess(before, after).broadened).toHaveLength(0);
  });

  it('an unenforced side admits everything its universe admits', () => {
    const before = policy({ allow: [clause('ALLOW', principal('cluster.local/ns/a/*'))] });
    const after = policy({ enforced: false });
    const d = diffAccess(before, after);
    expect(d.broadened[0]?.after.reason.kind).toBe('unenforced');
  });

  it('the universe (transport) refuses plaintext before; after it admits it', () => {
    const strict = new Map([[DIM.principal, StringSet.istioPattern('*')]]);
    const before = policy({ universe: strict });
    const after = policy({});
    const d = diffAccess(before, after);
    expect(d.broadened[0]?.before.reason.kind).toBe('transport');
    expect(d.broadened[0]?.witness[DIM.principal]).toBe('');
  });

  it('diff of a policy with itself is empty', () => {
    const p = policy({ allow: [clause('ALLOW', principal('a*')), clause('ALLOW', path('/x'))], deny: [clause('DENY', principal('*b'))] });
    const d = diffAccess(p, p);
    expect(d.broadened).toHaveLength(0);
    expect(d.narrowed).toHaveLength(0);
  });
});

/**
 * CUSTOM is not a final decision (Istio evaluates CUSTOM, then DENY, then ALLOW): the external
 * authorizer's answer is unknown per request, so a request is possibly allowed iff DENY and ALLOW let
 * it through, and CUSTOM can only narrow. Each row: the two sides and what the diff must say.
 */
describe('diffAccess: CUSTOM as an unknown external authorizer', () => {
  const custom = clause('CUSTOM', new Map(), 'ext-authz');
  const allowAll = clause('ALLOW', new Map(), 'allow-all');
  const rootAllowNothing = { allow: [] as Clause[], allowOrigins: [{ resource: resource('allow-nothing'), path: ['spec'] }] };
  const rows: { name: string; before: Partial<AccessPolicy>; after: Partial<AccessPolicy>; broadened: string | null; narrowed: string | null }[] = [
    {
      name: 'CUSTOM replaced by ALLOW rules: [{}] beside a root allow-nothing: deny-all → allow-all (an ALLOW broadening)',
      before: { ...rootAllowNothing, custom: [custom] },
      after: { allow: [allowAll], allowOrigins: [...rootAllowNothing.allowOrigins, { resource: resource('allow-all'), path: ['spec'] }] },
      broadened: 'no-allow-match→allow',
      narrowed: null,
    },
    {
      name: 'CUSTOM removed while the ALLOW policies still deny everything: nothing gets through either way',
      before: { ...rootAllowNothing, custom: [custom] },
      after: { ...rootAllowNothing },
      broadened: null,
      narrowed: null,
    },
    {
      name: 'CUSTOM removed where ALLOW admits requests: they now skip the external check',
      before: { allow: [allowAll], custom: [custom] },
      after: { allow: [allowAll] },
      broadened: 'custom→allow',
      narrowed: null,
    },
    {
      name: 'ALLOW-all added beside a CUSTOM: what may get through grows, the authorizer being unknown',
      before: { ...rootAllowNothing, custom: [custom] },
      after: { allow: [allowAll], allowOrigins: rootAllowNothing.allowOrigins, custom: [custom] },
      broadened: 'no-allow-match→allow',
      narrowed: null,
    },
    {
      name: 'a DENY still denies what the CUSTOM checked: removing the CUSTOM is silent there',
      before: { deny: [clause('DENY', path('/admin'))], custom: [clause('CUSTOM', path('/admin'), 'ext-authz')] },
      after: { deny: [clause('DENY', path('/admin'))] },
      broadened: null,
      narrowed: null,
    },
    {
      name: 'CUSTOM added where everything was allowed: a narrowing by the external check',
      before: {},
      after: { custom: [custom] },
      broadened: null,
      narrowed: 'no-allow-policy→custom',
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = diffAccess(policy(row.before), policy(row.after));
      const kinds = (xs: typeof d.broadened) => (xs.length === 0 ? null : `${xs[0]!.before.reason.kind}→${xs[0]!.after.reason.kind}`);
      expect(kinds(d.broadened)).toBe(row.broadened);
      expect(kinds(d.narrowed)).toBe(row.narrowed);
    });
  }

  it('a request that now skips the external authorizer is the witness, outside what DENY still denies', () => {
    const before = policy({ deny: [clause('DENY', path('/admin'))], custom: [clause('CUSTOM', path('/api/*'), 'ext-authz')] });
    const after = policy({ deny: [clause('DENY', path('/admin'))] });
    const d = diffAccess(before, after);
    expect(d.broadened).toHaveLength(1);
    expect(d.broadened[0]!.witness[DIM.path]!.startsWith('/api/')).toBe(true);
    expect(d.broadened[0]!.before).toMatchObject({ allowed: true, reason: { kind: 'custom' } });
  });
});

describe('diffAccess: CUSTOM only narrows (property)', () => {
  const PATHS = ['/api/*', '/admin', '/admin/*', '*', '/health'];
  const PRINCIPALS = ['cluster.local/ns/a/sa/x', 'cluster.local/ns/b/*', '*'];
  const arbCube = fc
    .record({ path: fc.option(fc.constantFrom(...PATHS), { nil: undefined }), principal: fc.option(fc.constantFrom(...PRINCIPALS), { nil: undefined }) })
    .map((c) => {
      const cube = new Map<string, StringSet>();
      if (c.path) cube.set(DIM.path, StringSet.istioPattern(c.path));
      if (c.principal) cube.set(DIM.principal, StringSet.istioPattern(c.principal));
      return cube;
    });
  const arbPolicy = fc.record({
    allow: fc.option(fc.array(arbCube, { maxLength: 2 }), { nil: null }),
    deny: fc.array(arbCube, { maxLength: 2 }),
    custom: fc.array(arbCube, { maxLength: 2 }),
  });
  const build = (
    p: { allow: Map<string, StringSet>[] | null; deny: Map<string, StringSet>[]; custom: Map<string, StringSet>[] },
    extraCustom: Map<string, StringSet>[] = [],
  ) =>
    policy({
      allow: p.allow === null ? null : p.allow.map((c, i) => clause('ALLOW', c, `allow-${i}`)),
      allowOrigins: p.allow === null ? [] : [{ resource: resource('allow'), path: ['spec'] }],
      deny: p.deny.map((c, i) => clause('DENY', c, `deny-${i}`)),
      custom: [...p.custom, ...extraCustom].map((c, i) => clause('CUSTOM', c, `custom-${i}`)),
    });

  it('adding CUSTOM rules never broadens, removing them never narrows; what DENY/ALLOW refuse stays refused', () => {
    fc.assert(
      fc.property(arbPolicy, fc.array(arbCube, { minLength: 1, maxLength: 2 }), (p, extra) => {
        const without = build(p);
        const withCustom = build(p, extra);
        const added = diffAccess(without, withCustom);
        const removed = diffAccess(withCustom, without);
        expect(added.broadened).toEqual([]);
        expect(removed.narrowed).toEqual([]);
        // Every request that skips the authorizer now is one DENY and ALLOW let through: its before is a CUSTOM check.
        for (const d of removed.broadened) expect(d.before).toMatchObject({ allowed: true, reason: { kind: 'custom' } });
      }),
      { numRuns: 200 },
    );
  });
});
