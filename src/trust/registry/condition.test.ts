import { describe, expect, it } from "vitest";
import { TrustError } from "../errors.js";
import type { InTotoStatement } from "../intoto/statement.js";
import { compileCondition } from "./condition.js";

const statement: InTotoStatement = {
  _type: "https://in-toto.io/Statement/v1",
  subject: [{ name: "app", digest: { sha256: "ab" } }],
  predicateType: "https://slsa.dev/provenance/v1",
  predicate: {
    buildDefinition: { buildType: "https://example.com/build/v1", externalParameters: { retries: 2 } },
    runDetails: { builder: { id: "https://ci.example.com" } },
    materials: [{ uri: "git+https://example.com/repo" }],
    ratio: 0.5,
  },
};

describe("compileCondition", () => {
  it.each([
    ['predicate.runDetails.builder.id == "https://ci.example.com"', true],
    ["predicate.buildDefinition.externalParameters.retries == 2", true],
    ["predicate.ratio < 1.0", true],
    ['predicate.materials.exists(m, m.uri.startsWith("git+"))', true],
    ['predicateType == "https://slsa.dev/provenance/v1"', true],
    ['predicate.runDetails.builder.id == "https://evil.example"', false],
  ])("%s → %s", (expression, expected) => {
    expect(compileCondition(expression)(statement).ok).toBe(expected);
  });

  it("fails, with a reason, on a missing field instead of throwing", () => {
    const verdict = compileCondition("predicate.nothing.here == 1")(statement);
    expect(verdict).toMatchObject({
      ok: false,
      message: expect.stringMatching(/failed to evaluate: No such key/),
    });
  });

  it.each(["predicate.(", "1 + 2", 'predicate.x + "a" &&'])("refuses %s at compile time", (expression) => {
    expect(() => compileCondition(expression)).toThrow(TrustError);
    try {
      compileCondition(expression);
    } catch (err) {
      expect((err as TrustError).code).toBe("INVALID_ARGUMENT");
    }
  });

  // Issue 22: matches() backtracked in a JavaScript RegExp on a predicate the signer chose.
  it("matches with RE2, in linear time, on a hostile predicate", () => {
    const hostile = { ...statement, predicate: { id: `team/${"a1".repeat(5000)}_b` } };
    const started = performance.now();
    expect(compileCondition('predicate.id.matches("^team/([a-z0-9]+-?)+$")')(hostile).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("refuses what RE2 refuses, and fails closed when the budget runs out", () => {
    expect(() => compileCondition('predicate.id.matches("(a)\\\\1")')).toThrow(TrustError);
    const many = { ...statement, predicate: { l: Array.from({ length: 3000 }, (_, i) => i) } };
    const result = compileCondition("predicate.l.all(a, predicate.l.exists(b, a == b))")(many);
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining("budget exhausted") });
  });
});
