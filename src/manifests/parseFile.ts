import { LineCounter, parseAllDocuments, type Document, type YAMLError } from 'yaml';
import type { Config } from '../config/schema.js';
import { canonicalHash, NestingTooDeepError } from './canonicalHash.js';
import { makeLocator } from './locate.js';
import type { FieldPath, ParseError, ParsedFile, Resource } from './resource.js';
import { findJsonComment, findTemplateAction, lineAt } from './textScan.js';
import { findTemplateFlowMap, findTooDeep } from './yamlTree.js';

export type ParseLimits = Config['limits'];

/** Deeper than any real manifest (a Deployment is ~15), far below what blows the stack. */
export const MAX_NESTING_DEPTH = 200;
export const MAX_ALIAS_COUNT = 100;

export const MESSAGES = {
  notUtf8: 'not UTF-8 text (binary file?); only UTF-8 YAML or JSON is read',
  binary: 'binary file (contains NUL bytes); only UTF-8 YAML or JSON is read',
  tooLarge: (size: number, max: number) => `file is ${size} bytes, over limits.maxFileBytes (${max}); not parsed`,
  tooManyDocuments: (count: number, max: number) =>
    `file has ${count} YAML documents, over limits.maxDocuments (${max}); only the first ${max} are read`,
  jsonComment: 'JSON does not allow comments',
  goTemplate: 'Go template outside a Helm chart: render it or exclude it',
  tooDeep: `nested deeper than ${MAX_NESTING_DEPTH} levels; not read`,
  aliasBomb: `too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}): possible alias bomb; not read`,
} as const;

/**
 * Groups that carry apiVersion and kind but are build or client config,
 * never applied to a cluster (kustomization.yaml, kubeconfig). Reporting
 * their missing metadata.name would only be noise.
 */
const NOT_CLUSTER_OBJECTS: ((apiVersion: string, kind: string) => boolean)[] = [
  (apiVersion) => apiVersion.startsWith('kustomize.config.k8s.io/'),
  (apiVersion, kind) => apiVersion === 'v1' && kind === 'Config',
];

const PARSE_OPTIONS = {
  uniqueKeys: true,
  maxAliasCount: MAX_ALIAS_COUNT,
  prettyErrors: false,
} as const;

/**
 * Text -> Resources and ParseErrors. Pure, and total: bad input of any kind
 * (binary, huge, malicious, templated) becomes ParseErrors, never an
 * exception, so one bad file cannot hide findings from the others.
 */
export function parseFileContent(path: string, content: Buffer, limits: ParseLimits): ParsedFile {
  try {
    return parseChecked(path, content, limits);
  } catch (error) {
    // Every known failure is handled below; this is the promise that an unknown one stays local.
    return failed(path, 1, `internal error while parsing: ${describe(error)}`);
  }
}

function parseChecked(path: string, content: Buffer, limits: ParseLimits): ParsedFile {
  if (content.length > limits.maxFileBytes) return failed(path, 1, MESSAGES.tooLarge(content.length, limits.maxFileBytes));
  const text = decode(content);
  if (text === undefined) return failed(path, 1, MESSAGES.notUtf8);
  if (text.includes('\u0000')) return failed(path, 1, MESSAGES.binary);
  if (isJsonPath(path)) {
    const comment = findJsonComment(text);
    if (comment !== undefined) return failed(path, lineAt(text, comment), MESSAGES.jsonComment);
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter }) as Document.Parsed[];
  const file: FileText = { path, text, lineCounter };
  const template = findGoTemplate(file, docs);
  if (template !== undefined) return failed(path, lineCounter.linePos(template).line, MESSAGES.goTemplate);
  return parseDocuments(file, docs, limits.maxDocuments);
}

interface FileText {
  path: string;
  text: string;
  lineCounter: LineCounter;
}

