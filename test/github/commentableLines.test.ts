import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { commentableLines } from '../../src/github/commentableLines.js';
import type { PullFile } from '../../src/github/types.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';
import type { Snapshot } from '../../src/sources/snapshot.js';

const empty = memorySnapshot('empty', {});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const file = (path: string, status: PullFile['status'], patch: string | undefined, previousPath?: string): PullFile => ({ path, previousPath, status, patch });

function sides(files: PullFile[], path: string, base: Snapshot = empty, head: Snapshot = empty, complete = true) {
  const lines = commentableLines(files, base, head, { complete }).get(path);
  return lines && { right: [...lines.right].sort((a, b) => a - b), left: [...lines.left].sort((a, b) => a - b) };
}

describe('commentableLines from GitHub patches', () => {
  test.each([
    {
      name: 'an added file: every line on the right',
      status: 'added' as const,
      patch: '@@ -0,0 +1,3 @@\n+apiVersion: v1\n+kind: Namespace\n+metadata: {name: a}',
      right: [1, 2, 3],
      left: [],
    },
    {
      name: 'a deleted file: every line on the left',
      status: 'removed' as const,
      patch: '@@ -1,2 +0,0 @@\n-apiVersion: v1\n-kind: Namespace',
      right: [],
      left: [1, 2],
    },
    {
      name: 'several hunks, with the section text GitHub puts after @@',
      status: 'modified' as const,
      patch: [
        '@@ -1,4 +1,5 @@',
        ' apiVersion: security.istio.io/v1',
        ' kind: AuthorizationPolicy',
        '+# added',
        ' metadata:',
        '   name: deny',
        '@@ -20,7 +21,6 @@ spec:',
        '   rules:',
        '   - from:',
        '     - source:',
        '-        namespaces: [prod]',
        '     to:',
        '     - operation:',
        '         ports: ["8080"]',
      ].join('\n'),
      right: [...range(1, 5), ...range(21, 26)],
      left: [...range(1, 4), ...range(20, 26)],
    },
    {
      name: 'a last line that gains its newline: the marker is not a line',
      status: 'modified' as const,
      patch: '@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n\\ No newline at end of file\n+b: 2',
      right: [1, 2],
      left: [1, 2],
    },
    {
      name: 'lines appended to a file that lacked its last newline',
      status: 'modified' as const,
      patch: '@@ -1,2 +1,3 @@\n a: 1\n-b: 2\n\\ No newline at end of file\n+b: 2\n+c: 3\n\\ No newline at end of file',
      right: [1, 2, 3],
      left: [1, 2],
    },
    {
      name: 'counts omitted in the hunk header mean one line',
      status: 'modified' as const,
      patch: '@@ -7 +7 @@\n-mode: STRICT\n+mode: PERMISSIVE',
      right: [7],
      left: [7],
    },
    {
      name: 'an empty context line that lost its leading space does not shift the rest',
      status: 'modified' as const,
      patch: '@@ -1,3 +1,3 @@\n a: 1\n\n-b: 2\n+b: 3',
      right: [1, 2, 3],
      left: [1, 2, 3],
    },
    {
      name: 'a trailing newline after the patch adds no line',
      status: 'modified' as const,
      patch: '@@ -3,1 +3,1 @@\n-x\n+y\n',
      right: [3],
      left: [3],
    },
  ])('$name', ({ status, patch, right, left }) => {
    expect(sides([file('mesh/p.yaml', status, patch)], 'mesh/p.yaml')).toEqual({ right, left });
  });

  test('a renamed file is keyed by its new path, and comments on its old path go to the new one', () => {
    const lines = commentableLines([file('mesh/new.yaml', 'renamed', '@@ -2 +2 @@\n-b: 1\n+b: 2', 'mesh/old.yaml')], empty, empty);

    expect(lines.get('mesh/new.yaml')).toEqual({ right: new Set([2]), left: new Set([2]) });
    expect(lines.get('mesh/old.yaml')).toBeUndefined();
    expect(lines.commentPath('mesh/old.yaml')).toBe('mesh/new.yaml');
    expect(lines.commentPath('mesh/other.yaml')).toBe('mesh/other.yaml');
  });

  test('a copy keeps its source commentable under its own path', () => {
    const lines = commentableLines([file('b.yaml', 'copied', '@@ -1 +1 @@\n-a\n+b', 'a.yaml')], empty, empty);

    expect(lines.commentPath('a.yaml')).toBe('a.yaml');
  });

  test('an empty patch (a pure rename) has no lines; a file not in the pull request has no entry', () => {
    const lines = commentableLines([file('n.yaml', 'renamed', '', 'o.yaml')], empty, empty);

    expect(lines.get('n.yaml')).toEqual({ right: new Set(), left: new Set() });
    expect(lines.get('elsewhere.yaml')).toBeUndefined();
  });
});

