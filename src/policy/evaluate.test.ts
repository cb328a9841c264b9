import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { policyTrustAnchors } from "./anchors.js";
import { evaluate, requiredEvidence } from "./evaluate.js";
import { parsePolicy } from "./load.js";
import { DIGEST, decide, NOW, policyFrom, policyWith } from "./testing.js";

const signed = { signatures: [{ verified: true, digest: DIGEST, signer: { key: "k.pub" } }] };

describe("evaluate: evaluation and enforcement modes", () => {
  it.each([
    ["always-allow", "enforce", {}, { allowed: true, effect: "allow", verdict: "pass" }],
    ["always-deny", "enforce", signed, { allowed: false, effect: "deny", verdict: "fail" }],
    ["require", "enforce", signed, { allowed: true, effect: "allow", verdict: "pass" }],
    ["require", "enforce", {}, { allowed: false, effect: "deny", verdict: "fail" }],
    ["require", "warn", {}, { allowed: true, effect: "warn", verdict: "fail", mode: "warn" }],
    ["require", "dry-run", {}, { allowed: true, effect: "allow", verdict: "fail", mode: "dry-run" }],
    ["always-deny", "warn", {}, { allowed: true, effect: "warn", verdict: "fail" }],
    ["always-deny", "dry-run", {}, { allowed: true, effect: "allow", verdict: "fail" }],
  ])("%s + %s", (evaluationMode, enforcementMode, evidence, expected) => {
    const policy = policyWith({ signedBy: [{ key: "k.pub" }] }, { evaluationMode, enforcementMode });
    expect(decide(policy, { evidence })).toMatchObject({
      ...expected,
      evaluationMode,
      ruleSource: "defaultRule",
    });
  });

  it("says why in one line, per mode", () => {
    const reason = (enforcementMode: string) =>
      decide(policyWith({ digest: true }, { enforcementMode }), { image: { digest: undefined } }).reason;
    expect(reason("enforce")).toMatch(/^denied by defaultRule: digest: ".*" is referred to by tag/);
    expect(reason("warn")).toMatch(/^warning \(warn mode\) from defaultRule: digest:/);
    expect(reason("dry-run")).toMatch(/^dry-run, would deny: defaultRule: digest:/);
    expect(decide(policyWith({}, { evaluationMode: "always-deny" })).rules).toEqual([
      { rule: "evaluationMode", passed: false, reason: "defaultRule denies every image (always-deny)" },
    ]);
    expect(decide(policyWith({})).rules).toEqual([
      { rule: "require", passed: true, reason: "defaultRule requires nothing" },
    ]);
  });

  it("records the policy digest", () => {
    const policy = policyWith({});
    expect(decide(policy).policyDigest).toBe(policy.digest);
  });
});

describe("evaluate: rule selection", () => {
  const policy = policyFrom({
    defaultRule: { evaluationMode: "always-deny" },
    clusterRules: { staging: { evaluationMode: "always-allow" } },
    namespaceRules: {
      "kube-system": { evaluationMode: "always-allow" },
      prod: { evaluationMode: "require", require: { digest: true } },
    },
    serviceAccountRules: { "prod:deployer": { evaluationMode: "always-allow" } },
  });
  it.each([
    [{ namespace: "kube-system" }, "namespaceRules.kube-system", true],
    [{ namespace: "prod" }, "namespaceRules.prod", true],
    [{ namespace: "prod", serviceAccount: "deployer" }, "serviceAccountRules.prod:deployer", true],
    [{ namespace: "prod", serviceAccount: "other" }, "namespaceRules.prod", true],
    [{ namespace: "default", serviceAccount: "deployer" }, "defaultRule", false],
    [{ namespace: "default", cluster: "staging" }, "clusterRules.staging", true],
    [{ namespace: "prod", cluster: "staging" }, "namespaceRules.prod", true],
    [{ kind: "ci" as const, namespace: undefined }, "defaultRule", false],
  ])("%j uses %s", (request, ruleSource, allowed) => {
    expect(decide(policy, { request })).toMatchObject({ ruleSource, allowed });
  });
});

