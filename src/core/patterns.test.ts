import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, compileRegExp, matchGlob } from "./patterns.js";

/** A reference glob matcher by dynamic programming: obviously right, O(n·m). */
function referenceGlob(glob: string, text: string): boolean {
  const g = [...glob];
  const t = [...text];
  let row = new Array<boolean>(t.length + 1).fill(false);
  row[0] = true;
  for (const p of g) {
    const next = new Array<boolean>(t.length + 1).fill(false);
    next[0] = p === "*" && row[0]!;
    for (let j = 1; j <= t.length; j++) {
      next[j] = p === "*" ? row[j]! || next[j - 1]! : row[j - 1]! && (p === "?" || p === t[j - 1]);
    }
    row = next;
  }
  return row[t.length]!;
}

describe("compileRegExp", () => {
  it("matches with RE2 semantics, anchored or anywhere", () => {
    expect(compileRegExp("^team/[a-z]+$").test("team/app")).toBe(true);
    expect(compileRegExp("b").test("abc")).toBe(true);
    expect(compileRegExp("b", { anchored: true }).test("abc")).toBe(false);
    expect(compileRegExp("a|b", { anchored: true }).test("b")).toBe(true);
    expect(compileRegExp("(?i)HELLO").test("say hello")).toBe(true);
  });

  it.each([
    ["backreference", "(a)\\1"],
    ["lookahead", "a(?=b)"],
    ["lookbehind", "(?<!a)b"],
    ["syntax error", "["],
    ["huge repeat", "a{1001}"],
    ["program over the limit", "[a-z]{1,1000}"],
    ["over the length limit", "a".repeat(5000)],
  ])("refuses %s with PATTERN_INVALID", (_, source) => {
    expect(() => compileRegExp(source)).toThrow(expect.objectContaining({ code: "PATTERN_INVALID" }));
  });

  it("decides a pattern that backtracks exponentially in JavaScript quickly", () => {
    const re = compileRegExp("^team/([a-z0-9]+-?)+$");
    const hostile = `team/${"a1".repeat(30)}_b`;
    const started = performance.now();
    expect(re.test(hostile)).toBe(false);
    expect(re.test(`team/${"a1".repeat(5000)}_b`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("compileGlob", () => {
  it.each([
    ["*", "", true],
    ["*", "anything/at all", true],
    ["12*", "12.4-slim", true],
    ["12*", "11", false],
    ["?", "é", true],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXbY", false],
    ["https://github.com/*", "https://github.com/org/repo", true],
    ["*.*", "v1.2", true],
  ])("%j against %j is %s", (glob, text, expected) => {
    expect(compileGlob(glob).test(text)).toBe(expected);
    expect(matchGlob(glob, text)).toBe(expected);
  });

  it("agrees with a reference matcher", () => {
    const alphabet = fc.constantFrom("a", "b", "*", "?");
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.array(fc.constantFrom("a", "b"), { maxLength: 10 }),
        (glob, text) => {
          expect(matchGlob(glob.join(""), text.join(""))).toBe(referenceGlob(glob.join(""), text.join("")));
        },
      ),
      { seed: 22, numRuns: 3000 },
    );
  });

  it("finishes fast with a dozen stars against a long non-matching text", () => {
    const glob = `${"*a".repeat(12)}*b`;
    const started = performance.now();
    expect(matchGlob(glob, "a".repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
