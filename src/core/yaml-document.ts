import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/**
 * A YAML file read so its errors can name `file:line:key` (policies, standards): the parsed document,
 * its first syntax error with the line, and the line and node of a key path as zod or a compiler
 * names it (`["require", "attestations", 0, "condition"]`). One reading of "where is this key", so
 * every YAML the user writes gets the same line for the same mistake.
 */
export interface YamlDocument {
  readonly document: Document.Parsed;
  /** The first syntax error: its message's first line, and the 1-based line where it is. */
  readonly error?: { readonly message: string; readonly line: number };
  /**
   * The 1-based line of the deepest node on `path` that the document has; for a mapping entry, the
   * line of its key (an unknown key is reported where it is written, a value on the next line under
   * the key that holds it).
   */
  lineOf(path: readonly PropertyKey[]): number | undefined;
  /** The node at exactly `path`, when the document has one (a value as written, before toJS). */
  nodeAt(path: readonly PropertyKey[]): Node | undefined;
}

export function parseYamlDocument(text: string): YamlDocument {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const first = document.errors[0];
  const line = (offset: number) => counter.linePos(offset).line;
  return {
    document,
    ...(first
      ? { error: { message: first.message.split("\n")[0] ?? first.message, line: line(first.pos[0]) } }
      : {}),
    lineOf(path) {
      const walk = walkPath(document.contents, path);
      return walk.at === undefined ? undefined : line(walk.at);
    },
    nodeAt(path) {
      const walk = walkPath(document.contents, path);
      return walk.whole ? walk.node : undefined;
    },
  };
}

/** Follows `path` as far as the document goes: the last node reached, the offset to report, and whether the whole path was found. */
function walkPath(
  root: Node | null,
  path: readonly PropertyKey[],
): { node: Node | undefined; at: number | undefined; whole: boolean } {
  let node: Node | undefined = root ?? undefined;
  let at = node?.range?.[0];
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) return { node, at, whole: false };
      const key = pair.key as Node;
      if (key.range) at = key.range[0];
      node = (pair.value ?? undefined) as Node | undefined;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item?.range) return { node, at, whole: false };
      at = item.range[0];
      node = item;
    } else return { node, at, whole: false };
  }
  return { node, at, whole: node !== undefined };
}
