import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import type { Snapshot } from '../sources/snapshot.js';
import { Config } from './schema.js';

/**
 * Where a repository keeps its settings. Reviews read it from the BASE commit,
 * never the head: otherwise a pull request could loosen the gate that judges it
 * (raise failOn, turn a rule off, add an ignore entry) in the same change.
 */
export const CONFIG_PATH = '.github/mesh-review.yml';

/**
 * A config file is a few hundred bytes; anything near this size is a mistake
 * (or an attempt to make the reviewer do work), so we refuse it up front.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;

export type ConfigResult = { config: Config } | { error: string };

/**
 * Parses the text of a config file. `source` names the file in messages, so a
 * user reading a check run sees which file and which key to fix.
 * Every problem is one line `source: key.path: problem`; several are joined by newlines.
 */
export function parseConfigText(text: string, source: string): ConfigResult {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { error: doc.errors.map((e) => `${source}: invalid YAML: ${firstLine(e.message)}`).join('\n') };
  }
  let value: unknown;
  try {
    // Aliases are legal YAML but a config has no use for many of them; a low cap
    // stops a "billion laughs" file from expanding into gigabytes.
    value = doc.toJS({ maxAliasCount: 20 });
  } catch (e) {
    return { error: `${source}: invalid YAML: ${firstLine(e instanceof Error ? e.message : String(e))}` };
  }
  return parseConfigValue(value, source);
}

/**
 * Validates an already-parsed config value (the app's `context.config`, which has merged
 * `_extends` chains). Same messages as for text.
 */
export function parseConfigValue(input: unknown, source: string): ConfigResult {
  let value = input;
  // An empty file (or one holding only comments) is how people "turn on defaults".
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { error: `${source}: expected a mapping of settings at the top level, got ${describe(value)}` };
  }
  // zod skips `__proto__` keys, so without this `rules: {__proto__: off}` would vanish silently.
  const proto = protoKeyPath(value, []);
  if (proto) return { error: `${source}: ${formatPath(proto)}: unknown key` };
  const parsed = Config.safeParse(withoutEmptySections(value as Record<string, unknown>));
  if (parsed.success) return { config: parsed.data };
  const lines = parsed.error.issues.flatMap((issue) => formatIssue(issue, value));
  return { error: [...new Set(lines)].map((l) => `${source}: ${l}`).join('\n') };
}

/** Decodes and parses config bytes; bad UTF-8 is reported rather than silently replaced. */
export function parseConfigBytes(bytes: Uint8Array, source: string): ConfigResult {
  if (bytes.byteLength > MAX_CONFIG_BYTES) {
    return { error: `${source}: file is ${bytes.byteLength} bytes, more than the ${MAX_CONFIG_BYTES} allowed for a config file` };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: `${source}: not valid UTF-8` };
  }
  return parseConfigText(text, source);
}

/** For `--config FILE`: the user named the file, so a missing file is an error, not defaults. */
export async function loadConfigFile(path: string): Promise<ConfigResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    return { error: `${path}: cannot read config: ${why}` };
  }
  return parseConfigBytes(bytes, path);
}

/**
 * The config a review runs under: `CONFIG_PATH` at the base commit, or the
 * defaults when the base has none (a repository that never opted in).
 */
export async function loadBaseConfig(base: Pick<Snapshot, 'readFile'>): Promise<ConfigResult> {
  const bytes = await base.readFile(CONFIG_PATH);
  if (bytes === undefined) return { config: Config.parse({}) };
  return parseConfigBytes(bytes, CONFIG_PATH);
}

/**
 * `ignore:` with every entry commented out parses as null. That is an empty
 * section, not a type error, so collection-valued sections that are null fall
 * back to their defaults. Scalars (failOn...) stay strict: an empty gate is a mistake.
 */
const SECTIONS = new Set(['include', 'exclude', 'istio', 'rules', 'ignore', 'limits']);
function withoutEmptySections(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => !(v === null && SECTIONS.has(k))));
}

