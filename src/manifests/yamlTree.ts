import { isAlias, isMap, isNode, isPair, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';

export interface TreeFindings {
  /** The first node nested deeper than the limit; when set, the walk stopped there. */
  tooDeep?: Node;
  /** Keys repeated in their map (the later occurrences). */
  duplicateKeys: Node[];
  /** A flow map opening with `{{` (see isTemplateFlowMap). */
  templateFlowMap?: Node;
  /** Whether an alias was seen: without one, loading adds no node (aliasExpansion is 0). */
  aliases: boolean;
}

/**
 * One pass over a document for the checks that need every node: nesting
 * depth, duplicate keys and misplaced Go template actions. Duplicate keys
 * are found here rather than by the parser's `uniqueKeys`, which compares
 * each key with all before it: quadratic, so a 2 MB map of distinct keys
 * would take minutes.
 *
 * Nodes are visited depth first in document order (a pair's key, then its
 * value), the document's root at depth 0; a pair is not a level of its own.
 * The walk recurses, which is safe because it stops at the first node deeper
 * than `maxDepth`: the recursion never goes more than `maxDepth` + 1 frames
 * deep, however deep the input nests. Aliases are not followed (nesting built
 * through aliases is measured on the loaded value, see canonicalHash).
 */
export function inspectTree(root: unknown, text: string, maxDepth: number): TreeFindings {
  const walk: Walk = { text, maxDepth, findings: { duplicateKeys: [], aliases: false } };
  if (isNode(root)) visit(walk, root, 0);
  return walk.findings;
}

interface Walk {
  readonly text: string;
  readonly maxDepth: number;
  readonly findings: TreeFindings;
}

/** True when the walk must stop (a node too deep was found). */
function visit(walk: Walk, node: Node, depth: number): boolean {
  if (depth > walk.maxDepth) {
    walk.findings.tooDeep = node;
    return true;
  }
  if (isMap(node)) {
    if (node.items.length > 1) pushRepeatedKeys(node, walk.findings.duplicateKeys);
    if (walk.findings.templateFlowMap === undefined && isTemplateFlowMap(node, walk.text)) walk.findings.templateFlowMap = node;
    for (const pair of node.items) if (visitPair(walk, pair, depth + 1)) return true;
  } else if (isSeq(node)) {
    for (const item of node.items) {
      // Sequences hold nodes, except under YAML 1.1's !!omap and !!pairs, which hold pairs.
      if (isPair(item) ? visitPair(walk, item, depth + 1) : isNode(item) && visit(walk, item, depth + 1)) return true;
    }
  } else if (isAlias(node)) walk.findings.aliases = true;
  return false;
}

/** A pair's key and value sit at the depth of the map's items. */
function visitPair(walk: Walk, pair: { key: unknown; value: unknown }, depth: number): boolean {
  if (isNode(pair.key) && visit(walk, pair.key, depth)) return true;
  return isNode(pair.value) && visit(walk, pair.value, depth);
}

/** Up to this many keys a map is checked by comparing each key with those before it: no Set to allocate. */
const SMALL_MAP = 12;

/**
 * Scalar keys equal in value and type to an earlier key of the same map (what
 * YAML's uniqueKeys means; values compared as a Set would, so `.nan` twice is
 * a duplicate), appended to `out` in map order.
 */
function pushRepeatedKeys(map: YAMLMap, out: Node[]): void {
  const items = map.items;
  if (items.length <= SMALL_MAP) {
    for (let i = 1; i < items.length; i++) {
      const key = items[i]!.key;
      if (!isScalar(key)) continue;
      const value = key.value;
      for (let j = 0; j < i; j++) {
        // Values first: collections and aliases have none (undefined, which no scalar has), and mostly they differ.
        const earlier = items[j]!.key as { value?: unknown };
        if (sameValueZero(earlier.value, value) && isScalar(earlier)) {
          out.push(key);
          break;
        }
      }
    }
    return;
  }
  const seen = new Set<unknown>();
  for (const pair of items) {
    if (!isScalar(pair.key)) continue;
    if (seen.has(pair.key.value)) out.push(pair.key);
    else seen.add(pair.key.value);
  }
}

/** Equality as Set and Map use it: like `===`, except that NaN equals NaN. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
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
