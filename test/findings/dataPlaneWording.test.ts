/**
 * Titles and messages that depend on the data plane or on what clients send
 * (tags set by policy/diffSides.ts): an ambient workload does not lose a
 * "sidecar", and TLS without an Istio identity is not "plaintext".
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/findings/finding.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/istio/', import.meta.url));

async function findings(name: string): Promise<Finding[]> {
  const config = defaultConfig();
  const [base, head] = await Promise.all([
    readDirectorySnapshot(`${FIXTURES}${name}/before`, config),
    readDirectorySnapshot(`${FIXTURES}${name}/after`, config),
  ]);
  return reviewSnapshots({ base, head, config, now: new Date('2026-01-15T00:00:00Z') }).findings;
}

const rule = async (name: string, ruleId: string): Promise<Finding> => {
  const hit = (await findings(name)).find((f) => f.ruleId === ruleId);
  expect(hit, `${name}: no ${ruleId}`).toBeDefined();
  return hit!;
};

describe('data-plane wording', () => {
  it.each(['ambient-pod-opt-out', 'ambient-hostnetwork-unmanaged'])(
    '%s: an ambient workload leaves the ambient data plane, no sidecar is named',
    async (name) => {
      const f = await rule(name, 'proxy-removed');
      expect(f.title).toBe('shop/payments:8080 left the ambient data plane');
      expect(f.message).not.toMatch(/istio-injection|Sidecar removed|labelled for injection/);
    },
  );

  it('a sidecar workload still loses its sidecar', async () => {
    expect((await rule('row07-injection-disabled-governed', 'proxy-removed')).title).toBe('Sidecar removed from shop/payments:8080');
  });

  it('an ambient pod bypasses ztunnel, a sidecar pod its sidecar', async () => {
    expect((await rule('ambient-bypass-inbound-capture', 'port-bypasses-proxy')).title).toBe('Port 8080 bypasses ztunnel on shop/payments:8080');
    expect((await rule('row09-port-excluded-from-proxy', 'port-bypasses-proxy')).title).toBe('Port 8080 bypasses the sidecar on shop/payments:8080');
  });

  it('tags stay out of the message', async () => {
    for (const [name, id] of [
      ['ambient-pod-opt-out', 'proxy-removed'],
      ['ambient-bypass-inbound-capture', 'port-bypasses-proxy'],
      ['row05-destination-rule-tls-simple', 'client-transport-weakened'],
    ] as const) {
      expect((await rule(name, id)).message, name).toMatch(/^Before: /);
    }
  });
});

describe('client TLS wording', () => {
  it('DestinationRule SIMPLE: clients send non-Istio TLS', async () => {
    expect((await rule('row05-destination-rule-tls-simple', 'client-transport-weakened')).title).toBe('Clients now send non-Istio TLS to shop/payments:8080');
  });

  it('DestinationRule DISABLE: clients send plaintext', async () => {
    expect((await rule('row05-destination-rule-tls-disable', 'client-transport-weakened')).title).toBe('Clients now send plaintext to shop/payments:8080');
  });
});

describe('egress wording', () => {
  it('the pseudo-namespace of unseen pods is not printed as a name', async () => {
    const f = await rule('row36-wildcard-service-entry', 'egress-broadened');
    expect(f.message).not.toContain('any-namespace');
  });
});
