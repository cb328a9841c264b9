import { describe, expect, it } from "vitest";
import { createPolicyGate, type DecisionContext, type DecisionRecorder } from "../../app/index.js";
import type { AuditEntry } from "../../audit/index.js";
import { type Decision, parsePolicy } from "../../policy/index.js";
import type { AdmissionCaller } from "./caller.js";
import type { ImageCheck } from "./gate.js";
import { fromPolicyGate } from "./policy-gate.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const policy = parsePolicy(
  `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  enforcementMode: enforce
  require: { digest: true }
`,
  "/policies/digest.yaml",
);

const TOKEN: AdmissionCaller = { method: "token" };

function check(reference: string, dryRun: boolean, caller: AdmissionCaller | null = TOKEN): ImageCheck {
  const [name = "", digest] = reference.split("@");
  const [registry = "", ...path] = name.split("/");
  return {
    image: {
      reference,
      registry,
      repository: path.join("/"),
      ...(digest === undefined ? {} : { digest }),
    },
    request: { kind: "admission", namespace: "apps", user: "alice" },
    dryRun,
    workload: "Deployment/web",
    ...(caller ? { caller } : {}),
  };
}

function collecting(fail = false) {
  const recorded: Array<[Decision, DecisionContext]> = [];
  const recorder: DecisionRecorder = {
    async record(decision, context) {
      if (fail) throw new Error("database is locked");
      recorded.push([decision, context]);
      return {} as AuditEntry;
    },
  };
  return { recorded, recorder };
}

describe("fromPolicyGate recording", () => {
  const gate = createPolicyGate({ policy, ports: {}, timeoutMs: 1_000 });
  const signal = new AbortController().signal;

  it.each([
    {
      name: "a digest-pinned image is allowed",
      reference: `registry.test/team/app@${DIGEST}`,
      allowed: true,
    },
    { name: "a tag with no resolver is denied", reference: "registry.test/team/app:1", allowed: false },
  ])("records the decision with its context: $name", async ({ reference, allowed }) => {
    const { recorded, recorder } = collecting();
    const mtls: AdmissionCaller = { method: "mtls", subject: "kube-apiserver" };
    const verdict = await fromPolicyGate(gate, { recorder, onError: () => {} })(
      check(reference, false, mtls),
      signal,
    );
    expect(verdict.decision.allowed).toBe(allowed);
    expect(recorded).toHaveLength(1);
    const [decision, context] = recorded[0]!;
    expect(decision).toBe(verdict.decision);
    expect(context).toEqual({
      gate: "admission",
      image: reference,
      ...(allowed ? { digest: DIGEST } : {}),
      actor: "alice",
      namespace: "apps",
      workload: "Deployment/web",
      caller: "mtls:kube-apiserver",
    });
  });

  it.each([
    ["with no caller", null],
    ["from an unauthenticated caller", { method: "none" } as const],
  ])("answers but does not record a decision %s", async (_name, caller) => {
    const { recorded, recorder } = collecting();
    const verdict = await fromPolicyGate(gate, { recorder, onError: () => {} })(
      { ...check(`registry.test/team/app@${DIGEST}`, false, caller) },
      signal,
    );
    expect(verdict.decision.allowed).toBe(true);
    expect(recorded).toHaveLength(0);
  });

  it("records a token caller as token", async () => {
    const { recorded, recorder } = collecting();
    await fromPolicyGate(gate, { recorder, onError: () => {} })(
      check(`registry.test/team/app@${DIGEST}`, false),
      signal,
    );
    expect(recorded.map(([, context]) => context.caller)).toEqual(["token"]);
  });

  it("does not record a dryRun decision", async () => {
    const { recorded, recorder } = collecting();
    const verdict = await fromPolicyGate(gate, { recorder, onError: () => {} })(
      check(`registry.test/team/app@${DIGEST}`, true),
      signal,
    );
    expect(verdict.decision.allowed).toBe(true);
    expect(recorded).toHaveLength(0);
  });

  it("reports a failed recording and answers as it would have", async () => {
    const { recorder } = collecting(true);
    const errors: string[] = [];
    const verdict = await fromPolicyGate(gate, {
      recorder,
      onError: (err, what) => errors.push(`${what}: ${(err as Error).message}`),
    })(check("registry.test/team/app:1", false), signal);
    expect(verdict.decision.allowed).toBe(false);
    expect(errors).toEqual([
      "recording the admission decision for registry.test/team/app:1: database is locked",
    ]);
  });
});
