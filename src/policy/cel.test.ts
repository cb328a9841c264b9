import { describe, expect, it } from "vitest";
import { CEL_BUDGET, CelMeter } from "../core/index.js";
import { type CompiledCondition, compileCondition } from "./cel.js";

function compiled(source: string): CompiledCondition {
  const out = compileCondition(source, "custom");
  if (typeof out === "string") throw new Error(out);
  return out;
}

const literalList = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(", ")}]`;

/** Runs and times an evaluation. */
function timed(condition: CompiledCondition, variables: Record<string, unknown>) {
  const started = performance.now();
  const outcome = condition.run(variables);
  return { outcome, ms: performance.now() - started };
}

describe("CEL matches() (issue 22, item 1)", () => {
  it("uses RE2: a pattern that backtracks exponentially in JavaScript decides at once", () => {
    const condition = compiled('image.repository.matches("^team/([a-z0-9]+-?)+$")');
    const { outcome, ms } = timed(condition, { image: { repository: `team/${"a1".repeat(30)}_b` } });
    expect(outcome).toBe(false);
    expect(ms).toBeLessThan(500);
    expect(condition.run({ image: { repository: "team/a1-b2" } })).toBe(true);
  });

  it("finds a match anywhere, as the CEL specification says", () => {
    expect(compiled('"hello world".matches("o w")').run({})).toBe(true);
    expect(compiled('"hello".matches("^ello")').run({})).toBe(false);
  });

  it("refuses at load a literal pattern RE2 cannot run (backreferences, lookaround)", () => {
    expect(compileCondition('image.repository.matches("(a)\\\\1")', "custom")).toMatch(
      /^CEL matches\(\): invalid regular expression \(RE2 syntax/,
    );
    expect(compileCondition('image.repository.matches("a(?=b)")', "custom")).toMatch(/RE2 syntax/);
  });

  it("fails closed on a pattern from the input that RE2 refuses", () => {
    const outcome = compiled("image.repository.matches(image.tag)").run({
      image: { repository: "aa", tag: "(a)\\1" },
    });
    expect(outcome).toEqual({ error: expect.stringContaining("invalid regular expression") });
  });
});

describe("CEL cost at load (issue 22, item 2)", () => {
  it.each([
    [
      "nested comprehensions over literal lists",
      `${literalList(500)}.all(a, ${literalList(500)}.all(b, a + b >= 0))`,
      /costs at least \d+ steps/,
    ],
    [
      "comprehensions over input lists three deep",
      "evidence.scan.findings.all(a, evidence.scan.findings.all(b, evidence.scan.findings.all(c, a == c)))",
      /nests comprehensions over input lists 3 deep/,
    ],
    [
      "a list doubled through cel.bind",
      `cel.bind(a, ${literalList(100)}, ${"cel.bind(a, a + a, ".repeat(12)}size(a) > 0${")".repeat(13)}`,
      /costs at least/,
    ],
    [
      "a string doubled through cel.bind",
      `cel.bind(s, "${"x".repeat(1000)}", ${"cel.bind(s, s + s, ".repeat(19)}size(s) > 0${")".repeat(20)}`,
      /costs at least/,
    ],
  ])("refuses %s", (_, source, problem) => {
    expect(compileCondition(source, "custom")).toMatch(problem);
  });

  it("accepts comprehensions nested two deep over input lists", () => {
    expect(
      typeof compileCondition(
        "evidence.scan.findings.all(a, evidence.scan.findings.exists(b, a.id == b.id))",
        "custom",
      ),
    ).toBe("object");
  });
});

describe("CEL budget at evaluation (issue 22, item 2)", () => {
  const findings = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `CVE-${i}` }));

  it("fails closed quickly when input lists make nested comprehensions too costly", () => {
    const condition = compiled(
      "evidence.scan.findings.all(a, evidence.scan.findings.exists(b, a.id == b.id))",
    );
    expect(condition.run({ evidence: { scan: { findings: findings(20) } } })).toBe(true);
    const { outcome, ms } = timed(condition, { evidence: { scan: { findings: findings(3000) } } });
    expect(outcome).toEqual({ error: expect.stringContaining("budget exhausted") });
    expect(ms).toBeLessThan(1000);
  });

  it("fails closed quickly when an input string is doubled", () => {
    const condition = compiled(
      `cel.bind(s, image.reference, ${"cel.bind(s, s + s, ".repeat(24)}size(s) > 0${")".repeat(25)}`,
    );
    const { outcome, ms } = timed(condition, { image: { reference: "r".repeat(1000) } });
    expect(outcome).toEqual({ error: expect.stringContaining("budget exhausted") });
    expect(ms).toBeLessThan(1000);
  });

  it("fails closed quickly when an input list is doubled", () => {
    const condition = compiled(
      `cel.bind(l, evidence.scan.findings, ${"cel.bind(l, l + l, ".repeat(24)}size(l) > 0${")".repeat(25)}`,
    );
    const { outcome, ms } = timed(condition, { evidence: { scan: { findings: findings(100) } } });
    expect(outcome).toEqual({ error: expect.stringContaining("budget exhausted") });
    expect(ms).toBeLessThan(1000);
  });

  it("charges matches() by text length times pattern size", () => {
    const condition = compiled('image.reference.matches("^([a-z]+-?)+$")');
    const { outcome } = timed(condition, { image: { reference: `${"ab-".repeat(100_000)}!` } });
    expect(outcome).toEqual({ error: expect.stringContaining("budget exhausted") });
  });

  it("shares one meter across the expressions of a decision", () => {
    const condition = compiled(`${literalList(200)}.all(x, x >= 0)`);
    const meter = new CelMeter(CEL_BUDGET);
    let outcomes = 0;
    while (condition.run({}, meter) === true) outcomes++;
    expect(meter.exhausted).toBe(true);
    expect(outcomes).toBeGreaterThan(10);
    expect(condition.run({}, meter)).toEqual({ error: expect.stringContaining("budget exhausted") });
  });

  it("gives an expression run without a meter a budget of its own", () => {
    const condition = compiled(`${literalList(200)}.all(x, x >= 0)`);
    for (let i = 0; i < 100; i++) expect(condition.run({})).toBe(true);
  });
});
