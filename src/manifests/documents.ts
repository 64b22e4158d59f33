import type { Document, LineCounter, Node, YAMLError } from 'yaml';
import { canonicalHash, NestingTooDeepError } from './canonicalHash.js';
import { lineOfPath, makeLocator, type SourceText } from './locate.js';
import { aliasExpansion } from './aliasExpansion.js';
import { DEFAULT_MAX_ALIAS_NODES, MAX_ERRORS_PER_FILE, MAX_NESTING_DEPTH, MESSAGES } from './messages.js';
import type { FieldPath, ParseError, ParsedFile, Resource } from './resource.js';
import type { TreeFindings } from './yamlTree.js';

export interface FileText {
  path: string;
  text: string;
  lineCounter: LineCounter;
  /** What the resources' `locate` keeps of the file (never the Documents). */
  source: SourceText;
  /** How many nodes YAML aliases may add to the whole file when expanded (limits.maxAliasNodes). */
  maxAliasNodes?: number;
}

/** One parsed YAML document and what the tree inspection found in it. */
export interface DocumentInput {
  doc: Document.Parsed;
  index: number;
  /** End of the previous document: the gap before this one holds its `# Source:` comment. */
  previousEnd: number;
  tree: TreeFindings;
}

/**
 * Groups that carry apiVersion and kind but are build or client config,
 * never applied to a cluster (kustomization.yaml, kubeconfig). Reporting
 * their missing metadata.name would only be noise.
 */
const NOT_CLUSTER_OBJECTS: ((apiVersion: string, kind: string) => boolean)[] = [
  (apiVersion) => apiVersion.startsWith('kustomize.config.k8s.io/'),
  (apiVersion, kind) => apiVersion === 'v1' && kind === 'Config',
];

/** What one document contributes. `loose` errors count only in a file that holds Kubernetes objects. */
interface DocResult {
  resources: Resource[];
  errors: ParseError[];
  /** Errors past the per-file cap, only counted: a broken file can have millions. */
  omitted: number;
  loose: ParseError[];
  holdsObjects: boolean;
}

export function parseDocuments(file: FileText, inputs: readonly DocumentInput[]): ParsedFile {
  const resources: Resource[] = [];
  const errors: ParseError[] = [];
  const loose: ParseError[] = [];
  let holdsObjects = false;
  let omitted = 0;
  // One budget for the file: a bomb split over many documents costs what one may.
  const aliases: AliasBudget = { limit: file.maxAliasNodes ?? DEFAULT_MAX_ALIAS_NODES, used: 0 };
  for (const input of inputs) {
    const result = parseDocument(file, input, aliases);
    omitted += result.omitted;
    // Loops, not push(...spread): a broken file can carry more errors than a call has argument slots.
    for (const r of result.resources) resources.push(r);
    for (const e of result.errors) errors.push(e);
    for (const e of result.loose) loose.push(e);
    holdsObjects ||= result.holdsObjects;
  }
  // Chart.yaml, values.yaml and friends may look half like an object; only among real objects is that a mistake.
  if (holdsObjects) for (const e of loose) errors.push(e);
  return { resources, errors: capErrors(errors, omitted) };
}

/** Sorted by line, at most MAX_ERRORS_PER_FILE, then one line saying how many more there were. */
function capErrors(errors: ParseError[], omitted: number): ParseError[] {
  errors.sort((a, b) => a.line - b.line);
  if (errors.length + omitted <= MAX_ERRORS_PER_FILE) return errors;
  const kept = errors.slice(0, MAX_ERRORS_PER_FILE);
  const anchor = errors[MAX_ERRORS_PER_FILE] ?? errors.at(-1)!;
  kept.push({ ...anchor, message: MESSAGES.tooManyErrors(errors.length - kept.length + omitted) });
  return kept;
}

/** The first MAX_ERRORS_PER_FILE of `items` as errors; the rest only counted. */
function firstErrors<T>(result: DocResult, items: readonly T[], toError: (item: T) => ParseError): void {
  result.errors = items.slice(0, MAX_ERRORS_PER_FILE).map(toError);
  result.omitted = Math.max(0, items.length - MAX_ERRORS_PER_FILE);
}

interface AliasBudget {
  readonly limit: number;
  used: number;
}

