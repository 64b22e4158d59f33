import { CST, Composer, Lexer, LineCounter, Parser, type Document } from 'yaml';

export interface YamlStream {
  docs: Document.Parsed[];
  lineCounter: LineCounter;
  /** True when the file has more than `maxDocuments` documents (the rest were not parsed). */
  truncated: boolean;
}

/**
 * `parseAllDocuments` unrolled (the same Parser and Composer it uses), so
 * that composing stops after `maxDocuments` + 1 documents: a file of half a
 * million `---` must cost what the limit allows, not what the file asks.
 */
export function parseYamlStream(text: string, maxDocuments: number): YamlStream {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  // Duplicate keys are found later in linear time (see inspectTree); the built-in check is quadratic.
  const composer = new Composer({ uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  let truncated = false;
  withParserGlobals(() => {
    for (const doc of composer.compose(parser.parse(text))) {
      if (docs.length === maxDocuments) {
        truncated = true;
        break;
      }
      docs.push(doc);
    }
  });
  return { docs, lineCounter, truncated };
}

/**
 * Two globals set for the parse, and restored whatever happens. Safe to flip
 * globally because the parse is synchronous: no other code runs meanwhile.
 *
 * - Garbage input makes the parser create one error per bad token (millions
 *   for a few MB), and each Error captures a stack trace: skipping those
 *   divides time and memory by about three.
 * - yaml's Parser reads `process.env.LOG_TOKENS` for every token (and its
 *   Composer `LOG_STREAM` for every document part), debugging switches. On
 *   Node each read of `process.env` is a call into the C++ environment
 *   accessor: about a fifth of the whole parse. A plain copy of the
 *   environment in its place makes each read a property load; being a copy,
 *   those switches still work when set.
 */
function withParserGlobals(run: () => void): void {
  const savedLimit = Error.stackTraceLimit;
  const savedEnv = process.env;
  Error.stackTraceLimit = 0;
  process.env = { ...savedEnv };
  try {
    run();
  } finally {
    process.env = savedEnv;
    Error.stackTraceLimit = savedLimit;
  }
}

/** Lexer tokens that mark structure and are not characters of the source. */
const NON_SOURCE_TOKENS = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/**
 * Offset of the first flow bracket (`[` or `{`) nested deeper than
 * `maxDepth`, found with the YAML lexer itself (so brackets in strings,
 * comments and block scalars do not count) before the parser runs: deep flow
 * nesting costs the parser gigabytes long before its own recursion guard.
 * Most files have too few brackets to get that deep, and skip the lexing.
 */
export function findDeepFlow(text: string, maxDepth: number): number | undefined {
  if (!moreBracketsThan(text, maxDepth)) return undefined;
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth++;
      if (depth > maxDepth) return offset;
    } else if ((token === ']' || token === '}') && depth > 0) {
      depth--;
    }
    if (!NON_SOURCE_TOKENS.has(token)) offset += token.length;
  }
  return undefined;
}

/** Whether the text holds more than `max` opening brackets; stops counting there (indexOf scans fast). */
function moreBracketsThan(text: string, max: number): boolean {
  let count = 0;
  for (const bracket of ['[', '{']) for (let i = text.indexOf(bracket); i >= 0; i = text.indexOf(bracket, i + 1)) if (++count > max) return true;
  return false;
}
