import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nock from 'nock';

/**
 * Request bodies checked against GitHub's published REST description
 * (`@octokit/openapi`, api.github.com.json): the operation is found by method
 * and path template, and the JSON body is validated against its requestBody
 * schema with the small validator below. It covers the JSON Schema subset the
 * description uses for bodies: $ref, type (and OpenAPI `nullable`), enum,
 * properties, required, additionalProperties, items, min/maxItems, uniqueItems,
 * min/maxLength (in code points), pattern, format date-time, minimum/maximum,
 * maxProperties, allOf, anyOf, oneOf.
 *
 * (zod 4's `z.fromJSONSchema` was tried first: it accepts a check-run PATCH with
 * `status: completed` and no `conclusion`, i.e. it does not enforce the anyOf
 * that operation declares, so it is not used.)
 *
 * GraphQL requests (`POST /graphql`) are not in the REST description; for them
 * only the envelope is checked: a `query` string, and variables that match the
 * query's declarations (every non-null one present, none undeclared).
 */
type Schema = Record<string, unknown>;

const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url)), 'utf8'),
) as { paths: Record<string, Record<string, Schema>>; components: Schema };

const templates = Object.keys(spec.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literal: template.replace(/\{[^}]+\}/g, '').length,
}));

/** The operation for `method path`, most literal template first (`/pulls/comments/{id}` over `/pulls/{n}/...`). */
export function findOperation(method: string, path: string): { template: string; operation: Schema } | undefined {
  const bare = decodeURI(path.split('?')[0]!);
  const candidates = templates.filter((t) => t.regex.test(bare) && spec.paths[t.template]![method.toLowerCase()]).sort((a, b) => b.literal - a.literal);
  const hit = candidates[0];
  return hit ? { template: hit.template, operation: spec.paths[hit.template]![method.toLowerCase()]! } : undefined;
}

/** Problems with `body` as the JSON body of `method path`; empty when it conforms. */
export function validateRequest(method: string, path: string, body: unknown): string[] {
  if (path.split('?')[0] === '/graphql') return validateGraphql(body);
  const op = findOperation(method, path);
  if (!op) return [`${method} ${path}: no such operation in GitHub's OpenAPI description`];
  const requestBody = op.operation.requestBody as { required?: boolean; content?: Record<string, { schema: Schema }> } | undefined;
  const where = `${method} ${op.template}`;
  if (!requestBody) return body === undefined || body === '' ? [] : [`${where}: takes no request body`];
  if (body === undefined || body === '') return requestBody.required ? [`${where}: request body required`] : [];
  const schema = requestBody.content?.['application/json']?.schema;
  if (!schema) return [`${where}: no JSON body schema`];
  const errors: string[] = [];
  validate(schema, body, 'body', errors);
  return errors.map((e) => `${where}: ${e}`);
}

function resolve(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; typeof s.$ref === 'string' && i < 20; i++) {
    const parts = s.$ref.replace(/^#\//, '').split('/');
    let node: unknown = spec;
    for (const p of parts) node = (node as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    s = node as Schema;
  }
  return s;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(raw: Schema, value: unknown, at: string, errors: string[]): void {
  const s = resolve(raw);
  if (value === null && s.nullable === true) return;

  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) validate(sub, value, at, errors);
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[key])) continue;
    const passing = (s[key] as Schema[]).filter((sub) => {
      const e: string[] = [];
      validate(sub, value, at, e);
      return e.length === 0;
    }).length;
    if (passing === 0) errors.push(`${at}: matches none of ${key}`);
    if (key === 'oneOf' && passing > 1) errors.push(`${at}: matches ${passing} of oneOf`);
  }

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const actual = typeOf(value);
    const ok = types.includes(actual) || (actual === 'integer' && types.includes('number'));
    if (!ok) {
      errors.push(`${at}: expected ${types.join('|')}, got ${actual}`);
      return;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);

  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in obj)) errors.push(`${at}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) validate(props[k], v, `${at}.${k}`, errors);
      else if (s.additionalProperties === false) errors.push(`${at}.${k}: not allowed`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') validate(s.additionalProperties as Schema, v, `${at}.${k}`, errors);
    }
    if (typeof s.maxProperties === 'number' && Object.keys(obj).length > s.maxProperties) errors.push(`${at}: more than ${s.maxProperties} properties`);
  }
  if (Array.isArray(value)) {
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${at}: ${value.length} items, at most ${s.maxItems} allowed`);
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${at}: ${value.length} items, at least ${s.minItems} required`);
    if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${at}: items not unique`);
    if (s.items) value.forEach((v, i) => validate(s.items as Schema, v, `${at}[${i}]`, errors));
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.maxLength === 'number' && length > s.maxLength) errors.push(`${at}: ${length} characters, at most ${s.maxLength}`);
    if (typeof s.minLength === 'number' && length < s.minLength) errors.push(`${at}: ${length} characters, at least ${s.minLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${at}: does not match ${s.pattern}`);
    if (s.format === 'date-time' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value))
      errors.push(`${at}: not an ISO 8601 date-time`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${at}: above ${s.maximum}`);
  }
}

function validateGraphql(body: unknown): string[] {
  const b = body as { query?: unknown; variables?: Record<string, unknown> } | undefined;
  if (!b || typeof b.query !== 'string') return ['POST /graphql: body.query must be a string'];
  const errors: string[] = [];
  const header = /^\s*(?:query|mutation)\s*\w*\s*\(([^)]*)\)/.exec(b.query)?.[1] ?? '';
  const declared = [...header.matchAll(/\$(\w+)\s*:\s*([\w[\]]+)(!?)/g)].map((m) => ({ name: m[1]!, nonNull: m[3] === '!' }));
  const vars = b.variables ?? {};
  for (const d of declared)
    if (d.nonNull && (vars[d.name] === undefined || vars[d.name] === null)) errors.push(`POST /graphql: variable $${d.name} is required`);
  for (const k of Object.keys(vars)) if (!declared.some((d) => d.name === k)) errors.push(`POST /graphql: variable $${k} is not declared`);
  return errors;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A nock scope for api.github.com that validates every request it serves
 * against the description and records it. Tests assert `violations` is empty.
 */
export function githubApi(recorder: { requests: RecordedRequest[]; violations: string[] }): nock.Scope {
  const scope = nock('https://api.github.com');
  scope.on('request', (req: { method: string; path: string }, _interceptor: unknown, bodyText: string) => {
    let body: unknown = undefined;
    if (bodyText) {
      try {
        body = JSON.parse(bodyText);
      } catch {
        recorder.violations.push(`${req.method} ${req.path}: body is not JSON`);
      }
    }
    recorder.requests.push({ method: req.method, path: req.path, body });
    recorder.violations.push(...validateRequest(req.method, req.path, body));
  });
  return scope;
}
