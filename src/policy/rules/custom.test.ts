import { describe, expect, it } from "vitest";
import { DIGEST, decide, policyWith, resultsOf } from "../testing.js";

const evidence = {
  config: { user: "1000", labels: { team: "payments" } },
  scan: { scannedAt: "2026-06-01T10:00:00Z", findings: [{ id: "CVE-1", severity: "LOW" as const }] },
};

describe("custom", () => {
  it.each([
    [
      "image.registry == 'registry.example.com'",
      undefined,
      true,
      "\"image.registry == 'registry.example.com'\" holds",
    ],
    [
      "request.namespace.startsWith('team-')",
      "namespaces start with team-",
      false,
      "namespaces start with team-",
    ],
    ["evidence.config.labels.team == 'payments'", undefined, true, "holds"],
    ["size(evidence.scan.findings) == 0", undefined, false, '"size(evidence.scan.findings) == 0" is false'],
    ["now - timestamp(evidence.scan.scannedAt) < duration('6h')", undefined, true, "holds"],
    ["evidence.signatures.size() > 0", undefined, false, "could not be evaluated: No such key: signatures"],
    ["has(request.annotations) && request.annotations['x'] == 'y'", undefined, false, "is false"],
  ])("%s", (expression, message, passed, reason) => {
    const [result] = resultsOf(
      { custom: [{ name: "check", expression, ...(message ? { message } : {}) }] },
      { evidence },
      "custom",
    );
    expect(result).toMatchObject({ rule: "custom.check", passed });
    expect(result!.reason).toContain(reason);
  });

  // Issue 22, item 1: one Pod locked up the webhook through a backtracking matches().
  it("decides a hostile repository against a backtracking-prone matches() at once", () => {
    const policy = policyWith({
      custom: [{ name: "team", expression: 'image.repository.matches("^team/([a-z0-9]+-?)+$")' }],
    });
    const repository = `team/${"a1".repeat(30)}_b`;
    const started = performance.now();
    const decision = decide(policy, {
      image: { repository, reference: `registry.example.com/${repository}@${DIGEST}` },
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(decision).toMatchObject({ allowed: false, effect: "deny" });
  });

  // Issue 22, item 2: the budget belongs to the decision, not to each expression.
  it("fails closed with the reason when the decision's CEL budget runs out", () => {
    const costly = "request.annotations.all(k, request.annotations.all(j, k != j || k == j))";
    const policy = policyWith({
      custom: [
        { name: "first", expression: costly },
        { name: "second", expression: "true" },
      ],
    });
    const annotations = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`a${i}`, "v"]));
    const started = performance.now();
    const decision = decide(policy, { request: { annotations } });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(decision.allowed).toBe(false);
    expect(decision.rules.map((r) => [r.rule, r.passed])).toEqual([
      ["custom.first", false],
      ["custom.second", false],
    ]);
    expect(decision.rules[0]!.reason).toContain("CEL evaluation budget exhausted");
  });
});
