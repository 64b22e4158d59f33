import { describe, expect, it } from 'vitest';
import { withoutNulls } from '../../src/meshes/invalidResource.js';

// The API server drops null-valued fields before validating a custom resource; the copy is made only where one is dropped.
describe('withoutNulls', () => {
  it.each([
    ['a null field at the top', { rules: null, action: 'ALLOW' }, { action: 'ALLOW' }],
    [
      'a null field deep in a list',
      { rules: [{ from: null, to: [{ operation: { paths: null, ports: ['80'] } }] }] },
      { rules: [{ to: [{ operation: { ports: ['80'] } }] }] },
    ],
    ['a null list item (kept: only fields are dropped)', { values: ['a', null] }, { values: ['a', null] }],
    ['nothing null', { selector: { matchLabels: { app: 'x' } } }, { selector: { matchLabels: { app: 'x' } } }],
  ])('%s', (_name, input, expected) => {
    const before = JSON.stringify(input);
    expect(withoutNulls(input)).toEqual(expected);
    // The input is never changed: it is a parsed body, shared by both sides of a review.
    expect(JSON.stringify(input)).toBe(before);
  });

  it('returns a value without nulls as it is, and copies only the branches that held one', () => {
    const clean = { a: { b: [1, { c: 'x' }] }, d: { e: 'y' } };
    expect(withoutNulls(clean)).toBe(clean);
    const mixed = { keep: { same: true }, drop: { gone: null } };
    const out = withoutNulls(mixed) as typeof mixed;
    expect(out).not.toBe(mixed);
    expect(out.keep).toBe(mixed.keep);
    expect(out.drop).toEqual({});
  });
});
