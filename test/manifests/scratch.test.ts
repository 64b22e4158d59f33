import { test } from 'vitest';
import { parseFileContent } from '../../src/manifests/parseFile.js';
const L = { maxFileBytes: 2 * 1024 * 1024, maxDocuments: 10_000 };
const M = 2 * 1024 * 1024 - 10;
const cases: Record<string, string> = {
  brackets: '['.repeat(M),
  braces: '{'.repeat(M),
  templ: '{{'.repeat(M / 2),
  docs: '---\n'.repeat(M / 4),
  docsNs: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n'.repeat(M / 52),
  keys: Array.from({ length: M / 12 }, (_, i) => `k${i}: v\n`).join(''),
  dupkeys: 'a: 1\n'.repeat(M / 5),
  aliases: '&a x\n' + '- *a\n'.repeat(M / 5),
  quotes: '"' + 'a'.repeat(M),
  hashes: '#'.repeat(M),
  indent: Array.from({ length: 2000 }, (_, i) => ' '.repeat(i) + '- ').join('\n'),
  jsonstr: '"' + '\\"'.repeat(M / 2),
  listitems: 'apiVersion: v1\nkind: List\nitems:\n' + '- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n'.repeat(M / 60),
};
test('timing', () => {
  for (const [name, text] of Object.entries(cases)) {
    const t = Date.now();
    const r = parseFileContent(name + '.yaml', Buffer.from(text.slice(0, M)), L);
    console.log(name, Date.now() - t, 'ms', r.resources.length, r.errors.length, r.errors[0]?.message.slice(0, 80));
  }
});
