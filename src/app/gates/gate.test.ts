import { describe, expect, it } from "vitest";
import type { EvidencePorts, SignatureEvidence } from "../../evidence/index.js";
import { parsePolicy } from "../../policy/index.js";
import { GateError } from "./errors.js";
import { createPolicyGate } from "./gate.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const POLICY = `
apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  require:
    digest: true
    signedBy: [{ key: keys/release.pub }]
namespaceRules:
  kube-system: { evaluationMode: always-allow }
  scanned:
    require: { scan: { maxSeverity: high } }
allowlist: ["registry.k8s.io/pause:*"]
`;
const policy = parsePolicy(POLICY, "/policies/policy.yaml");

interface Calls {
  signatures: number;
  scans: number;
  resolves: number;
}

function fakes(signatures: readonly SignatureEvidence[], resolveTo: string | Error = DIGEST) {
  const calls: Calls = { signatures: 0, scans: 0, resolves: 0 };
  const ports: EvidencePorts = {
    signatures: {
      async verifySignatures() {
        calls.signatures++;
        return signatures;
      },
    },
    scans: {
      async latestScan() {
        calls.scans++;
        return { scannedAt: new Date().toISOString(), findings: [] };
      },
    },
  };
  const resolver = {
    async resolveDigest() {
      calls.resolves++;
      if (resolveTo instanceof Error) throw resolveTo;
      return resolveTo;
    },
  };
  return { calls, ports, resolver };
}

const signed: SignatureEvidence[] = [
  { verified: true, digest: DIGEST, signer: { key: "keys/release.pub" }, format: "cosign" },
];

describe("createPolicyGate", () => {
  it("allows a signed image named by digest, gathering only what the rule reads", async () => {
    const { calls, ports, resolver } = fakes(signed);
    const gate = createPolicyGate({ policy, ports, resolver, timeoutMs: 1000 });
    const decision = await gate.decide({ image: `example.com/app@${DIGEST}`, request: { kind: "ci" } });
    expect(decision).toMatchObject({ allowed: true, effect: "allow", ruleSource: "defaultRule" });
    expect(calls).toEqual({ signatures: 1, scans: 0, resolves: 0 });
  });

  it("evaluates each decision in an event-loop turn of its own, so evidence ready together is not judged back to back", async () => {
    const { ports, resolver } = fakes(signed);
    const gate = createPolicyGate({ policy, ports, resolver, timeoutMs: 1000 });
    const order: string[] = [];
    const request = { image: `example.com/app@${DIGEST}`, request: { kind: "ci" as const } };
    const decided = Promise.all(["a", "b"].map((name) => gate.decide(request).then(() => order.push(name))));
    // Both look-ups resolve at once; an immediate queued meanwhile runs between the two evaluations.
    setImmediate(() => setImmediate(() => order.push("between")));
    await decided;
    expect(order).toEqual(["a", "between", "b"]);
  });

  it("resolves a tag once and records the digest it checked", async () => {
    const { calls, ports, resolver } = fakes(signed);
    const gate = createPolicyGate({ policy, ports, resolver, timeoutMs: 1000 });
    const resolve = gate.requestResolver();
    const a = await gate.explain({ image: "example.com/app:1.0", request: { kind: "admission" }, resolve });
    const b = await gate.explain({ image: "example.com/app:1.0", request: { kind: "admission" }, resolve });
    expect(a.input.image).toMatchObject({ tag: "1.0", digest: DIGEST });
    expect(a.decision.allowed).toBe(true);
    expect(a.decision.rules.find((r) => r.rule === "digest")?.reason).toContain(`was resolved to ${DIGEST}`);
    expect(b.decision.allowed).toBe(true);
    expect(calls.resolves).toBe(1);
  });

  it("denies with the reason when a tag cannot be resolved (fail closed)", async () => {
    const { calls, ports, resolver } = fakes(signed, new Error("connect ECONNREFUSED 127.0.0.1:1"));
    const gate = createPolicyGate({ policy, ports, resolver, timeoutMs: 1000 });
    const decision = await gate.decide({ image: "example.com/app:1.0", request: { kind: "ci" } });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain("ECONNREFUSED");
    expect(decision.rules.find((r) => r.rule === "signedBy")?.reason).toContain("cannot resolve");
    expect(calls.signatures).toBe(0);
  });

  it("denies an unsigned image and says so", async () => {
    const { ports } = fakes([]);
    const gate = createPolicyGate({ policy, ports, timeoutMs: 1000 });
    const decision = await gate.decide({ image: `example.com/app@${DIGEST}`, request: { kind: "ci" } });
    expect(decision).toMatchObject({ allowed: false, effect: "deny" });
    expect(decision.reason).toContain("no signature found");
  });

  it("denies a tag when no resolver is configured", async () => {
    const { ports } = fakes(signed);
    const gate = createPolicyGate({ policy, ports, timeoutMs: 1000 });
    const decision = await gate.decide({ image: "example.com/app:1.0", request: { kind: "ci" } });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain("no digest resolver");
  });

  it.each([
    ["allowlisted images", "registry.k8s.io/pause:3.9", { kind: "admission" as const }, "allowlist"],
    [
      "always-allow rules",
      "example.com/app:1",
      { kind: "admission" as const, namespace: "kube-system" },
      "namespaceRules.kube-system",
    ],
  ])("gathers and resolves nothing for %s", async (_name, image, request, source) => {
    const { calls, ports, resolver } = fakes([]);
    const gate = createPolicyGate({ policy, ports, resolver, timeoutMs: 1000 });
    const decision = await gate.decide({ image, request });
    expect(decision).toMatchObject({ allowed: true, ruleSource: source });
    expect(calls).toEqual({ signatures: 0, scans: 0, resolves: 0 });
  });

  it("gathers the scan only for the rule that reads it", async () => {
    const { calls, ports } = fakes(signed);
    const gate = createPolicyGate({ policy, ports, timeoutMs: 1000 });
    const decision = await gate.decide({
      image: `example.com/app@${DIGEST}`,
      request: { kind: "admission", namespace: "scanned" },
    });
    expect(decision.allowed).toBe(true);
    expect(calls).toEqual({ signatures: 1, scans: 1, resolves: 0 });
  });

  it("times out a slow source and fails closed", async () => {
    const ports: EvidencePorts = {
      signatures: { verifySignatures: () => new Promise(() => {}) },
    };
    const gate = createPolicyGate({ policy, ports, timeoutMs: 50 });
    const decision = await gate.decide({ image: `example.com/app@${DIGEST}`, request: { kind: "ci" } });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain("evidence unavailable");
  });

  it("refuses a malformed reference and bad options with a GateError", async () => {
    const gate = createPolicyGate({ policy, ports: {}, timeoutMs: 1000 });
    await expect(gate.decide({ image: "Not A Reference!", request: { kind: "ci" } })).rejects.toMatchObject({
      code: "INVALID_REFERENCE",
    });
    expect(() => createPolicyGate({ policy, ports: {}, timeoutMs: 0 })).toThrow(GateError);
  });
});
