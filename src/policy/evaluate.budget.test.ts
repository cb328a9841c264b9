import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { withinBudget } from "../../test/support/budget.js";
import type { Decision } from "./decision.js";
import { evaluate } from "./evaluate.js";
import type { PolicyInput } from "./facts.js";
import { parsePolicy } from "./load.js";
import type { Policy } from "./model.js";
import { DECISION_BUDGET_MS, DECISION_MEMORY, failedClosed, fastestCpuMs, NOW, overTime } from "./testing.js";

/**
 * Issue 22: any policy that loads evaluates any admission input in under 10 ms of CPU or fails closed,
 * and within a memory budget linear in the input (`DECISION_MEMORY`), asserted for every generated pair.
 * Policies are drawn from the shapes that hung or blew up before (backtracking-prone `matches()`,
 * patterns taken from the input, nested comprehensions, doubling, globs full of stars) and inputs
 * from the sizes an attacker controls (long names, many labels, annotations, findings, materials).
 */

const DIGEST = `sha256:${"a".repeat(64)}`;
const PROVENANCE = "https://slsa.dev/provenance/v1";

const doubling = (start: string, times: number) =>
  `cel.bind(s, ${start}, ${"cel.bind(s, s + s, ".repeat(times)}size(s) > 0${")".repeat(times + 1)}`;

const expression = fc.oneof(
  fc
    .constantFrom("^team/([a-z0-9]+-?)+$", "(a+)+$", "(a|aa)+b", "^(\\\\w+\\\\s?)*$", "^([a-z]+-?)+_b$")
    .map((re) => `image.repository.matches("${re}")`),
  fc.constant("image.repository.matches(image.tag)"),
  fc.constant("evidence.config.labels.exists(k, image.repository.matches(evidence.config.labels[k]))"),
  fc.constant("request.annotations.all(k, request.annotations.exists(j, k == j))"),
  fc.constant("evidence.scan.findings.all(a, evidence.scan.findings.exists(b, a.id == b.id))"),
  fc.constant("evidence.scan.findings.map(f, f.id + f.id).join('').size() > 0"),
  fc.integer({ min: 1, max: 30 }).map((n) => doubling("image.repository", n)),
  fc.integer({ min: 1, max: 30 }).map((n) => doubling("evidence.scan.findings", n)),
  fc.constant("image.reference.split('/').all(p, image.reference.contains(p))"),
);

const glob = fc
  .array(fc.constantFrom("*", "a", "?", "1", "*a"), { minLength: 1, maxLength: 16 })
  .map((parts) => parts.join(""));

const policyDocument = fc.record({
  custom: fc.array(expression, { minLength: 0, maxLength: 4 }),
  condition: fc.option(
    fc.constantFrom(
      "predicate.materials.all(m, predicate.materials.exists(n, m.uri == n.uri))",
      'predicate.materials.exists(m, m.uri.matches("^(a+)+$"))',
      "predicate.materials.map(m, m.uri).join(',').matches(predicateType)",
    ),
    { nil: undefined },
  ),
  labelGlob: fc.option(glob, { nil: undefined }),
  registry: fc.option(glob, { nil: undefined }),
});

type PolicyDocument = typeof policyDocument extends fc.Arbitrary<infer T> ? T : never;

function policyOf(doc: PolicyDocument) {
  const require: Record<string, unknown> = {};
  if (doc.custom.length > 0)
    require.custom = doc.custom.map((expression, i) => ({ name: `c${i}`, expression }));
  if (doc.condition !== undefined) require.attestations = [{ type: PROVENANCE, condition: doc.condition }];
  if (doc.labelGlob !== undefined) require.labels = [{ name: "team", value: doc.labelGlob }];
  if (doc.registry !== undefined) require.registries = [`registry.example.com/${doc.registry}`];
  const text = stringify({
    apiVersion: "portcullis.dev/v1",
    kind: "Policy",
    defaultRule: { evaluationMode: "require", enforcementMode: "enforce", require },
  });
  try {
    return parsePolicy(text, "generated.yaml");
  } catch {
    return undefined; // only policies that load are promised anything
  }
}

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 1, max: 5000 }).map((n) => `team/${"a1".repeat(n)}_b`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => "a".repeat(n)),
  fc.constantFrom("(a+)+$", "(a)\\1", "[", "(x|y)*z"),
);

const input: fc.Arbitrary<PolicyInput> = fc.record({
  image: fc.record({
    reference: hostileText,
    registry: fc.constant("registry.example.com"),
    repository: hostileText,
    tag: hostileText,
    digest: fc.constant(DIGEST),
  }),
  request: fc.record({
    kind: fc.constant("admission" as const),
    namespace: fc.constant("default"),
    annotations: fc
      .integer({ min: 0, max: 600 })
      .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, "v"]))),
  }),
  evidence: fc.record({
    config: fc.record({
      labels: fc.dictionary(fc.string({ maxLength: 8 }), hostileText, { maxKeys: 6 }),
    }),
    scan: fc.record({
      scannedAt: fc.constant("2026-06-01T10:00:00Z"),
      findings: fc
        .integer({ min: 0, max: 3000 })
        .map((n) => Array.from({ length: n }, (_, i) => ({ id: `CVE-${i}`, severity: "LOW" as const }))),
    }),
    attestations: fc.integer({ min: 0, max: 2000 }).map((n) => [
      {
        predicateType: PROVENANCE,
        verified: true,
        digest: DIGEST,
        signer: {},
        predicate: { materials: Array.from({ length: n }, (_, i) => ({ uri: `git+https://x/${i}` })) },
      },
    ]),
  }),
});

/**
 * Evaluates within `DECISION_MEMORY` (test/support/budget.ts measures every input) and returns the
 * decision with its CPU time (`fastestCpuMs`).
 */
function timedDecision(policy: Policy, value: PolicyInput): { decision: Decision; ms: number; size: number } {
  const evaluateIt = () => evaluate(policy, value, { now: NOW });
  const size = JSON.stringify(value).length;
  const { value: decision, usage } = withinBudget(
    { what: "evaluate", size },
    { memoryBytes: DECISION_MEMORY },
    evaluateIt,
    { quick: true },
  );
  return { decision, ms: fastestCpuMs(usage.cpuMs, DECISION_BUDGET_MS, evaluateIt), size };
}

describe("evaluate within budget (issue 22)", () => {
  it("decides any input under 10 ms, or fails closed saying the budget ran out", () => {
    fc.assert(
      fc.property(policyDocument, input, (doc, value) => {
        const policy = policyOf(doc);
        if (policy === undefined) return;
        const { decision, ms, size } = timedDecision(policy, value);
        if (ms >= DECISION_BUDGET_MS) expect(failedClosed(decision), overTime(ms, size, decision)).toBe(true);
      }),
      { seed: 22, numRuns: 300 },
    );
  });
});
