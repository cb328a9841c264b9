import { describe, expect, it } from "vitest";
import { isScalar } from "yaml";
import { parseYamlDocument } from "./yaml-document.js";

const TEXT = [
  "rules:", // 1
  "  first:", // 2
  "    list:", // 3
  "      - a", // 4
  "      -", // 5
  "        name: b", // 6
  "        version: 1.10", // 7
  "  second: {}", // 8
].join("\n");

describe("parseYamlDocument", () => {
  const yaml = parseYamlDocument(TEXT);

  it.each([
    [[], 1],
    [["rules"], 1],
    [["rules", "first"], 2],
    // A value written under its key is reported at the key, where a person looks for it.
    [["rules", "first", "list"], 3],
    [["rules", "first", "list", 0], 4],
    [["rules", "first", "list", 1], 6],
    [["rules", "first", "list", 1, "version"], 7],
    // A key the document lacks: the deepest one it has (an unknown key is found where it is written).
    [["rules", "second", "missing"], 8],
    [["rules", "first", "list", 9], 3],
    [["nowhere", "at", "all"], 1],
  ] as const)("finds %j at line %d", (path, line) => {
    expect(yaml.lineOf(path)).toBe(line);
  });

  it("gives the node at a whole path only, as written", () => {
    const version = yaml.nodeAt(["rules", "first", "list", 1, "version"]);
    expect(isScalar(version) && version.source).toBe("1.10");
    expect(yaml.nodeAt(["rules", "first", "list", 1, "missing"])).toBeUndefined();
    expect(yaml.error).toBeUndefined();
  });

  it("reports the first syntax error on one line, with its line", () => {
    const broken = parseYamlDocument("ok: 1\nlist: [\n");
    expect(broken.error?.line).toBe(3);
    expect(broken.error?.message).not.toContain("\n");
  });

  it("reads an empty document", () => {
    const empty = parseYamlDocument("");
    expect(empty.document.toJS()).toBeNull();
    expect(empty.lineOf(["a"])).toBeUndefined();
  });
});
