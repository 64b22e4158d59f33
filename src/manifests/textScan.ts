/**
 * Offset of the first comment (`//`, `/*`, or YAML's `#`) outside a JSON
 * string, if any. The YAML parser would quietly accept some of them, but
 * kubectl and every JSON tool reject the file, so it must not pass here.
 */
export function findJsonComment(text: string): number | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '#' || (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*'))) {
      return i;
    }
  }
  return undefined;
}

/**
 * Offset of the first `{{` in `text[from, to)` that is not inside a YAML
 * comment. The comment test is by line (a `#` at line start or after a
 * space), which can be fooled by a `#` in a quoted string; it only decides
 * which message a file that already fails to parse gets.
 */
export function findTemplateAction(text: string, from = 0, to = text.length): number | undefined {
  let at = text.indexOf('{{', from);
  while (at >= 0 && at < to) {
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    if (!/(^|\s)#/.test(text.slice(lineStart, at))) return at;
    at = text.indexOf('{{', at + 2);
  }
  return undefined;
}

/** 1-based line of `offset`; for errors found before the YAML parser (and its line counter) runs. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
