import { describe, expect, it } from "vitest";
import { extractFacts, parseAdmissionReview, type WorkloadFacts } from "../../admission/index.js";
import { type Decision, parsePolicy } from "../../policy/index.js";
import { gateDecider, imageInputOf, requestOf } from "./decider.js";
import { evaluatingGate, type ImageCheck, type ImagePolicyGate } from "./gate.js";

/** A minimal admission.k8s.io/v1 review creating `pod` in namespace "apps". */
function reviewOf(pod: Record<string, unknown>) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "apps",
      operation: "CREATE",
      userInfo: { username: "usernameValue", groups: ["system:authenticated"] },
      object: pod,
      dryRun: false,
    },
  };
}

function factsOf(pod: Record<string, unknown>): WorkloadFacts {
  const facts = extractFacts(parseAdmissionReview(reviewOf(pod)));
  if (facts.type !== "workload") throw new Error("not a workload");
  return facts;
}

const POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", annotations: { team: "a", "portcullis.dev/break-glass": "old" } },
  spec: {
    serviceAccountName: "builder",
    hostNetwork: true,
    securityContext: { runAsUser: 1000 },
    volumes: [{ name: "sock", hostPath: { path: "/var/run/docker.sock" } }],
    containers: [
      {
        name: "app",
        image: "nginx:1.27",
        securityContext: { privileged: true, capabilities: { add: ["NET_ADMIN"] } },
      },
      { name: "side", image: "nginx:1.27" },
      { name: "bad", image: "UPPER/case" },
    ],
  },
};

describe("requestOf and imageInputOf", () => {
  it("carry the workload's context and each container's effective security settings", () => {
    const facts = factsOf(POD);
    const [app, side] = facts.images;
    expect(requestOf(facts, app!)).toEqual({
      kind: "admission",
      namespace: "apps",
      serviceAccount: "builder",
      user: "usernameValue",
      annotations: { team: "a", "portcullis.dev/break-glass": "old" },
      podSecurity: {
        runAsUser: 1000,
        privileged: true,
        hostNetwork: true,
        hostPathVolumes: ["/var/run/docker.sock"],
        addedCapabilities: ["NET_ADMIN"],
      },
    });
    expect(requestOf(facts, side!).podSecurity?.privileged).toBe(false);
    expect(imageInputOf(app!)).toEqual({
      reference: "nginx:1.27",
      registry: "docker.io",
      repository: "library/nginx",
      tag: "1.27",
    });
    expect(imageInputOf(facts.images[2]!)).toBeUndefined();
  });
});

describe("gateDecider", () => {
  const policy = parsePolicy(
    "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    podSecurity: true\n",
    "p.yaml",
  );

  it("asks once per distinct image and context, denies bad references, records the policy digest", async () => {
    const checks: ImageCheck[] = [];
    const inner = evaluatingGate(policy);
    const gate: ImagePolicyGate = (check, signal) => {
      checks.push(check);
      return inner(check, signal);
    };
    const d = await gateDecider(gate, new AbortController().signal)(factsOf(POD));
    expect(checks).toHaveLength(2); // app and side differ in securityContext; bad is not asked
    expect(d.images.map((i) => i.verdict)).toEqual(["deny", "deny", "deny"]);
    expect(d.images[0]?.reasons.join(" ")).toMatch(/podSecurity/);
    expect(d.images[2]?.reasons[0]).toMatch(/^invalid image reference/);
    expect(d.auditAnnotations?.["policy-digest"]).toBe(policy.digest);
  });

  it("merges the annotations once for the workload, not once per container (issue 22)", async () => {
    const checks: ImageCheck[] = [];
    const inner = evaluatingGate(policy);
    const gate: ImagePolicyGate = (check, signal) => {
      checks.push(check);
      return inner(check, signal);
    };
    await gateDecider(gate, new AbortController().signal)(factsOf(POD));
    expect(checks[0]?.request.annotations).toEqual(POD.metadata.annotations);
    expect(checks[1]?.request.annotations).toBe(checks[0]?.request.annotations);
  });

  it("maps an allowed failing decision (warn mode) to warn, and carries the resolved digest", async () => {
    const warn: Decision = {
      allowed: true,
      effect: "warn",
      verdict: "fail",
      mode: "warn",
      evaluationMode: "require",
      ruleSource: "defaultRule",
      rules: [{ rule: "digest", passed: false, reason: "not pinned" }],
      reason: "warning (warn mode) from defaultRule: digest: not pinned",
      policyDigest: "sha256:00",
    };
    const digest = `sha256:${"1".repeat(64)}`;
    const d = await gateDecider(
      async () => ({ decision: warn, digest }),
      new AbortController().signal,
    )(
      factsOf({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "a", image: "x" }] },
      }),
    );
    expect(d.images).toEqual([
      { path: "/spec/containers/0/image", verdict: "warn", reasons: ["digest: not pinned"], digest },
    ]);
    expect(d.auditAnnotations?.["would-deny"]).toMatch(/not pinned/);
  });

  it("carries no digest to pin for a denied image: /mutate pins only what passed (issue 11, item 1)", async () => {
    const deny: Decision = {
      allowed: false,
      effect: "deny",
      verdict: "fail",
      mode: "enforce",
      evaluationMode: "require",
      ruleSource: "defaultRule",
      rules: [{ rule: "signedBy", passed: false, reason: "image sha256:22 (no platform): no signature" }],
      reason: "denied",
      policyDigest: "sha256:00",
    };
    const digest = `sha256:${"1".repeat(64)}`;
    const d = await gateDecider(
      async () => ({ decision: deny, digest }),
      new AbortController().signal,
    )(
      factsOf({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "a", image: "x" }] },
      }),
    );
    expect(d.images).toEqual([
      {
        path: "/spec/containers/0/image",
        verdict: "deny",
        reasons: ["signedBy: image sha256:22 (no platform): no signature"],
      },
    ]);
  });
});
