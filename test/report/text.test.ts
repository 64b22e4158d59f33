import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/text.js';
import { finding, result, sample } from './sample.js';

const ESC = /\x1b/;

describe('renderText', () => {
  const plain = renderText(sample, { color: false });

  it('has no escape codes without colour', () => {
    expect(plain).not.toMatch(ESC);
  });
  it('colours with colour, and says the same thing once codes are stripped', () => {
    const coloured = renderText(sample, { color: true });
    expect(coloured).toMatch(ESC);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('groups by severity, worst first', () => {
    const order = ['CRITICAL (1)', 'HIGH (1)', 'MEDIUM (1)', 'ERRORS (1)'].map((h) => plain.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('shows badge, title, workload:port, file:line, message, witness and notes', () => {
    for (const piece of [
      '[HIGH] mTLS no longer required [mtls-weakened]',
      'payments/api:8080',
      'deploy/payments/peer-auth.yaml:12',
      'changed mode STRICT -> PERMISSIVE.',
      'e.g. plaintext TCP from any pod in namespace default',
      'shop/cart (any port)',
      // no workload: the policy object stands in; a base-side line says so
      'PeerAuthentication payments/default:443',
      'deploy/payments/peer-auth.yaml:4 (base)',
      'note: ignore entry for ingress-exposed expired on 2024-01-31',
      'deploy/broken.yaml:3  mapping values are not allowed here',
    ]) {
      expect(plain).toContain(piece);
    }
  });

  it('a finding on several ports names them all', () => {
    const out = renderText(result([finding({ workload: 'shop/cart', port: 3550, ports: [3550, 8080, 9090] })]), { color: false });
    expect(out).toContain('    shop/cart (ports 3550, 8080, 9090)\n');
  });

  it('ends with a one-line verdict', () => {
    const last = plain.trimEnd().split('\n').at(-1);
    expect(last).toBe('FAILED: 3 findings (1 critical, 1 high, 1 medium), 1 error, 7 files parsed, 3 workloads, fails on high or worse');
    expect(renderText(result([]), { color: false })).toBe('PASSED: no findings, 0 errors, 7 files parsed, 3 workloads, fails on high or worse\n');
  });

  it('neutralises terminal control sequences from manifests even with colour on', () => {
    const evil = finding({ witness: 'GET /\x1b[2J\x1b]0;pwned\x07', message: 'line one\nline two\u202Eevil', title: 'a\rb' });
    const out = renderText(result([evil]), { color: true });
    expect(out.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(out).toContain('\\u001b[2J');
    expect(out).toContain('    line two\\u202eevil');
  });
});
