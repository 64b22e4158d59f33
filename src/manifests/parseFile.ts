import type { Config } from '../config/schema.js';
import { parseDocuments, type DocumentInput, type FileText } from './documents.js';
import { MAX_NESTING_DEPTH, MESSAGES } from './messages.js';
import type { ParsedFile } from './resource.js';
import { findJsonComment, findTemplateAction, lineAt } from './textScan.js';
import { findDeepFlow, parseYamlStream } from './yamlStream.js';
import { inspectTree } from './yamlTree.js';

export { DEFAULT_MAX_ALIAS_NODES, MAX_NESTING_DEPTH, MESSAGES } from './messages.js';

export type ParseLimits = Pick<Config['limits'], 'maxFileBytes' | 'maxDocuments'> & Partial<Pick<Config['limits'], 'maxAliasNodes'>>;

/**
 * Text -> Resources and ParseErrors. Pure, and total: bad input of any kind
 * (binary, huge, malicious, templated) becomes ParseErrors, never an
 * exception, so one bad file cannot hide findings from the others.
 */
export function parseFileContent(path: string, content: Buffer, limits: ParseLimits): ParsedFile {
  try {
    return parseChecked(path, content, limits);
  } catch (error) {
    // Every known failure is handled below; this keeps an unknown one local to its file.
    const detail = error instanceof Error ? error.message : String(error);
    return failed(path, 1, `internal error while parsing: ${detail}`);
  }
}

function parseChecked(path: string, content: Buffer, limits: ParseLimits): ParsedFile {
  if (content.length > limits.maxFileBytes) return failed(path, 1, MESSAGES.tooLarge(content.length, limits.maxFileBytes));
  let text = decode(content);
  if (text === undefined) return failed(path, 1, MESSAGES.notUtf8);
  if (text.includes('\u0000')) return failed(path, 1, MESSAGES.binary);
  if (isJsonPath(path)) {
    const comment = findJsonComment(text);
    if (comment !== undefined) return failed(path, lineAt(text, comment), MESSAGES.jsonComment);
  }
  const { text: readable, errors: deepErrors } = withoutDeepDocuments(path, text);
  text = readable;

  const { docs, lineCounter, truncated } = parseYamlStream(text, limits.maxDocuments);
  const file: FileText = { path, text, lineCounter, source: { text, maxDocuments: limits.maxDocuments }, maxAliasNodes: limits.maxAliasNodes };
  const inputs: DocumentInput[] = docs.map((doc, index) => ({
    doc,
    index,
    previousEnd: index === 0 ? 0 : docs[index - 1]!.range[2],
    tree: inspectTree(doc.contents, text, MAX_NESTING_DEPTH),
  }));
  const template = findGoTemplate(text, inputs);
  if (template !== undefined) return failed(path, lineCounter.linePos(template).line, MESSAGES.goTemplate);

  const parsed = parseDocuments(file, inputs);
  parsed.errors.unshift(...deepErrors);
  if (truncated) {
    // The first document not read begins where the last one read ends.
    const lastEnd = docs.at(-1)?.range[2] ?? 0;
    parsed.errors.push({ file: path, line: lineCounter.linePos(lastEnd).line, message: MESSAGES.tooManyDocuments(limits.maxDocuments) });
  }
  return parsed;
}

/**
 * Flow collections nested too deep for the parser are refused before parsing,
 * one document at a time: each such document becomes an error and is blanked
 * (its newlines kept, so every line keeps its number), and the file's other
 * documents are read as usual, as `kubectl apply` would apply them.
 */
function withoutDeepDocuments(path: string, text: string): { text: string; errors: ParsedFile['errors'] } {
  const errors: ParsedFile['errors'] = [];
  for (let deep = findDeepFlow(text, MAX_NESTING_DEPTH); deep !== undefined; deep = findDeepFlow(text, MAX_NESTING_DEPTH)) {
    errors.push({ file: path, line: lineAt(text, deep), message: MESSAGES.tooDeep });
    const [start, end] = documentAround(text, deep);
    text = text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + text.slice(end);
  }
  return { text, errors };
}

/** The span of the YAML document around `offset`: after its `---` marker (if any), up to the next marker. */
function documentAround(text: string, offset: number): [number, number] {
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let end = text.length;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    if (m.index <= offset) start = m.index + m[0].length;
    else {
      end = m.index;
      break;
    }
  }
  return [start, end];
}

function failed(file: string, line: number, message: string): ParsedFile {
  return { resources: [], errors: [{ file, line, message }] };
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
 * template produces, and half a template's objects would make a misleading
 * diff, so the whole file is set aside. `{{` inside strings of valid YAML is
 * data (Prometheus rules, Argo parameters), not a template.
 */
function findGoTemplate(text: string, inputs: readonly DocumentInput[]): number | undefined {
  if (!text.includes('{{')) return undefined;
  for (const { doc, tree } of inputs) {
    if (doc.errors.length > 0) {
      const action = findTemplateAction(text, doc.range[0], doc.range[2]);
      if (action !== undefined) return action;
    }
    const flowMapStart = tree.templateFlowMap?.range?.[0];
    if (flowMapStart !== undefined) return flowMapStart;
  }
  return undefined;
}
