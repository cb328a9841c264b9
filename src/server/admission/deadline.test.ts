import { describe, expect, it } from "vitest";
import { extractFacts, parseAdmissionReview, type WorkloadFacts } from "../../admission/index.js";
import { createPolicyGate } from "../../app/index.js";
import { parsePolicy } from "../../policy/index.js";
import { deadlineFor, guardedDecider } from "./deadline.js";
import { gateDecider } from "./decider.js";
import { fromPolicyGate } from "./policy-gate.js";
import { requestTimeoutMs } from "./server.js";

const facts = {
  type: "workload",
  images: [{ path: "/spec/containers/0/image" }, { path: "/spec/containers/1/image" }],
} as unknown as WorkloadFacts;

describe("deadlineFor", () => {
  it.each([
    [10_000, 8_000],
    [1_000, 800],
    [1, 1],
  ])("%i ms → %i ms", (timeout, deadline) => {
    expect(deadlineFor(timeout)).toBe(deadline);
  });
});

describe("guardedDecider", () => {
  it("passes a timely decision through untouched", async () => {
    const decision = {
      images: [{ path: "/spec/containers/0/image", verdict: "allow" as const, reasons: [] }],
    };
    const decide = guardedDecider(() => async () => decision, { deadlineMs: 100, failurePolicy: "Fail" });
    expect(await decide(facts)).toBe(decision);
  });

  it.each([
    ["Fail", "deny"],
    ["Ignore", "warn"],
  ] as const)(
    "on timeout with failurePolicy %s, every image gets %s and the signal aborts",
    async (policy, verdict) => {
      let aborted = false;
      const decide = guardedDecider(
        (signal) => () => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
          return new Promise(() => {});
        },
        { deadlineMs: 20, failurePolicy: policy },
      );
      const started = Date.now();
      const d = await decide(facts);
      expect(Date.now() - started).toBeLessThan(500);
      expect(aborted).toBe(true);
      expect(d.images.map((i) => i.verdict)).toEqual([verdict, verdict]);
      expect(d.workload?.reasons[0]).toMatch(/timed out after 20 ms/);
      expect(d.auditAnnotations?.["decision-error"]).toMatch(/timed out/);
    },
  );

  it.each([
    ["a rejected promise", () => Promise.reject(new Error("registry\nunreachable"))],
    [
      "a synchronous throw",
      () => {
        throw new Error("registry unreachable");
      },
    ],
  ])("fails closed on %s, with the reason on one line", async (_name, failing) => {
    const decide = guardedDecider(() => failing as never, { deadlineMs: 100, failurePolicy: "Fail" });
    const d = await decide(facts);
    expect(d.images.every((i) => i.verdict === "deny")).toBe(true);
    expect(d.workload?.reasons[0]).toBe(
      "policy decision failed: registry unreachable (failurePolicy Fail: denied)",
    );
  });
});

describe("guardedDecider's onFailure", () => {
  const decision = { images: [] };
  it.each([
    ["a timely decision", () => Promise.resolve(decision), [], true],
    ["a thrown error", () => Promise.reject(new Error("boom")), ["error"], true],
    ["a decision that never comes", () => new Promise<never>(() => {}), ["deadline"], false],
    [
      "an error after the deadline (counted once, as the deadline)",
      () => new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error("late")), 60)),
      ["deadline"],
      true,
    ],
  ] as const)("is told about %s", async (_name, outcome, expected, settles) => {
    const told: string[] = [];
    let underlying: Promise<unknown> | undefined;
    const decide = guardedDecider(
      () => () => {
        underlying = outcome();
        return underlying as Promise<never>;
      },
      { deadlineMs: 20, failurePolicy: "Fail", onFailure: (reason) => told.push(reason) },
    );
    await decide(facts);
    // Not a fixed delay: wait for the decision the guard was given to settle (the late error has been
    // delivered), then for one macrotask, by which every reaction to it has run. One that never settles
    // can tell nothing more.
    if (settles) {
      await underlying!.then(
        () => {},
        () => {},
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(told).toEqual(expected);
  });
});

describe("requestTimeoutMs", () => {
  it.each([
    ["10s", 10_000],
    ["1s", 1_000],
    ["30s", 30_000],
    ["31s", undefined],
    ["0s", undefined],
    ["10", undefined],
    ["1m", undefined],
    [undefined, undefined],
    [["10s"], undefined],
  ])("%j → %j", (value, ms) => {
    expect(requestTimeoutMs(value)).toBe(ms);
  });
});

describe("the evidence deadline (issue 11, item 5)", () => {
  const DIGEST = `sha256:${"ab".repeat(32)}`;
  const review = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "apps",
      operation: "CREATE",
      userInfo: { username: "alice", groups: [] },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web" },
        spec: { containers: [{ name: "app", image: `registry.example/team/app@${DIGEST}` }] },
      },
      dryRun: false,
    },
  };
  const policy = parsePolicy(
    "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy:\n      - key: release.pub\n",
    "/policies/p.yaml",
  );

  it.each(["Ignore", "Fail"] as const)(
    "turns evidence that outlasts the deadline into a decided deny under failurePolicy %s",
    async (failurePolicy) => {
      // Signature discovery that never finishes on its own (an image's artifacts taking the whole
      // budget): it stops at the evidence deadline, and the policy, not the failure policy, decides.
      const gate = createPolicyGate({
        policy,
        ports: {
          signatures: {
            verifySignatures: (_subject, signal) =>
              new Promise((_resolve, reject) =>
                signal.addEventListener("abort", () => reject(signal.reason)),
              ),
          },
        },
        timeoutMs: 60_000,
      });
      const told: string[] = [];
      const decide = guardedDecider((signal) => gateDecider(fromPolicyGate(gate), signal), {
        deadlineMs: 200,
        failurePolicy,
        onFailure: (reason) => told.push(reason),
      });
      const facts = extractFacts(parseAdmissionReview(review));
      if (facts.type !== "workload") throw new Error("not a workload");
      const d = await decide(facts);
      expect(d.images.map((i) => i.verdict)).toEqual(["deny"]);
      expect(d.images[0]!.reasons.join(" ")).toMatch(/signedBy/);
      expect(told).toEqual([]);
    },
  );
});
