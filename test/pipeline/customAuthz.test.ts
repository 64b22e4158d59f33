/**
 * What a reviewer reads when CUSTOM is involved: CUSTOM is not a final decision (Istio evaluates
 * CUSTOM, then DENY, then ALLOW), so a request that DENY and ALLOW let through is only "possibly
 * allowed" while an external authorizer still checks it, and the finding says so.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/istio/', import.meta.url));

async function review(name: string) {
  const config = defaultConfig();
  const [base, head] = await Promise.all([
    readDirectorySnapshot(`${FIXTURES}${name}/before`, config),
    readDirectorySnapshot(`${FIXTURES}${name}/after`, config),
  ]);
  return reviewSnapshots({ base, head, config, now: new Date('2026-01-15T00:00:00Z') });
}

describe('findings about requests an external authorizer checks', () => {
  it('an ALLOW-all beside a CUSTOM: allowed, unless the authorizer refuses', async () => {
    const [finding, ...rest] = (await review('custom-allow-all-added-beside')).findings;
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('allow-policy-broadened');
    expect(finding?.message).toContain(
      'allowed by AuthorizationPolicy shop/payments-allow-all, unless the external authorizer that AuthorizationPolicy shop/payments-ext-authz sends it to refuses it',
    );
  });

  it('a CUSTOM removed where nothing else refuses: the request now skips the authorizer', async () => {
    const [finding, ...rest] = (await review('row19-custom-removed')).findings;
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('external-authz-removed');
    expect(finding?.message).toContain('Before: sent to external authorization by AuthorizationPolicy shop/payments-ext-authz');
    expect(finding?.witness).toMatch(/GET \/v1\//);
  });
});
