import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ExpandError,
  ExpandLimitError,
  ExpansionBudget,
  replaceMatches,
  trimPrefix,
  trimSuffix,
} from "./pattern.js";

/**
 * The reference: BuildKit's own translation of a shell pattern to a (Go) regexp, run here as a
 * JavaScript RegExp, which agrees with Go's leftmost-first search on these patterns. Only for the tiny
 * inputs below: on `*a*a*a…b` it backtracks for ever, which is the bug the NFA fixes.
 */
function referenceRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? "^" : "";
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i] as string;
    if (tok === "*") out += greedy ? "[^\\n]*" : "[^\\n]*?";
    else if (tok === "?") out += "[^\\n]";
    else if (tok === "\\") {
      const peek = chars[i + 1];
      if (peek === "}" || peek === "/") continue;
      if (peek !== "*" && peek !== "?" && peek !== "\\") throw new Error("invalid escape");
      out += `\\${peek}`;
      i++;
    } else if (/[[\]{}.+()|^$]/.test(tok)) out += `\\${tok}`;
    else out += tok;
  }
  return new RegExp(out, anchored ? "u" : "gu");
}

const reverse = (s: string) => Array.from(s).reverse().join("");

function referenceTrimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = referenceRegex(pattern, greedy, true).exec(value);
  return m === null ? value : value.slice(m[0].length);
}

function referenceTrimSuffix(pattern: string, value: string, greedy: boolean): string {
  // Reversing the compiled pattern equals reversing the atoms; here the patterns have no escapes.
  return reverse(referenceTrimPrefix(reverse(pattern), reverse(value), greedy));
}

/** Go's ReplaceAllString loop (regexp.go `replaceAll`) over a JavaScript RegExp. */
function referenceReplace(pattern: string, value: string, replacement: string, all: boolean): string {
  const re = referenceRegex(pattern, true, false);
  const chars = Array.from(value);
  const offsets = [0];
  for (const c of chars) offsets.push((offsets.at(-1) as number) + c.length);
  const toIndex = (offset: number) => offsets.indexOf(offset);
  let out = "";
  let lastEnd = 0;
  let search = 0;
  while (search <= chars.length) {
    re.lastIndex = offsets[search] as number;
    const m = re.exec(value);
    if (m === null) break;
    const start = toIndex(m.index);
    const end = toIndex(m.index + m[0].length);
    out += chars.slice(lastEnd, start).join("");
    if (end > lastEnd || start === 0) out += replacement;
    lastEnd = end;
    if (!all) break;
    search = end > search ? end : search + 1;
  }
  return out + chars.slice(lastEnd).join("");
}

const budget = () => new ExpansionBudget();

describe("shell patterns", () => {
  it.each([
    ["*.", "x.tar.gz", false, "tar.gz"],
    ["*.", "x.tar.gz", true, "gz"],
    ["/usr", "/usr/local", false, "/local"],
    ["nomatch", "x", false, "x"],
    ["\\*", "*a", false, "a"],
    ["[a]", "[a]b", false, "b"],
    ["*", "ab\ncd", true, "\ncd"],
    ["?", "😀x", false, "x"],
  ] as const)("#%s on %j (greedy %s) → %j", (pattern, value, greedy, expected) => {
    expect(trimPrefix(pattern, value, greedy, budget())).toBe(expected);
  });

  it.each([
    [".*", "x.tar.gz", false, "x.tar"],
    [".*", "x.tar.gz", true, "x"],
    ["x?", "axé", false, "a"],
  ] as const)("%%%s on %j (greedy %s) → %j", (pattern, value, greedy, expected) => {
    expect(trimSuffix(pattern, value, greedy, budget())).toBe(expected);
  });

  it.each([
    ["-", "a-b-c", false, "a+b-c"],
    ["-", "a-b-c", true, "a+b+c"],
    ["*", "apple", true, "+"],
    ["x*", "axxbx", true, "a+"],
    ["", "ab", true, "+a+b+"],
  ] as const)("/%s/+ on %j (all %s) → %j", (pattern, value, all, expected) => {
    expect(replaceMatches(pattern, value, "+", all, budget())).toBe(expected);
  });

  it("refuses an invalid escape", () => {
    expect(() => trimPrefix("a\\b", "ab", false, budget())).toThrow(ExpandError);
  });

  it("matches `*a*a*a…b` in linear time (issue 22: a backtracking RegExp hung on 112 bytes)", () => {
    const pattern = `${"*a".repeat(12)}*b`;
    const value = "a".repeat(64);
    const started = performance.now();
    expect(trimPrefix(pattern, value, false, budget())).toBe(value);
    expect(trimSuffix(pattern, value, true, budget())).toBe(value);
    expect(replaceMatches(pattern, value, "x", true, budget())).toBe(value);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("stops with ExpandLimitError when the budget runs out, however long the pattern", () => {
    const pattern = "*a".repeat(5000);
    const value = "a".repeat(60_000);
    const started = performance.now();
    expect(() => replaceMatches(pattern, value, "x", true, budget())).toThrow(ExpandLimitError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  describe("agrees with BuildKit's regexp translation", () => {
    const pattern = fc
      .array(fc.constantFrom("a", "b", "*", "?", "é", "😀"), { maxLength: 6 })
      .map((p) => p.join(""));
    const value = fc
      .array(fc.constantFrom("a", "b", "\n", "é", "😀"), { maxLength: 9 })
      .map((v) => v.join(""));

    it("for # ## % %%", () => {
      fc.assert(
        fc.property(pattern, value, fc.boolean(), (p, v, greedy) => {
          expect(trimPrefix(p, v, greedy, budget())).toBe(referenceTrimPrefix(p, v, greedy));
          expect(trimSuffix(p, v, greedy, budget())).toBe(referenceTrimSuffix(p, v, greedy));
        }),
        { numRuns: 3000 },
      );
    });

    it("with escapes (`\\*`, `\\?`, `\\\\`, `\\}`, `\\/`), for # ## / //", () => {
      const escaped = fc
        .array(fc.constantFrom("a", "*", "?", "\\*", "\\?", "\\\\", "\\}", "\\/", "}", "/"), { maxLength: 6 })
        .map((p) => p.join(""));
      const text = fc
        .array(fc.constantFrom("a", "*", "?", "\\", "}", "/"), { maxLength: 8 })
        .map((v) => v.join(""));
      fc.assert(
        fc.property(escaped, text, fc.boolean(), (p, v, flag) => {
          expect(trimPrefix(p, v, flag, budget())).toBe(referenceTrimPrefix(p, v, flag));
          expect(replaceMatches(p, v, "+", flag, budget())).toBe(referenceReplace(p, v, "+", flag));
        }),
        { numRuns: 2000 },
      );
    });

    it("for / and //", () => {
      fc.assert(
        fc.property(pattern, value, fc.boolean(), (p, v, all) => {
          expect(replaceMatches(p, v, "+", all, budget())).toBe(referenceReplace(p, v, "+", all));
        }),
        { numRuns: 3000 },
      );
    });
  });
});