function failed(file: string, line: number, message: string): ParsedFile {
  return { resources: [], errors: [{ file, line, message }] };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isJsonPath(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

/** Undefined when the bytes are not UTF-8. TextDecoder drops a leading BOM; the replace is for a doubled one. */
function decode(content: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

/**
 * Offset of the Go template action that makes this file a template, if it
 * is one: a document that fails to parse and contains `{{`, or a `{{` where
 * YAML structure goes. One clear error beats the cascade of YAML errors a
 * template produces. `{{` inside strings of valid YAML is data, not a template.
 */
function findGoTemplate(file: FileText, docs: readonly Document.Parsed[]): number | undefined {
  if (!file.text.includes('{{')) return undefined;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const action = findTemplateAction(file.text, doc.range[0], doc.range[2]);
      if (action !== undefined) return action;
    }
    // A tree too deep to walk cheaply is reported as such later.
    if (findTooDeep(doc.contents, MAX_NESTING_DEPTH)) continue;
    const flowMap = findTemplateFlowMap(doc.contents, file.text);
    if (flowMap?.range) return flowMap.range[0];
  }
  return undefined;
}

/** What one document contributes. `loose` errors count only in a file that holds Kubernetes objects. */
interface DocResult {
  resources: Resource[];
  errors: ParseError[];
  loose: ParseError[];
  holdsObjects: boolean;
}

function parseDocuments(file: FileText, docs: readonly Document.Parsed[], maxDocuments: number): ParsedFile {
  const resources: Resource[] = [];
  const errors: ParseError[] = [];
  const loose: ParseError[] = [];
  let holdsObjects = false;
  if (docs.length > maxDocuments) {
    errors.push({ file: file.path, line: startLine(file, docs[maxDocuments]!), message: MESSAGES.tooManyDocuments(docs.length, maxDocuments) });
  }
  docs.slice(0, maxDocuments).forEach((doc, index) => {
    const previousEnd = index === 0 ? 0 : docs[index - 1]!.range[2];
    const result = parseDocument(file, doc, index, previousEnd);
    resources.push(...result.resources);
    errors.push(...result.errors);
    loose.push(...result.loose);
    holdsObjects ||= result.holdsObjects;
  });
  // Chart.yaml, values.yaml and friends may look half like an object; only where real objects are, is that a mistake.
  if (holdsObjects) errors.push(...loose);
  errors.sort((a, b) => a.line - b.line);
  return { resources, errors };
}

function startLine(file: FileText, doc: Document.Parsed): number {
  const start = doc.contents?.range?.[0] ?? doc.range[0];
  return file.lineCounter.linePos(start).line;
}

function emptyResult(): DocResult {
  return { resources: [], errors: [], loose: [], holdsObjects: false };
}

function parseDocument(file: FileText, doc: Document.Parsed, index: number, previousEnd: number): DocResult {
  const result = emptyResult();
  const line = startLine(file, doc);
  const at = (l: number, message: string): ParseError => ({ file: file.path, line: l, message });
  if (doc.errors.length > 0) {
    result.errors = doc.errors.map((e) => at(file.lineCounter.linePos(e.pos[0]).line, yamlErrorMessage(file.text, e)));
    return result;
  }
  const tooDeep = findTooDeep(doc.contents, MAX_NESTING_DEPTH);
  if (tooDeep) {
    result.errors.push(at(tooDeep.range ? file.lineCounter.linePos(tooDeep.range[0]).line : line, MESSAGES.tooDeep));
    return result;
  }
  const loaded = loadValue(doc);
  if ('error' in loaded) {
    result.errors.push(at(line, loaded.error));
    return result;
  }
  const value = loaded.value;
  if (value === null || value === undefined || value === '') return result;
  if (!isPlainObject(value)) {
    result.loose.push(at(line, `document ${index + 1} is ${describeValue(value)}, not a Kubernetes object (a mapping with apiVersion and kind)`));
    return result;
  }
  const header = readHeader(value);
  if (header.status === 'none') return result;
  if (header.status === 'partial') {
    result.loose.push(at(line, header.message));
    return result;
  }
  if (NOT_CLUSTER_OBJECTS.some((test) => test(header.apiVersion, header.kind))) return result;
  result.holdsObjects = true;
  const context: ObjectContext = { file, doc, docIndex: index, source: helmSource(file.text, previousEnd, doc) };
  const items = value['items'];
  if (header.kind.endsWith('List') && Array.isArray(items)) {
    items.forEach((item, i) => addObject(result, context, item, ['items', i]));
  } else {
    addObject(result, context, value, []);
  }
  return result;
}

function yamlErrorMessage(text: string, error: YAMLError): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = keyAt(text, error.pos[0]);
    return key === undefined ? 'duplicate key: YAML map keys must be unique' : `duplicate key ${key}: YAML map keys must be unique`;
  }
  return `invalid YAML: ${error.message}`;
}