function parseDocument(file: FileText, input: DocumentInput, aliases: AliasBudget): DocResult {
  const { doc, index, tree } = input;
  const result: DocResult = { resources: [], errors: [], omitted: 0, loose: [], holdsObjects: false };
  const line = lineOfOffset(file, doc.contents?.range?.[0] ?? doc.range[0]);
  const at = (l: number, message: string): ParseError => ({ file: file.path, line: l, message });
  if (doc.errors.length > 0) {
    firstErrors(result, doc.errors, (e) => at(lineOfOffset(file, e.pos[0]), yamlErrorMessage(e)));
    return result;
  }
  if (tree.tooDeep) {
    result.errors.push(at(lineOfNode(file, tree.tooDeep) ?? line, MESSAGES.tooDeep));
    return result;
  }
  if (tree.duplicateKeys.length > 0) {
    firstErrors(result, tree.duplicateKeys, (key) => at(lineOfNode(file, key) ?? line, MESSAGES.duplicateKey(keySource(file.text, key))));
    return result;
  }
  // A document without aliases loads to what is written: nothing to count (the walk would visit every node again).
  const added = tree.aliases ? aliasExpansion(doc.contents, aliases.limit - aliases.used) : 0;
  if (added === 'recursive') {
    result.errors.push(at(line, MESSAGES.recursiveAlias));
    return result;
  }
  if (aliases.used + added > aliases.limit) {
    result.errors.push(at(line, MESSAGES.aliasBomb(aliases.limit)));
    return result;
  }
  aliases.used += added;
  const loaded = loadValue(doc);
  if ('error' in loaded) {
    result.errors.push(at(line, loaded.error));
    return result;
  }
  const value = loaded.value;
  if (value === null || value === undefined || value === '') return result;
  if (!isPlainObject(value)) {
    result.loose.push(at(line, MESSAGES.notAnObject(index, describeValue(value))));
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
  const context: ObjectContext = { file, doc, docIndex: index, source: helmSource(file.text, input.previousEnd, doc), docLine: line };
  const items = value['items'];
  if (header.kind.endsWith('List') && Array.isArray(items)) {
    items.forEach((item, i) => addObject(result, context, item, ['items', i]));
  } else {
    addObject(result, context, value, []);
  }
  return result;
}

function lineOfOffset(file: FileText, offset: number): number {
  return file.lineCounter.linePos(offset).line;
}

function lineOfNode(file: FileText, node: Node): number | undefined {
  return node.range ? lineOfOffset(file, node.range[0]) : undefined;
}

function yamlErrorMessage(error: YAMLError): string {
  return MESSAGES.invalidYaml(error.message);
}

/** The key as written (quoted keys keep their quotes, plain ones get them), for messages. */
function keySource(text: string, key: Node): string | undefined {
  if (!key.range) return undefined;
  const written = text.slice(key.range[0], key.range[1]).trim();
  if (written === '' || written.includes('\n')) return undefined;
  return written.startsWith('"') || written.startsWith("'") ? written : `"${written}"`;
}

/**
 * toJS expands aliases and recurses: both are where hostile input bites. The
 * expansion was bounded above (aliasExpansion), so yaml's own alias count
 * (default 100 uses, which refuses ordinary YAML) is switched off.
 */
function loadValue(doc: Document.Parsed): { value: unknown } | { error: string } {
  try {
    return { value: doc.toJS({ maxAliasCount: -1 }) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof RangeError) return { error: MESSAGES.tooDeep };
    return { error: `cannot load document: ${detail}` };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'not a mapping';
  return `a ${typeof value} scalar`;
}

type Header = { status: 'none' } | { status: 'partial'; message: string } | { status: 'object'; apiVersion: string; kind: string };

/** Neither field: not a manifest at all (values.yaml, CI workflows). One, or a non-string: a broken manifest. */
function readHeader(value: Record<string, unknown>): Header {
  const apiVersion = value['apiVersion'];
  const kind = value['kind'];
  const hasApiVersion = apiVersion !== undefined && apiVersion !== null;
  const hasKind = kind !== undefined && kind !== null;
  if (!hasApiVersion && !hasKind) return { status: 'none' };
  if (!hasApiVersion) return { status: 'partial', message: MESSAGES.kindWithoutApiVersion };
  if (!hasKind) return { status: 'partial', message: MESSAGES.apiVersionWithoutKind };
  if (typeof apiVersion !== 'string' || apiVersion === '') return { status: 'partial', message: MESSAGES.apiVersionNotString };
  if (typeof kind !== 'string' || kind === '') return { status: 'partial', message: MESSAGES.kindNotString };
  return { status: 'object', apiVersion, kind };
}

/** Helm writes `# Source: chart/templates/x.yaml` between `---` and each rendered document. */
function helmSource(text: string, previousEnd: number, doc: Document.Parsed): string | undefined {
  const contentStart = doc.contents?.range?.[0] ?? doc.range[0];
  const gap = text.slice(previousEnd, contentStart);
  if (!gap.includes('Source:')) return undefined;
  const matches = [...gap.matchAll(/^[ \t]*#[ \t]*Source:[ \t]*(\S.*?)[ \t]*\r?$/gm)];
  return matches.at(-1)?.[1];
}

interface ObjectContext {
  file: FileText;
  doc: Document.Parsed;
  docIndex: number;
  docLine: number;
  source: string | undefined;
}

/** One object (a document, or the List item at `prefix`) becomes a Resource or an error. */
function addObject(result: DocResult, context: ObjectContext, value: unknown, prefix: FieldPath): void {
  const { file, doc } = context;
  const line = prefix.length === 0 ? context.docLine : lineOfPath(doc, file.lineCounter, prefix, context.docLine);
  // While parsing, the Document is at hand: errors are located in it directly.
  const checked = checkObject(value, prefix, (path) => lineOfPath(doc, file.lineCounter, [...prefix, ...path], line));
  if ('message' in checked) {
    result.errors.push({ file: file.path, line: checked.line ?? line, message: checked.message });
    return;
  }
  let hash: string;
  try {
    hash = canonicalHash(value, MAX_NESTING_DEPTH);
  } catch (error) {
    if (!(error instanceof NestingTooDeepError || error instanceof RangeError)) throw error;
    result.errors.push({ file: file.path, line, message: MESSAGES.tooDeep });
    return;
  }
  // Not a closure made here: it would share this scope, and with it the Document, with the Resource.
  const locate = makeLocator(file.source, context.docIndex, prefix, line);
  // Spelled out, not spread from `checked`: a spread into a literal is slow, and every Resource gets one shape.
  const resource: Resource = {
    apiVersion: checked.apiVersion,
    kind: checked.kind,
    name: checked.name,
    namespace: checked.namespace,
    body: value as Record<string, unknown>,
    file: file.path,
    docIndex: context.docIndex,
    line,
    hash,
    locate,
  };
  if (context.source !== undefined) resource.source = context.source;
  result.resources.push(resource);
}

type Identity = Pick<Resource, 'apiVersion' | 'kind' | 'name' | 'namespace'>;

/** The object's identity, or what is wrong with it (and where, when a field is to blame). */
function checkObject(value: unknown, prefix: FieldPath, locate: (path: FieldPath) => number): Identity | { message: string; line?: number } {
  const itemIndex = prefix.length > 0 ? Number(prefix[1]) : undefined;
  if (!isPlainObject(value)) {
    return { message: itemIndex === undefined ? MESSAGES.notAnObject(0, describeValue(value)) : MESSAGES.listItemNotObject(itemIndex, describeValue(value)) };
  }
  const header = readHeader(value);
  if (header.status === 'none') return { message: MESSAGES.listItemWithoutHeader(itemIndex ?? 0) };
  if (header.status === 'partial') return { message: header.message };
  const { apiVersion, kind } = header;
  const metadata = value['metadata'];
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) {
    return { message: MESSAGES.metadataNotMapping(kind), line: locate(['metadata']) };
  }
  const name = metadata?.['name'];
  if (name === undefined || name === null || name === '') return { message: MESSAGES.nameMissing(kind), line: locate(['metadata']) };
  if (typeof name !== 'string') return { message: MESSAGES.nameNotString(kind), line: locate(['metadata', 'name']) };
  const namespace = metadata?.['namespace'];
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    return { message: MESSAGES.namespaceNotString(kind, name), line: locate(['metadata', 'namespace']) };
  }
  return { apiVersion, kind, name, namespace: typeof namespace === 'string' ? namespace : undefined };
}
