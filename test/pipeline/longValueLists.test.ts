import { describe, expect, it } from 'vitest';
import { hostileFiles, hostilePrincipals } from '../../src/bench/hostile.js';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

/**
 * Long principal lists take the lazy path of the set algebra (formulas over the lists' automata,
 * issue #11 item 2). These tests pin what a reviewer gets from it; how fast is `npm run bench`'s.
 */
const review = (before: Record<string, string>, after: Record<string, string>, maxMatcherStates?: number) => {
  const config = defaultConfig();
  if (maxMatcherStates !== undefined) config.limits.maxMatcherStates = maxMatcherStates;
  return reviewSnapshots({ base: memorySnapshot('base', before), head: memorySnapshot('head', after), config, now: new Date('2026-01-01T00:00:00Z') });
};

describe('long principal lists', () => {
  const list = hostilePrincipals(3_000);

  it('one principal added to 3,000: one high finding whose example is the new principal', () => {
    const result = review(hostileFiles(list), hostileFiles([...list, 'cluster.local/ns/evil/sa/x*']));
    expect(result.findings.map((f) => [f.ruleId, f.severity])).toEqual([['allow-policy-broadened', 'high']]);
    expect(result.findings[0]!.witness).toContain('cluster.local/ns/evil/sa/x');
  });

  it('the same list reordered and re-quoted is silent', () => {
    const result = review(hostileFiles(list), hostileFiles([...list].reverse()));
    expect(result.findings).toEqual([]);
  });

  it('one principal removed from 3,000: the access it granted is reported narrowed, with that principal', () => {
    const removed = list[list.length - 3]!; // an exact value
    const result = review(hostileFiles(list), hostileFiles(list.filter((p) => p !== removed)));
    expect(result.findings.map((f) => f.ruleId)).toEqual(['access-narrowed']);
    expect(result.findings[0]!.witness).toContain(removed);
  });

  it('lists combined past the state budget fail the gate naming limits.maxMatcherStates; nothing crashes', () => {
    const files = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, k) => {
          const policy = hostileFiles(hostilePrincipals(300).map((p) => p.replace('/ns/', `/ns/l${k}-`).replace('/sa/', `/sa/l${k}-`)))['shop/policy.yaml']!;
          return [`shop/policy-${k}.yaml`, policy.replace('name: hostile', `name: hostile-${k}`)];
        }),
      );
    const app = { 'shop/app.yaml': hostileFiles([])['shop/app.yaml']! };
    const result = review(app, { ...app, ...files(4) }, 5_000);
    const incomplete = result.findings.filter((f) => f.ruleId === 'analysis-incomplete');
    expect(incomplete.map((f) => f.severity)).toEqual(['high']);
    expect(incomplete[0]!.message).toContain('limits.maxMatcherStates');
  });
});