/** The key written at `offset` as it appears in the source (quoted keys keep their quotes), for messages. */
function keyAt(text: string, offset: number): string | undefined {
  const lineEnd = text.indexOf('\n', offset);
  const rest = text.slice(offset, lineEnd < 0 ? text.length : lineEnd);
  const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#,{}[\]\n]*?)\s*:/.exec(rest);
  const key = match?.[1]?.trim();
  if (!key) return undefined;
  return key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`;
}

/** toJS expands aliases and recurses: both are where hostile input bites. */
function loadValue(doc: Document.Parsed): { value: unknown } | { error: string } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    if (error instanceof RangeError) return { error: MESSAGES.tooDeep };
    if (/alias/i.test(describe(error)) && /excessive|resource exhaustion/i.test(describe(error))) return { error: MESSAGES.aliasBomb };
    return { error: `cannot load document: ${describe(error)}` };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'not a mapping';
  return `a ${typeof value} scalar`;
}

type Header =
  | { status: 'none' }
  | { status: 'partial'; message: string }
  | { status: 'object'; apiVersion: string; kind: string };

/** Neither field: not a manifest at all (values.yaml, CI workflows). One, or a non-string: a broken manifest. */
function readHeader(value: Record<string, unknown>): Header {
  const apiVersion = value['apiVersion'];
  const kind = value['kind'];
  const hasApiVersion = apiVersion !== undefined && apiVersion !== null;
  const hasKind = kind !== undefined && kind !== null;
  if (!hasApiVersion && !hasKind) return { status: 'none' };
  if (!hasApiVersion) return { status: 'partial', message: 'object has kind but no apiVersion' };
  if (!hasKind) return { status: 'partial', message: 'object has apiVersion but no kind' };
  if (typeof apiVersion !== 'string' || apiVersion === '') return { status: 'partial', message: 'apiVersion must be a non-empty string' };
  if (typeof kind !== 'string' || kind === '') return { status: 'partial', message: 'kind must be a non-empty string' };
  return { status: 'object', apiVersion, kind };
}

/** Helm writes `# Source: chart/templates/x.yaml` between `---` and each rendered document. */
function helmSource(text: string, previousEnd: number, doc: Document.Parsed): string | undefined {
  const contentStart = doc.contents?.range?.[0] ?? doc.range[0];
  const gap = text.slice(previousEnd, contentStart);
  const matches = [...gap.matchAll(/^[ \t]*#[ \t]*Source:[ \t]*(\S.*?)[ \t]*\r?$/gm)];
  return matches.at(-1)?.[1];
}

interface ObjectContext {
  file: FileText;
  doc: Document.Parsed;
  docIndex: number;
  source: string | undefined;
}

/** One object (a document, or an item of a List at `prefix`) becomes a Resource or an error. */
function addObject(result: DocResult, context: ObjectContext, value: unknown, prefix: FieldPath): void {
  const { file, doc } = context;
  const baseLine = file.lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
  const line = makeLocator(doc, file.lineCounter, [], baseLine)(prefix);
  const locate = makeLocator(doc, file.lineCounter, prefix, line);
  const error = (l: number, message: string): void => void result.errors.push({ file: file.path, line: l, message });
  const where = prefix.length > 0 ? `List item ${String(prefix[1])}` : 'object';
  if (!isPlainObject(value)) return error(line, `${where} is ${describeValue(value)}, not a Kubernetes object`);
  const header = readHeader(value);
  if (header.status === 'none') return error(line, `${where} has no apiVersion and kind`);
  if (header.status === 'partial') return error(line, header.message);
  const metadata = value['metadata'];
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) {
    return error(locate(['metadata']), `metadata must be a mapping (${header.kind})`);
  }
  const name = metadata?.['name'];
  if (name === undefined || name === null || name === '') return error(locate(['metadata']), `metadata.name is missing (${header.kind})`);
  if (typeof name !== 'string') return error(locate(['metadata', 'name']), `metadata.name must be a string (${header.kind})`);
  const namespace = metadata?.['namespace'];
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    return error(locate(['metadata', 'namespace']), `metadata.namespace must be a string (${header.kind} ${name})`);
  }
  let hash: string;
  try {
    hash = canonicalHash(value, MAX_NESTING_DEPTH);
  } catch (e) {
    if (e instanceof NestingTooDeepError || e instanceof RangeError) return error(line, MESSAGES.tooDeep);
    throw e;
  }
  const resource: Resource = {
    apiVersion: header.apiVersion,
    kind: header.kind,
    name,
    namespace: typeof namespace === 'string' ? namespace : undefined,
    body: value,
    file: file.path,
    docIndex: context.docIndex,
    line,
    hash,
    locate,
  };
  if (context.source !== undefined) resource.source = context.source;
  result.resources.push(resource);
}