describe("evaluate: allowlist and break-glass", () => {
  const policy = policyFrom({
    defaultRule: { evaluationMode: "always-deny" },
    allowlist: ["registry.k8s.io/pause:*", "registry.example.com/tools/**"],
    breakGlass: { annotation: "portcullis.dev/break-glass" },
  });

  it.each([
    [{ registry: "registry.k8s.io", repository: "pause", tag: "3.9" }, "registry.k8s.io/pause:*"],
    [{ registry: "registry.example.com", repository: "tools/debug/shell" }, "registry.example.com/tools/**"],
  ])("exempts %j", (image, pattern) => {
    expect(decide(policy, { image })).toMatchObject({
      allowed: true,
      effect: "allow",
      ruleSource: "allowlist",
      allowlisted: pattern,
      rules: [{ rule: "allowlist", passed: true, reason: `image matches allowlist pattern "${pattern}"` }],
    });
  });

  it("does not exempt look-alikes", () => {
    expect(
      decide(policy, { image: { registry: "registry.k8s.io", repository: "pause-x", tag: "3.9" } }).allowed,
    ).toBe(false);
  });

  it.each([
    ["INC-1234: payments outage", true],
    ["true", true],
    ["false", false],
    ["", false],
  ])("break-glass annotation %j lets it through: %s", (value, through) => {
    const decision = decide(policy, { request: { annotations: { "portcullis.dev/break-glass": value } } });
    expect(decision.allowed).toBe(through);
    if (through) {
      expect(decision).toMatchObject({
        effect: "warn",
        verdict: "fail",
        breakGlass: { annotation: "portcullis.dev/break-glass", value },
      });
      expect(decision.reason).toMatch(
        /^BREAK-GLASS \(portcullis\.dev\/break-glass=.*\) overrides: denied by defaultRule/,
      );
    } else expect(decision.breakGlass).toBeUndefined();
  });

  // Issue 22, item 14: an annotation name is a user key, never one of Object.prototype's.
  it("a break-glass annotation named constructor is absent when the workload lacks it", () => {
    const named = policyFrom({
      defaultRule: { evaluationMode: "always-deny" },
      breakGlass: { annotation: "constructor" },
    });
    expect(decide(named, { request: { annotations: {} } })).toMatchObject({ allowed: false, effect: "deny" });
  });

  it("records break-glass even when nothing needed breaking", () => {
    const open = policyFrom({ defaultRule: {}, breakGlass: { annotation: "bg" } });
    expect(decide(open, { request: { annotations: { bg: "yes" } } })).toMatchObject({
      effect: "allow",
      breakGlass: { value: "yes" },
    });
  });

  it("ignores annotations when the policy has no break-glass", () => {
    const strict = policyFrom({ defaultRule: { evaluationMode: "always-deny" } });
    expect(decide(strict, { request: { annotations: { "portcullis.dev/break-glass": "x" } } }).allowed).toBe(
      false,
    );
  });
});

describe("evaluate: failure policy for evidence that could not be gathered", () => {
  const errors = [{ source: "signatures" as const, message: "timed out after 2000ms" }];
  it("fails closed by default", () => {
    const decision = decide(policyWith({ signedBy: [{ key: "k.pub" }], digest: true }), {
      evidence: { errors },
    });
    expect(decision.allowed).toBe(false);
    expect(decision.rules).toContainEqual({
      rule: "signedBy",
      passed: false,
      reason: "evidence unavailable (signatures: timed out after 2000ms); failurePolicy fail",
    });
    expect(decision.rules).toContainEqual(expect.objectContaining({ rule: "digest", passed: true }));
  });
  it("lets it pass with failurePolicy ignore", () => {
    const decision = decide(policyWith({ signedBy: [{ key: "k.pub" }] }, { failurePolicy: "ignore" }), {
      evidence: { errors },
    });
    expect(decision).toMatchObject({ allowed: true, verdict: "pass" });
    expect(decision.rules[0]!.reason).toBe(
      "evidence unavailable (signatures: timed out after 2000ms); failurePolicy ignore lets it pass",
    );
  });
  it("only applies to requirements reading the failed source", () => {
    const decision = decide(policyWith({ nonRoot: true }), {
      evidence: { errors, config: { user: "1000" } },
    });
    expect(decision.allowed).toBe(true);
  });
});

describe("requiredEvidence and policyTrustAnchors", () => {
  const full = parsePolicy(
    readFileSync(new URL("../../examples/policies/full.yaml", import.meta.url)),
    "full.yaml",
  );
  it("lists the sources a rule reads", () => {
    expect(requiredEvidence(full.defaultRule).sort()).toEqual([
      "attestations",
      "config",
      "scan",
      "signatures",
      "users",
    ]);
    expect(requiredEvidence(full.namespaceRules.get("kube-system")!)).toEqual([]);
    expect(
      requiredEvidence(
        policyWith({ custom: [{ name: "a", expression: "request.kind == 'ci'" }] }).defaultRule,
      ),
    ).toEqual([]);
  });
  // The README pushes to localhost:5000 and verifies against full.yaml: its registries must agree.
  it.each([
    ["localhost:5000", true],
    ["127.0.0.1:5000", true],
    ["registry.example.com", true],
    ["docker.io", false],
  ])("full.yaml trusts images from %s: %s", (registry, trusted) => {
    const decision = decide(full, {
      image: { reference: `${registry}/app@${DIGEST}`, registry, repository: "app" },
    });
    expect(decision.rules.find((r) => r.rule === "registries")?.passed).toBe(trusted);
  });
  it("lists keys and predicate types to prepare", () => {
    expect(policyTrustAnchors(full)).toEqual({
      keys: ["keys/release.pub", "keys/builder.pub"],
      keyless: [],
      attestationTypes: ["https://slsa.dev/provenance/v1"],
    });
    const keyless = policyWith({ signedBy: [{ issuer: "https://i", identityRegExp: "a.*" }] });
    expect(policyTrustAnchors(keyless).keyless).toEqual([{ issuer: "https://i", identityRegExp: "a.*" }]);
  });
  it("is deterministic for the same clock", () => {
    const input = {
      image: { reference: "x", registry: "docker.io", repository: "library/x" },
      request: { kind: "ci" as const },
      evidence: {},
    };
    expect(evaluate(full, input, { now: NOW })).toEqual(evaluate(full, input, { now: new Date(NOW) }));
  });
});
