import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/istio/', import.meta.url));

/** A word written twice in a row ("workloads in workloads selected by …"): a template joined with a value that repeats it. */
const DOUBLED = /\b(\w+) \1\b/i;
/**
 * Doubled words that are right where they stand. None so far: add one here,
 * with the text it comes from, only when the repetition is meant.
 */
const LEGITIMATE: readonly RegExp[] = [];

describe('messages read cleanly (issue #11, item 11)', () => {
  it('no finding of the change-class fixtures repeats a word in its title, message or example', async () => {
    const config = defaultConfig();
    const cases = (await readdir(FIXTURES, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    const doubled: string[] = [];
    let texts = 0;
    for (const name of cases) {
      const [base, head] = await Promise.all([
        readDirectorySnapshot(`${FIXTURES}${name}/before`, config),
        readDirectorySnapshot(`${FIXTURES}${name}/after`, config),
      ]);
      const result = reviewSnapshots({ base, head, config, now: new Date('2026-01-15T00:00:00Z') });
      for (const f of result.findings) {
        for (const text of [f.title, f.message, f.witness ?? '', ...(f.notes ?? [])]) {
          texts++;
          const m = DOUBLED.exec(text);
          if (m && !LEGITIMATE.some((ok) => ok.test(text))) doubled.push(`${name} ${f.ruleId}: "${m[0]}" in ${text}`);
        }
      }
    }
    // The fixtures do produce findings: the check is not vacuous.
    expect(texts).toBeGreaterThan(100);
    expect(doubled).toEqual([]);
  }, 300_000);

  it('an egress widening under a Sidecar with a workloadSelector names its workloads once', async () => {
    // Row 36 (a Sidecar's egress hosts widened), with the Sidecar selecting the payments pods.
    const config = defaultConfig();
    const side = async (which: string) => {
      const snapshot = await readDirectorySnapshot(`${FIXTURES}row36-sidecar-egress-import-widened/${which}`, config);
      const sidecar = snapshot.files.find((f) => f.path === 'shop/sidecar.yaml')!;
      sidecar.content = Buffer.from(sidecar.content.toString('utf8').replace('spec:\n', 'spec:\n  workloadSelector:\n    labels:\n      app: payments\n'));
      return snapshot;
    };
    const result = reviewSnapshots({ base: await side('before'), head: await side('after'), config, now: new Date('2026-01-15T00:00:00Z') });
    const egress = result.findings.filter((f) => f.ruleId === 'egress-broadened');
    expect(egress.length).toBeGreaterThan(0);
    for (const f of egress) {
      expect(f.message).toContain('affects workloads selected by Sidecar shop/default');
      expect(f.witness).toMatch(/^one of the workloads selected by Sidecar shop\/default connecting to /);
      for (const text of [f.title, f.message, f.witness ?? '']) expect(text).not.toMatch(DOUBLED);
    }
  });
});