describe('commentableLines from the snapshots, where GitHub gives no patch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-review-patch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The patch GitHub would show: git's unified diff, three lines of context, without the file header. */
  function gitPatch(before: string | undefined, after: string | undefined): string {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    if (before !== undefined) writeFileSync(a, before);
    if (after !== undefined) writeFileSync(b, after);
    const result = spawnSync(
      'git',
      ['diff', '--no-index', '--no-color', '-U3', before === undefined ? '/dev/null' : a, after === undefined ? '/dev/null' : b],
      {
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      },
    );
    expect(result.status).toBe(1);
    rmSync(a, { force: true });
    rmSync(b, { force: true });
    return result.stdout.slice(result.stdout.indexOf('@@'));
  }

  const lines = (n: number, f: (i: number) => string = (i) => `key${i}: value${i}`) => range(1, n).map(f);
  const text = (ls: string[], newline = true) => ls.join('\n') + (newline ? '\n' : '');
  const base40 = lines(40);

  test.each([
    { name: 'one changed line', before: text(base40), after: text(base40.map((l, i) => (i === 19 ? 'key20: changed' : l))) },
    { name: 'hunks far apart', before: text(base40), after: text(base40.map((l, i) => (i === 2 || i === 35 ? `${l} # edited` : l))) },
    { name: 'hunks close enough to merge', before: text(base40), after: text(base40.map((l, i) => (i === 10 || i === 16 ? `${l} # edited` : l))) },
    {
      name: 'lines inserted and deleted',
      before: text(base40),
      after: text([...base40.slice(0, 5), 'inserted: 1', 'inserted: 2', ...base40.slice(5, 30), ...base40.slice(33)]),
    },
    { name: 'a change at the first and the last line', before: text(base40), after: text(['first: changed', ...base40.slice(1, 39), 'last: changed']) },
    { name: 'the last newline added', before: text(base40, false), after: text(base40) },
    { name: 'the last newline removed', before: text(base40), after: text(base40, false) },
    { name: 'lines appended after a missing last newline', before: text(lines(5), false), after: text([...lines(5), 'more: 1']) },
    {
      name: 'CRLF line endings',
      before: lines(10).join('\r\n') + '\r\n',
      after: lines(10, (i) => (i === 4 ? 'key4: crlf' : `key${i}: value${i}`)).join('\r\n') + '\r\n',
    },
    { name: 'an added file', before: undefined, after: text(lines(6)) },
    { name: 'a deleted file', before: text(lines(6)), after: undefined },
  ])('$name: the same lines as the patch would give', ({ before, after }) => {
    const status: PullFile['status'] = before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
    const base = memorySnapshot('base', before === undefined ? {} : { 'm.yaml': before });
    const head = memorySnapshot('head', after === undefined ? {} : { 'm.yaml': after });
    const fromPatch = sides([file('m.yaml', status, gitPatch(before, after))], 'm.yaml');
    const computed = sides([file('m.yaml', status, undefined)], 'm.yaml', base, head);

    expect(computed).toEqual(fromPatch);
    expect(fromPatch!.right.length + fromPatch!.left.length).toBeGreaterThan(0);
  });

  test('a renamed and edited file is diffed against its old path', () => {
    const before = text(base40);
    const after = text(base40.map((l, i) => (i === 30 ? 'key31: moved' : l)));
    const base = memorySnapshot('base', { 'old/p.yaml': before });
    const head = memorySnapshot('head', { 'new/p.yaml': after });

    const computed = sides([file('new/p.yaml', 'renamed', undefined, 'old/p.yaml')], 'new/p.yaml', base, head);

    expect(computed).toEqual(sides([file('new/p.yaml', 'renamed', gitPatch(before, after), 'old/p.yaml')], 'new/p.yaml'));
  });

  test('a pure rename without a patch has no lines', () => {
    const base = memorySnapshot('base', { 'o.yaml': 'a: 1\n' });
    const head = memorySnapshot('head', { 'n.yaml': 'a: 1\n' });

    expect(sides([file('n.yaml', 'renamed', undefined, 'o.yaml')], 'n.yaml', base, head)).toEqual({ right: [], left: [] });
  });

  test('no lines rather than wrong ones when a side is unknown', () => {
    const head = memorySnapshot('head', { 'big.yaml': 'a: 2\n' });
    const baseSkipped: Snapshot = { ...memorySnapshot('base', {}), skipped: [{ path: 'big.yaml', reason: 'too large' }] };
    const logo = file('logo.png', 'modified', undefined);

    // The base side was too large to read: an absent side would make every head line look added.
    expect(sides([file('big.yaml', 'modified', undefined)], 'big.yaml', baseSkipped, head)).toBeUndefined();
    // Not manifest-like, so in neither snapshot.
    expect(sides([logo], 'logo.png')).toBeUndefined();
    // Modified, yet missing from the base snapshot (the base branch moved): unknowable.
    expect(sides([file('big.yaml', 'modified', undefined)], 'big.yaml', empty, head)).toBeUndefined();
  });

  test("files past an incomplete listing get lines; with a complete one, unlisted changes are not the pull request's", () => {
    const base = memorySnapshot('base', { 'listed.yaml': 'a: 1\n', 'unlisted.yaml': 'b: 1\n', 'gone.yaml': 'c: 1\n', 'same.yaml': 's: 1\n' });
    const head = memorySnapshot('head', { 'listed.yaml': 'a: 2\n', 'unlisted.yaml': 'b: 2\n', 'new.yaml': 'd: 1\ne: 1\n', 'same.yaml': 's: 1\n' });
    const listed = [file('listed.yaml', 'modified', '@@ -1 +1 @@\n-a: 1\n+a: 2')];

    expect(sides(listed, 'unlisted.yaml', base, head, false)).toEqual({ right: [1], left: [1] });
    expect(sides(listed, 'new.yaml', base, head, false)).toEqual({ right: [1, 2], left: [] });
    expect(sides(listed, 'gone.yaml', base, head, false)).toEqual({ right: [], left: [1] });
    expect(sides(listed, 'same.yaml', base, head, false)).toBeUndefined();
    expect(sides(listed, 'unlisted.yaml', base, head, true)).toBeUndefined();
  });

  test('a large file with few edits is diffed quickly; a rewrite past the edit bound gives no lines', () => {
    const big = lines(40_000);
    const edited = big.map((l, i) => (i % 10_000 === 5 ? `${l} # edited` : l));
    const rewritten = big.map((l) => `${l} # rewritten`);
    const base = memorySnapshot('base', { 'big.yaml': text(big) });

    const started = performance.now();
    const few = sides([file('big.yaml', 'modified', undefined)], 'big.yaml', base, memorySnapshot('head', { 'big.yaml': text(edited) }));
    const all = sides([file('big.yaml', 'modified', undefined)], 'big.yaml', base, memorySnapshot('head', { 'big.yaml': text(rewritten) }));
    const elapsed = performance.now() - started;

    expect(few?.right).toEqual([
      3, 4, 5, 6, 7, 8, 9, 10003, 10004, 10005, 10006, 10007, 10008, 10009, 20003, 20004, 20005, 20006, 20007, 20008, 20009, 30003, 30004, 30005, 30006, 30007,
      30008, 30009,
    ]);
    expect(all).toBeUndefined();
    expect(elapsed).toBeLessThan(10_000);
  });
});