function protoKeyPath(v: unknown, path: PropertyKey[]): PropertyKey[] | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) {
      const found = protoKeyPath(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  for (const [k, item] of Object.entries(v)) {
    if (k === '__proto__') return [...path, k];
    const found = protoKeyPath(item, [...path, k]);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Turning zod issues into messages a person can act on. zod's own texts
// ("Invalid input: expected string, received undefined") are written for
// programmers; a config author wants the key, what is allowed and what they wrote.

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

function formatIssue(issue: Issue, root: unknown): string[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeysAt(path);
        const hint = suggest(key, known);
        const allowed = known.length > 0 ? ` (allowed: ${known.join(', ')})` : '';
        return `${formatPath([...path, key])}: unknown key${hint ? `; did you mean "${hint}"?` : allowed}`;
      });
    case 'invalid_value':
      return [`${formatPath(path)}: expected one of ${issue.values.map(String).join('|')}${got(root, path)}`];
    case 'invalid_union': {
      // `rules` values are severity | 'off': report the union of allowed literals
      // rather than "Invalid input" twice.
      const values = issue.errors.flat().flatMap((i) => (i.code === 'invalid_value' && i.path.length === 0 ? i.values : []));
      if (values.length > 0) {
        return [`${formatPath(path)}: expected one of ${values.map(String).join('|')}${got(root, path)}`];
      }
      const first = issue.errors[0]?.[0];
      return first ? formatIssue({ ...first, path: [...path, ...first.path] }, root) : [`${formatPath(path)}: invalid value`];
    }
    case 'invalid_type': {
      const actual = valueAt(root, path);
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (actual.found === false || actual.value === undefined) return [`${formatPath(path)}: missing (expected ${expected})`];
      return [`${formatPath(path)}: expected ${expected}, got ${describe(actual.value)}`];
    }
    default:
      return [`${formatPath(path)}: ${issue.message.replace(/^Invalid input: /, '')}${got(root, path)}`];
  }
}

/** `ignore[0].expires`, `rules."istio.foo"` — the form a person would search for in the file. */
function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      const plain = /^[A-Za-z0-9_-]+$/.test(s);
      out += (out === '' ? '' : '.') + (plain ? s : JSON.stringify(s));
    }
  }
  return out;
}

function valueAt(root: unknown, path: Path): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return { found: true, value: cur };
}

function got(root: unknown, path: Path): string {
  const v = valueAt(root, path);
  if (!v.found) return '';
  if (typeof v.value === 'string') return ` (got ${JSON.stringify(v.value.length > 60 ? `${v.value.slice(0, 60)}…` : v.value)})`;
  if (typeof v.value === 'number' || typeof v.value === 'boolean') return ` (got ${String(v.value)})`;
  return ` (got ${describe(v.value)})`;
}

/** YAML words, not JavaScript ones: config authors think in lists and mappings. */
const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  date: 'a date',
};

function describe(v: unknown): string {
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  return TYPE_NAMES[typeof v] ?? typeof v;
}

/** Walks the schema along `path` to list the keys allowed there, for "unknown key" hints. */
function knownKeysAt(path: Path): string[] {
  let schema: z.ZodType | undefined = Config;
  for (const seg of path) {
    schema = step(unwrap(schema), seg);
    if (!schema) return [];
  }
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  for (let i = 0; i < 10 && cur; i++) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else break;
  }
  return cur;
}

function step(s: z.ZodType | undefined, seg: PropertyKey): z.ZodType | undefined {
  if (s instanceof z.ZodObject && typeof seg === 'string') return (s.shape as Record<string, z.ZodType>)[seg];
  if (s instanceof z.ZodArray && typeof seg === 'number') return s.element as z.ZodType;
  if (s instanceof z.ZodRecord) return s.valueType as z.ZodType;
  return undefined;
}

/** The allowed key a typo most likely meant: same letters ignoring case/`-`/`_`, or within two edits. */
function suggest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(norm(k), norm(key));
    if (d <= 2 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).replace(/:\s*$/, '');
}
