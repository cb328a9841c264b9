// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell `${...}` syntax under test
import { describe, expect, it } from "vitest";
import { ExpandError, ExpandLimitError, ExpansionBudget, expandWord } from "./expand.js";

const env: Record<string, string> = {
  a: "apple",
  e: "",
  path: "/usr/local/bin",
  file: "x.tar.gz",
  n: "a-b-c",
};
const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);

describe("expandWord", () => {
  const cases: [string, string][] = [
    ["$a", "apple"],
    ["${a}", "apple"],
    ["x${a}y", "xappley"],
    ["$a$a", "appleapple"],
    ["$unset", ""],
    ["$", "$"],
    ["$1x", "x"],
    ["${unset:-def}", "def"],
    ["${e:-def}", "def"],
    ["${e-def}", ""],
    ["${unset-def}", "def"],
    ["${a:-def}", "apple"],
    ["${a:+alt}", "alt"],
    ["${e:+alt}", ""],
    ["${e+alt}", "alt"],
    ["${unset+alt}", ""],
    ["${unset:-$a}", "apple"],
    ["${unset:-${a}-x}", "apple-x"],
    ["${a:?must}", "apple"],
    ["${file#*.}", "tar.gz"],
    ["${file##*.}", "gz"],
    ["${file%.*}", "x.tar"],
    ["${file%%.*}", "x"],
    ["${path#/usr}", "/local/bin"],
    ["${file#nomatch}", "x.tar.gz"],
    ["${n/-/+}", "a+b-c"],
    ["${n//-/+}", "a+b+c"],
    ["${n/?/X}", "X-b-c"],
    ["${path//\\//:}", ":usr:local:bin"],
    ["'$a'", "$a"],
    ['"$a"', "apple"],
    ['"${a} b"', "apple b"],
    ["\\$a", "$a"],
    ['"\\$a"', "$a"],
    ['"a\\b"', "a\\b"],
    ["a\\ b", "a b"],
    ["'a'\"b\"c", "abc"],
  ];
  it.each(cases)("%s → %s", (word, expected) => {
    expect(expandWord(word, lookup, "\\")).toBe(expected);
  });

  it("uses the backtick escape", () => {
    expect(expandWord("`$a", lookup, "`")).toBe("$a");
    expect(expandWord("\\$a", lookup, "`")).toBe("\\apple");
  });

  const errors: [string, RegExp][] = [
    ["${unset:?must be set}", /^unset: must be set$/],
    ["${unset?}", /^unset: is not allowed to be unset$/],
    ["${e:?}", /^e: is not allowed to be empty$/],
    ["${a", /missing '}'/],
    ["${}", /bad substitution/],
    ["${a:-x", /missing '}'/],
    ["${a/x", /missing '\/'/],
    ["${a!}", /unsupported modifier/],
    ["'abc", /single-quote/],
    ['"abc', /double-quote/],
  ];
  it.each(errors)("%s fails", (word, message) => {
    expect(() => expandWord(word, lookup, "\\")).toThrow(ExpandError);
    expect(() => expandWord(word, lookup, "\\")).toThrow(message);
  });
});

describe("expandWord on hostile input", () => {
  it("removes a `*a*a*…b` prefix in linear time (issue 22: a 112-byte Dockerfile hung lint)", () => {
    const value = { A: "a".repeat(64) } as Record<string, string>;
    const started = performance.now();
    expect(expandWord("${A#*a*a*a*a*a*a*a*a*a*a*a*a*b}", (n) => value[n], "\\")).toBe(value.A);
    expect(expandWord("${A%%*a*a*a*a*a*a*a*a*a*a*a*a*b}", (n) => value[n], "\\")).toBe(value.A);
    expect(expandWord("${A//*a*a*a*a*a*a*a*a*a*a*a*a*b/x}", (n) => value[n], "\\")).toBe(value.A);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("refuses a word that expands past the length limit, and a spent budget", () => {
    const big = { A: "x".repeat(40_000) } as Record<string, string>;
    expect(() => expandWord("$A$A", (n) => big[n], "\\")).toThrow(ExpandLimitError);
    const budget = new ExpansionBudget(100_000);
    expandWord("$A", (n) => big[n], "\\", budget);
    expandWord("$A", (n) => big[n], "\\", budget);
    expect(() => expandWord("$A", (n) => big[n], "\\", budget)).toThrow(ExpandLimitError);
  });
});
