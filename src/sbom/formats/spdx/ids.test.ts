import { describe, expect, it } from "vitest";
import { IdAllocator, sanitiseIdString } from "./ids.js";

describe("SPDX ids", () => {
  it.each([
    ["Package-npm-@babel/core-7.24.0", "Package-npm-babel-core-7.24.0"],
    ["a  b", "a-b"],
    ["日本語", "x"],
    ["-edge-", "edge"],
    ["x".repeat(500), "x".repeat(200)],
  ])("sanitises %j", (input, expected) => {
    expect(sanitiseIdString(input)).toBe(expected);
  });

  it("makes clashing ids unique", () => {
    const ids = new IdAllocator("SPDXRef-");
    expect(["a b", "a-b", "a/b", "a-b-2"].map((t) => ids.next(t))).toEqual([
      "SPDXRef-a-b",
      "SPDXRef-a-b-2",
      "SPDXRef-a-b-3",
      "SPDXRef-a-b-2-2",
    ]);
  });
});
