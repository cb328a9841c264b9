import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withinBudget } from "../../test/support/budget.js";
import { evaluate } from "./evaluate.js";
import type { PolicyInput } from "./facts.js";
import { parsePolicy } from "./load.js";
import { DECISION_BUDGET_MS, DECISION_MEMORY, failedClosed, fastestCpuMs, NOW, overTime } from "./testing.js";

const FULL = readFileSync(new URL("../../examples/policies/full.yaml", import.meta.url), "utf8");
const policy = parsePolicy(
  `${FULL}clusterRules:
  prod:
    require:
      labels: [team, { name: org.opencontainers.image.source, value: "https://github.com/*" }]
      podSecurity: { allowedCapabilities: [NET_BIND_SERVICE] }
      baseImage: { approved: ["debian:12*", "gcr.io/distroless/static"] }
      scan:
        maxSeverity: medium
        exceptions: [{ id: CVE-2024-1, repository: "**", until: 2026-12-31, reason: r }]
      custom:
        - { name: labels, expression: "evidence.config.labels.team == 'a'" }
        - { name: findings, expression: "evidence.scan.findings.all(f, f.severity != 'CRITICAL')" }
`,
  "fuzz.yaml",
);

const text = fc.string({ maxLength: 12 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const signer = fc.record(
  {
    key: maybe(fc.constantFrom("keys/release.pub", "keys/builder.pub", "x")),
    identity: maybe(text),
    issuer: maybe(text),
  },
  { requiredKeys: [] },
);
const digest = fc.constantFrom(`sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`);
const input: fc.Arbitrary<PolicyInput> = fc.record({
  image: fc.record(
    {
      reference: text,
      registry: fc.constantFrom("registry.example.com", "127.0.0.1:5000", "docker.io", "registry.k8s.io"),
      repository: fc.constantFrom("team/app", "library/nginx", "pause"),
      tag: maybe(text),
      digest: maybe(digest),
    },
    { requiredKeys: ["reference", "registry", "repository"] },
  ),
  request: fc.record(
    {
      kind: fc.constantFrom(
        "ci" as const,
        "registry-push" as const,
        "registry-pull" as const,
        "admission" as const,
      ),
      namespace: maybe(fc.constantFrom("kube-system", "default", "prod")),
      cluster: maybe(fc.constantFrom("prod", "dev")),
      annotations: maybe(fc.dictionary(fc.constantFrom("portcullis.dev/break-glass", "x"), text)),
      podSecurity: maybe(
        fc.record(
          {
            runAsUser: maybe(fc.integer({ min: 0, max: 70000 })),
            runAsNonRoot: maybe(fc.boolean()),
            privileged: maybe(fc.boolean()),
            addedCapabilities: maybe(fc.array(text, { maxLength: 3 })),
            hostPathVolumes: maybe(fc.array(text, { maxLength: 2 })),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: ["kind"] },
  ),
  evidence: fc.record(
    {
      config: fc.record(
        {
          user: maybe(text),
          labels: maybe(fc.dictionary(fc.constantFrom("team", "org.opencontainers.image.source"), text)),
        },
        { requiredKeys: [] },
      ),
      base: fc.record({ name: maybe(text), digest: maybe(text) }, { requiredKeys: [] }),
      signatures: fc.array(fc.record({ verified: fc.boolean(), digest, signer }), { maxLength: 3 }),
      attestations: fc.array(
        fc.record({
          predicateType: fc.constantFrom("https://slsa.dev/provenance/v1", "x"),
          verified: fc.boolean(),
          digest,
          signer,
          predicate: fc.jsonValue({ maxDepth: 3 }),
        }),
        { maxLength: 3 },
      ),
      scan: fc.record({
        scannedAt: fc.oneof(text, fc.constant("2026-06-01T10:00:00Z")),
        findings: fc.array(
          fc.record({
            id: fc.constantFrom("CVE-2024-1", "CVE-2"),
            severity: fc.constantFrom(
              "CRITICAL" as const,
              "HIGH" as const,
              "LOW" as const,
              "UNKNOWN" as const,
            ),
            fixedVersion: maybe(text),
            suppressed: maybe(fc.boolean()),
          }),
          { maxLength: 5 },
        ),
      }),
      errors: fc.array(
        fc.record({
          source: fc.constantFrom(
            "config" as const,
            "signatures" as const,
            "attestations" as const,
            "scan" as const,
          ),
          message: text,
        }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  ),
});

describe("evaluate (fuzzed inputs)", () => {
  it("never throws, every result says why, and each decides within budget", () => {
    fc.assert(
      fc.property(input, (value) => {
        const evaluateIt = () => evaluate(policy, value, { now: NOW });
        const size = JSON.stringify(value).length;
        const { value: decision, usage } = withinBudget(
          { what: "evaluate", size },
          { memoryBytes: DECISION_MEMORY },
          evaluateIt,
          { quick: true },
        );
        const ms = fastestCpuMs(usage.cpuMs, DECISION_BUDGET_MS, evaluateIt);
        if (ms >= DECISION_BUDGET_MS) expect(failedClosed(decision), overTime(ms, size, decision)).toBe(true);
        expect(decision.rules.length).toBeGreaterThan(0);
        for (const rule of decision.rules) expect(rule.reason.length).toBeGreaterThan(0);
        expect(decision.allowed).toBe(decision.effect !== "deny");
        if (decision.verdict === "pass") expect(decision.rules.every((r) => r.passed)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
