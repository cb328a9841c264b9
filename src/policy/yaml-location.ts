import { isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

/**
 * The 1-based line of the deepest node on `path` that exists in the YAML document; for a mapping
 * entry, the line of its key (an unknown key is reported where it is written).
 */
export function lineOf(
  root: Node | null,
  path: readonly PropertyKey[],
  counter: LineCounter,
): number | undefined {
  let node: unknown = root;
  let line = root?.range ? counter.linePos(root.range[0]).line : undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      const key = pair.key as Node;
      if (key.range) line = counter.linePos(key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item?.range) break;
      line = counter.linePos(item.range[0]).line;
      node = item;
    } else break;
  }
  return line;
}
