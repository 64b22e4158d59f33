import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_DIR, listPairs, readVerdict, repoOf, scorePair } from '../../src/bench/historyPairs.js';

/**
 * Pairs the engine gets wrong today, with the cause. The test asserts that this
 * list is exactly the set of pairs that disagree with their hand verdict, so a
 * fix (or a regression) forces this list to be updated.
 */
const KNOWN_WRONG: Record<string, string> = {};

const pairs = listPairs();

describe('real history pairs (fixtures/history-real, judged by hand; issue #13 item 7)', () => {
  it('holds at least 40 pairs from at least 6 repositories, each with its source, licence and verdict', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(40);
    expect(new Set(pairs.map(repoOf)).size).toBeGreaterThanOrEqual(6);
    for (const pair of pairs) {
      const note = readFileSync(join(HISTORY_DIR, pair, 'NOTE.md'), 'utf8');
      expect(note, pair).toMatch(/- Repo: https:\/\/github\.com\/\S+ \((Apache-2\.0|MIT|BSD[^;]*); Copyright /);
      expect(note, pair).toMatch(/- Commit: [0-9a-f]{40} /);
      const verdict = readVerdict(pair);
      // A pair judged harmless lists no weakening, and one that weakens lists at least one.
      expect(verdict.harmless, pair).toBe(verdict.weakenings.length === 0);
    }
  });

  it('the known-wrong list names only pairs that exist', () => {
    expect(Object.keys(KNOWN_WRONG).filter((p) => !pairs.includes(p))).toEqual([]);
  });

  for (const pair of pairs) {
    const known = KNOWN_WRONG[pair];
    it(`${pair}: ${known === undefined ? 'agrees with the hand verdict' : 'is known to disagree'}`, async () => {
      const score = await scorePair(pair);
      if (known === undefined) {
        // Every hand-judged weakening is found (by workload, rule and port where given),
        // and a harmless change gets nothing at or above the default failOn (high).
        expect(score.wrong).toEqual([]);
      } else {
        expect(score.wrong, `${pair} now agrees with its verdict: remove it from KNOWN_WRONG (${known})`).not.toEqual([]);
      }
    });
  }
});
