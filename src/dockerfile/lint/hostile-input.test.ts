// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile `${...}` syntax under test
/**
 * Issue 22's Dockerfiles that hung `lint`, exhausted its heap or hid a finding. Each is linted with
 * every rule and must finish within the issue's budget (a file up to 1 MB in 2 s) and the linter's memory
 * budget (`LINT_MEMORY`, peak live bytes). Time is the CPU time the call used: on this 2-core machine
 * shared by several test runs, wall time measured three times the CPU time, which says nothing about the
 * input.
 */
import { describe, expect, it } from "vitest";
import { withinBudget } from "../../../test/support/budget.js";
import { type LintResult, lintText, MAX_DOCKERFILE_BYTES } from "./lint.js";
import { LINT_MEMORY } from "./testing.js";

/**
 * CPU budget of each case: twice the issue's 2 s, because the RUN-only worst case sits near 2 s here
 * (the shell parser, about 19 µs a RUN; the property test holds generated files to 2 s). The old code
 * took 19 to 86 s or never finished, so a quadratic regression still fails by an order of magnitude.
 */
const BUDGET_MS = 4000;

/**
 * Lints with every rule within `LINT_MEMORY`; `ms` is CPU time, which each case holds to its budget. Wall
 * time only guards against a hang (20 s, any load).
 */
function timedLint(text: string): { result: LintResult; ms: number } {
  const { value, usage } = withinBudget(
    { what: "lintText", size: Buffer.byteLength(text) },
    { wallMs: 20_000, memoryBytes: LINT_MEMORY },
    () => lintText(text, { file: "Dockerfile" }),
  );
  return { result: value, ms: usage.cpuMs };
}

const lines = (count: number, line: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => line(i)).join("\n");

const rules = (result: LintResult) => new Set(result.findings.map((f) => f.rule));

describe("lint on hostile Dockerfiles (issue 22)", () => {
  it("a 112-byte Dockerfile with a backtracking shell pattern", () => {
    const text = `FROM scratch\nENV A=${"a".repeat(40)}\nENV B=\${A#*a*a*a*a*a*a*a*a*a*a*a*a*b}\n`;
    const { result, ms } = timedLint(text);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(result.findings.filter((f) => f.message.startsWith("internal error"))).toEqual([]);
  });

  it("20,000 ENV lines do not copy the variable map each time (4.3 GB before)", () => {
    const text = `FROM debian:12\n${lines(20_000, (i) => `ENV VAR_${i}=value-${i}`)}\nUSER $VAR_19999\n`;
    const { result, ms } = timedLint(text); // 4.3 GB is far over LINT_MEMORY's 77 MiB for its 0.5 MB
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(result.findings.some((f) => f.rule === "PC000")).toBe(false);
  });

  it("10,000 stages, each built FROM the one before (19.6 s before)", () => {
    const text = lines(10_000, (i) => `FROM ${i === 0 ? "debian:12" : `s${i - 1}`} AS s${i}\nRUN a | b`);
    const { result, ms } = timedLint(text);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(rules(result).has("PC145")).toBe(true);
  });

  it("30,000 RUN lines in one stage (80,000 took 86 s)", () => {
    const text = `FROM debian:12\n${lines(30_000, (i) => `RUN pip install p${i}`)}\n`;
    const { result, ms } = timedLint(text);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(rules(result).has("PC127")).toBe(true);
  });

  it("36,000 ignore comments above one instruction (80,000 took 51 s)", () => {
    const text = `FROM debian:12\n${lines(36_000, () => "# portcullis ignore=PC109")}\nRUN apt-get install x\n`;
    const { result, ms } = timedLint(text);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(result.suppressed).toBeGreaterThan(0);
  });

  it("refuses a 10 MB Dockerfile with PC000 at once (the size limit is 1 MiB)", () => {
    expect(MAX_DOCKERFILE_BYTES).toBe(1024 * 1024);
    const { result, ms } = timedLint(`FROM debian:12\n${"RUN true\n".repeat(1_200_000)}`);
    expect(ms).toBeLessThan(10_000);
    expect(result.findings.map((f) => f.rule)).toEqual(["PC000"]);
    expect(result.findings[0]?.message).toMatch(/larger than the 1 MiB limit/);
  });

  it("reports an expansion past its limit as PC151 at its instruction (values doubling to gigabytes)", () => {
    const doubling = lines(40, () => "ENV A=$A$A");
    const { result, ms } = timedLint(`FROM debian:12\nENV A=${"x".repeat(64)}\n${doubling}\nUSER $A\n`);
    expect(ms).toBeLessThan(BUDGET_MS);
    const limits = result.findings.filter((f) => f.rule === "PC151");
    expect(limits.length).toBeGreaterThan(0);
    expect(limits[0]?.message).toMatch(
      /^ENV is too complex to analyse: the word expands to over 65536 characters/,
    );
  });

  it("shares one expansion budget across every FROM line", () => {
    const from = lines(2_000, () => `FROM \${A//*a*a*a*a*a*a*a*a*a*a*a*b/x}`);
    const { result, ms } = timedLint(`ARG A=${"a".repeat(20_000)}\n${from}\n`);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(result.findings.map((f) => f.rule)).toEqual(["PC000"]);
    expect(result.findings[0]?.message).toMatch(/too complex/);
  });

  it("sees `curl | sh` inside nested subshells: RUN ((curl … | sh)) (dash runs it)", () => {
    const { result } = timedLint("FROM debian:12\nRUN ((curl -fsSL https://x.example/i.sh | sh))\n");
    expect(rules(result).has("PC107")).toBe(true);
  });

  it("reports 33 levels of nested $( ) as too complex to analyse instead of nothing", () => {
    const deep = `${"echo $(".repeat(33)}curl -fsSL https://x.example/i.sh | sh${")".repeat(33)}`;
    const { result } = timedLint(`FROM debian:12\nRUN ${deep}\n`);
    const found = rules(result);
    expect(found.has("PC107") || found.has("PC151")).toBe(true);
    const deeper = `${"echo $(".repeat(300)}true${")".repeat(300)}`;
    expect(rules(timedLint(`FROM debian:12\nRUN ${deeper}\n`).result).has("PC151")).toBe(true);
  });
});
