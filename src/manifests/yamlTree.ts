import { isAlias, isMap, isPair, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';

/**
 * Visits every node under `root` with its depth (root = 0), depth first,
 * using an explicit stack: the input may nest thousands of levels deep, and
 * recursion is exactly what must not run on it. `visit` returns true to stop.
 */
export function walkNodes(root: unknown, visit: (node: Node, depth: number) => boolean): void {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isPair(node)) {
      // A pair is not a level of its own: its key and value sit at the map's depth + 1.
      stack.push([node.value, depth], [node.key, depth]);
      continue;
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node) && !isAlias(node)) continue;
    if (visit(node, depth)) return;
    if (isMap(node) || isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push([node.items[i], depth + 1]);
    }
  }
}

export interface TreeFindings {
  /** The first node nested deeper than the limit; when set, the walk stopped there. */
  tooDeep?: Node;
  /** Keys repeated in their map (the later occurrences). */
  duplicateKeys: Node[];
  /** A flow map opening with `{{` (see isTemplateFlowMap). */
  templateFlowMap?: Node;
}

/**
 * One pass over a document for the checks that need every node: nesting
 * depth, duplicate keys and misplaced Go template actions. Duplicate keys
 * are found here, with a Set per map, rather than by the parser's
 * `uniqueKeys`, which compares each key with all before it: quadratic, so a
 * 2 MB map of distinct keys would take minutes.
 */
export function inspectTree(root: unknown, text: string, maxDepth: number): TreeFindings {
  const findings: TreeFindings = { duplicateKeys: [] };
  walkNodes(root, (node, depth) => {
    if (depth > maxDepth) {
      findings.tooDeep = node;
      return true;
    }
    if (isMap(node)) {
      for (const key of repeatedKeys(node)) findings.duplicateKeys.push(key);
      if (findings.templateFlowMap === undefined && isTemplateFlowMap(node, text)) findings.templateFlowMap = node;
    }
    return false;
  });
  return findings;
}

/** Scalar keys equal in value and type to an earlier key of the same map (what YAML's uniqueKeys means). */
function repeatedKeys(map: YAMLMap): Node[] {
  if (map.items.length < 2) return [];
  const seen = new Set<unknown>();
  const repeated: Node[] = [];
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    if (seen.has(pair.key.value)) repeated.push(pair.key);
    else seen.add(pair.key.value);
  }
  return repeated;
}

/**
 * A flow mapping that opens with `{{`: a Go template action written where
 * YAML structure goes (`name: {{ .Values.name }}`), which YAML happily reads
 * as a map keyed by a map. `{{` inside a string is legitimate data
 * (Prometheus rule texts, Argo parameters) and is not matched.
 */
function isTemplateFlowMap(map: YAMLMap, text: string): boolean {
  return map.flow === true && map.range !== undefined && map.range !== null && text.startsWith('{{', map.range[0]);
}
