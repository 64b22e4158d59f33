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
const clause = (effect: 'ALLOW' | 'DENY' | 'CUSTOM', cube: Map<string, StringSet>, name = 'p'): Clause => makeClause(effect, cube, { resource: resource(name), path: ['spec'] });

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
