import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

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

/** The first node nested deeper than `maxDepth`, if any. */
export function findTooDeep(root: unknown, maxDepth: number): Node | undefined {
  let found: Node | undefined;
  walkNodes(root, (node, depth) => {
    if (depth > maxDepth) found = node;
    return found !== undefined;
  });
  return found;
}

/**
 * A flow mapping that opens with `{{`: a Go template action written where
 * YAML structure goes (`name: {{ .Values.name }}`), which YAML happily reads
 * as a map keyed by a map. `{{` inside a string is legitimate data
 * (Prometheus rule texts, Argo parameters) and is not matched.
 */
export function findTemplateFlowMap(root: unknown, text: string): Node | undefined {
  let found: Node | undefined;
  walkNodes(root, (node) => {
    if (isMap(node) && node.flow && node.range) {
      const start = node.range[0];
      if (text.startsWith('{{', start)) found = node;
    }
    return found !== undefined;
  });
  return found;
}
