import { describe, expect, it } from 'vitest';
import { code, inline, renderMarkdown, truncateUtf8 } from '../../src/report/markdown.js';
import { finding, result, sample } from './sample.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const tableRows = (md: string) => md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Severity') && !l.startsWith('| ---'));
/** GFM splits a row on `|` not preceded by a backslash. */
const cellCount = (row: string) => row.split(/(?<!\\)\|/).length - 2;

describe('renderMarkdown', () => {
  const md = renderMarkdown(sample, { docsBaseUrl: 'https://github.com/acme/mesh-review/blob/v1/' });

  it('leads with the verdict', () => {
    expect(md.split('\n')[0]).toBe('## ❌ mesh-review: 2 findings at or above high');
  });
  it.each([
    ['nothing found', result([]), '## ✅ mesh-review: no findings'],
    ['findings under the threshold', result([finding({ severity: 'low' })]), '## ✅ mesh-review: passed (1 finding below high)'],
    ['errors but no failing finding', result([], [{ file: 'a.yaml', line: 1, message: 'bad' }]), '## ⚠️ mesh-review: passed, but 1 error may hide findings'],
  ])('verdict: %s', (_name, r, heading) => {
    expect(renderMarkdown(r).split('\n')[0]).toBe(heading);
  });

  it('has the table, worst first, one row per finding', () => {
    expect(md).toContain('| Severity | Workload | Port | What changed | Example request | File |');
    const rows = tableRows(md);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| 🔴 critical', '| 🟠 high', '| 🟡 medium']);
    for (const r of rows) expect(cellCount(r)).toBe(6);
  });
  it('a finding on several ports lists them in its Port cell', () => {
    const md = renderMarkdown(result([finding({ port: 3550, ports: [3550, 8080, 9090] })]));
    expect(md).toMatch(/\| 3550, 8080, 9090 \|/);
  });

  it('links rule ids to their docs page', () => {
    expect(md).toContain('[mtls-weakened](https://github.com/acme/mesh-review/blob/v1/docs/rules/mtls-weakened.md)');
    expect(renderMarkdown(sample)).not.toContain('](');
  });
  it('lists errors', () => {
    expect(md).toContain('### Errors (1)\n\n- `deploy/broken.yaml:3`: mapping values are not allowed here');
  });

  it('escapes | and newlines so a cell cannot break the table', () => {
    const f = finding({ title: 'a | b', message: 'one\ntwo | three\r\nfour', witness: 'GET /x|y', workload: 'ns/w|x' });
    const [row] = tableRows(renderMarkdown(result([f])));
    expect(row).toBeDefined();
    expect(cellCount(row!)).toBe(6);
    expect(row).toContain('**a \\| b**');
    expect(row).toContain('one<br>two \\| three<br>four');
    expect(row).toContain('`GET /x\\|y`');
    expect(row).not.toMatch(/[\r\n]/);
  });
  it('keeps manifest text inert: no HTML, links or mentions', () => {
    const f = finding({ message: '<img src=x onerror=alert(1)> [click](http://evil) @octocat **bold**' });
    const [row] = tableRows(renderMarkdown(result([f])));
    // A backslash-escaped `<` is literal text in CommonMark, never the start of a tag.
    expect(row).not.toMatch(/(?<!\\)<img/);
    expect(row).toContain('\\<img');
    expect(row).toContain('\\[click\\]\\(http://evil\\)');
    expect(row).toContain('@&#8203;octocat');
    expect(row).toContain('\\*\\*bold\\*\\*');
  });

  it('truncates whole rows under a tight maxBytes, counting multi-byte characters', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      finding({ workload: `ns/wörkload-${i}`, title: `Zugriff erweitert für 東京 ${i} 🚀`, witness: `GET /ünïcödé/${i}` }),
    );
    const r = result(many, [{ file: 'x.yaml', line: 2, message: 'kaputt ✗' }]);
    const full = renderMarkdown(r);
    for (const limit of [600, 1500, 3000, 4097]) {
      const out = renderMarkdown(r, { maxBytes: limit });
      expect(bytes(out)).toBeLessThanOrEqual(limit);
      const shown = tableRows(out).length;
      expect(shown).toBeLessThan(40);
      expect(out).toContain(`_… ${40 - shown} more findings not shown_`);
      // Whole rows only: every row shown is a row of the full output.
      for (const row of tableRows(out)) expect(full).toContain(row);
      // ...and as many as fit: one more row would have broken the limit.
      const next = tableRows(full)[shown]!;
      expect(bytes(out) + bytes(next) + 1).toBeGreaterThan(limit);
    }
    expect(tableRows(renderMarkdown(r, { maxBytes: 3000 })).length).toBeGreaterThan(5);
    expect(bytes(full)).toBeGreaterThan(4097);
  });
  it('never exceeds and never throws, whatever the limit', () => {
    for (const limit of [0, 1, 5, 20, 63, 64, 65, 200, Number.NaN, -5, Number.POSITIVE_INFINITY]) {
      const out = renderMarkdown(sample, { maxBytes: limit });
      if (Number.isFinite(limit)) expect(bytes(out)).toBeLessThanOrEqual(Math.max(0, limit));
      expect(out).not.toContain('\uFFFD');
    }
  });
  it('fits the default limit with a huge review, and reports what it left out', () => {
    const huge = Array.from({ length: 3000 }, (_, i) => finding({ workload: `ns/w${i}`, message: 'x'.repeat(100) }));
    const out = renderMarkdown(
      result(
        huge,
        Array.from({ length: 500 }, (_, i) => ({ file: `f${i}.yaml`, line: i, message: 'bad' })),
      ),
    );
    expect(bytes(out)).toBeLessThanOrEqual(65535);
    expect(out).toMatch(/_… \d+ more findings not shown_/);
    expect(out).toMatch(/_… 500 more errors not shown_/);
  });
});

describe('markdown helpers', () => {
  it.each([
    ['plain', 'GET /x', '`GET /x`'],
    ['backtick inside', 'a`b', '``a`b``'],
    ['starts with backtick', '`x', '`` `x ``'],
    ['double backticks', 'a``b', '```a``b```'],
    ['pipe', 'a|b', '`a\\|b`'],
    ['newline', 'a\nb', '`a\\nb`'],
    ['empty', '', '` `'],
  ])('code(): %s', (_name, input, expected) => {
    expect(code(input)).toBe(expected);
  });
  it('inline() escapes Markdown punctuation', () => {
    expect(inline('*a* _b_ `c` [d](e) <f> | #1 ~g~ \\')).toBe('\\*a\\* \\_b\\_ \\`c\\` \\[d\\]\\(e\\) \\<f\\> \\| \\#1 \\~g\\~ \\\\');
  });
  it('truncateUtf8 never splits a character', () => {
    expect(truncateUtf8('aé東🚀', 1)).toBe('a');
    expect(truncateUtf8('aé東🚀', 2)).toBe('a');
    expect(truncateUtf8('aé東🚀', 3)).toBe('aé');
    expect(truncateUtf8('aé東🚀', 9)).toBe('aé東');
    expect(truncateUtf8('aé東🚀', 10)).toBe('aé東🚀');
  });
});
