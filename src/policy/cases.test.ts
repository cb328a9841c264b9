import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePolicyCase, runPolicyCases } from "./cases.js";
import { PolicyError } from "./errors.js";
import { parsePolicy } from "./load.js";

const EXAMPLES = new URL("../../examples/policies/", import.meta.url);
const CASES = new URL("cases/", EXAMPLES);

function readCases() {
  return readdirSync(CASES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => parsePolicyCase(readFileSync(new URL(f, CASES), "utf8"), f));
}

describe("runPolicyCases", () => {
  const policy = parsePolicy(readFileSync(new URL("full.yaml", EXAMPLES)), "full.yaml");

  it("passes every recorded case of examples/policies/cases against full.yaml", () => {
    const cases = readCases();
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const report = runPolicyCases(policy, cases);
    const failures = report.results
      .filter((r) => !r.passed)
      .map((r) => `${r.file}: ${r.mismatches.join("; ")}`);
    expect(failures).toEqual([]);
    expect(report).toMatchObject({ passed: cases.length, failed: 0 });
  });

  it("reports each mismatch", () => {
    const [compliant] = readCases();
    const wrong = {
      ...compliant!,
      expect: { allowed: false, rules: { signedBy: false, labels: true }, reasonIncludes: ["nope"] },
    };
    const [result] = runPolicyCases(policy, [wrong]).results;
    expect(result!.passed).toBe(false);
    expect(result!.mismatches).toEqual([
      "allowed: expected false, got true",
      "rules.signedBy: expected false, got true",
      "rules.labels: expected a result, the decision has none",
      'reason: expected to include "nope"',
    ]);
  });
});

describe("parsePolicyCase", () => {
  it.each([
    ["{", "bad.json: invalid JSON"],
    ["{}", "bad.json: name:"],
    [
      JSON.stringify({
        name: "n",
        now: "2026-01-01T00:00:00Z",
        input: { image: {}, request: { kind: "ci" }, evidence: {} },
        expect: {},
      }),
      "bad.json: input.image.reference:",
    ],
    [
      JSON.stringify({
        name: "n",
        now: "soon",
        input: {
          image: { reference: "a", registry: "b", repository: "c" },
          request: { kind: "ci" },
          evidence: {},
        },
        expect: {},
      }),
      "bad.json: now: expected an RFC 3339 time",
    ],
    [
      JSON.stringify({
        name: "n",
        now: "2026-01-01T00:00:00Z",
        input: {
          image: { reference: "a", registry: "b", repository: "c" },
          request: { kind: "pull" },
          evidence: {},
        },
        expect: {},
      }),
      "bad.json: input.request.kind:",
    ],
  ])("refuses %s", (text, message) => {
    try {
      parsePolicyCase(text, "bad.json");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).code).toBe("CASE_INVALID");
      expect((err as PolicyError).message.startsWith(message)).toBe(true);
    }
  });
});
