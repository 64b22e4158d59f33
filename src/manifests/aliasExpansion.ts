import { isAlias, isMap, isNode, isPair, isSeq, type Node } from 'yaml';

/**
 * How many nodes a document's aliases add when expanded: the nodes the loaded
 * value has beyond those written in the text. What is written is already
 * bounded by the file size; what aliases add is not ("billion laughs": nine
 * anchors of nine aliases each expand to 387 million strings), and every walk
 * over the loaded value (hashing, policy evaluation) pays for the expanded
 * tree. So the expansion is what is bounded, not the number of aliases: an
 * anchor used 101 times in a small document is ordinary YAML, which the
 * Kubernetes tools decode (go-yaml, behind kubectl and sigs.k8s.io/yaml, also
 * bounds the share of decoded nodes that come from aliases rather than their
 * count: yaml.v3 decode.go `allowedAliasRatio`).
 *
 * Counted on the syntax tree in document order, each anchor's expanded size
 * computed once: linear in the text, whatever the expansion. Stops as soon as
 * the count passes `limit` (returns a number above it). An alias to an anchor
 * still being read (a node that contains itself) is `'recursive'`: go-yaml
 * refuses those too ("anchor 'x' value contains itself").
 */
export function aliasExpansion(root: unknown, limit: number): number | 'recursive' {
  const walk: Walk = { anchors: new Map(), added: 0, limit, recursive: false };
  if (isNode(root)) sizeOf(walk, root);
  return walk.recursive ? 'recursive' : walk.added;
}

interface Walk {
  /** Expanded size of each anchor's node by name; `undefined` while the node is being read. */
  readonly anchors: Map<string, number | undefined>;
  added: number;
  readonly limit: number;
  recursive: boolean;
}

/** Expanded node count of `node` (1 per scalar, collection and map key). */
function sizeOf(walk: Walk, node: Node): number {
  if (walk.added > walk.limit || walk.recursive) return 0;
  if (isAlias(node)) {
    const size = walk.anchors.get(node.source);
    if (!walk.anchors.has(node.source)) return 1; // unresolved: the loader reports it
    if (size === undefined) {
      walk.recursive = true;
      return 0;
    }
    walk.added += size - 1;
    return size;
  }
  const anchor = node.anchor;
  if (anchor !== undefined) walk.anchors.set(anchor, undefined);
  let size = 1;
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        if (isNode(item.key)) size += sizeOf(walk, item.key);
        if (isNode(item.value)) size += sizeOf(walk, item.value);
      } else if (isNode(item)) size += sizeOf(walk, item);
    }
  }
  if (anchor !== undefined) walk.anchors.set(anchor, size);
  return size;
}
