import { describe, expect, it } from "vitest";
import { admit } from "./admit.js";
import type { AdmissionDecider } from "./decision.js";
import { extractFacts } from "./extract.js";
import { USER_INFO_MAX_STRINGS, WORKLOAD_LIMITS } from "./limits.js";
import { parseAdmissionReview } from "./review.js";
import { codeOf, dig, loadWorkload, reviewOf } from "./testing.js";

function entries(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, "v"]));
}

function containers(count: number, extra: Record<string, unknown> = {}) {
  return Array.from({ length: count }, (_, i) => ({
    name: `c${i}`,
    image: `registry.example.com/app${i}:1`,
    ...extra,
  }));
}

function pod(metadata: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "apps", ...metadata },
    spec: { containers: containers(1), ...spec },
  };
}

function factsOf(object: Record<string, unknown>, overrides: Parameters<typeof reviewOf>[1] = {}) {
  return extractFacts(parseAdmissionReview(reviewOf(object, overrides)));
}

/** A decider that must not be asked: a refused workload is answered unread. */
const unasked: AdmissionDecider = () => {
  throw new Error("the decider was asked about a refused workload");
};

describe("WORKLOAD_LIMITS", () => {
  it.each([
    [
      "the Pod's annotations",
      pod({ annotations: entries(WORKLOAD_LIMITS.annotations + 1) }),
      /metadata\.annotations has 1025/,
    ],
    ["the Pod's labels", pod({ labels: entries(WORKLOAD_LIMITS.labels + 1) }), /metadata\.labels has 1025/],
    [
      "containers of all kinds",
      pod({}, { containers: containers(200), initContainers: containers(57) }),
      /more than 256 containers/,
    ],
    [
      "capabilities added",
      pod(
        {},
        {
          containers: containers(2, {
            securityContext: { capabilities: { add: Array(513).fill("NET_ADMIN") } },
          }),
        },
      ),
      /adds 1026 capabilities/,
    ],
    [
      "volumes",
      pod({}, { volumes: Array.from({ length: 1025 }, (_, i) => ({ name: `v${i}`, emptyDir: {} })) }),
      /spec\.volumes has 1025/,
    ],
  ])("refuses a workload past the limit on %s, unread", (_name, object, reason) => {
    const facts = factsOf(object);
    expect(facts.type).toBe("refused");
    if (facts.type !== "refused") return;
    expect(facts.reason).toMatch(reason);
    expect(facts).toMatchObject({ kind: "Pod", namespace: "namespaceValue", name: "web" });
  });

  it("reads a workload at every limit", () => {
    const facts = factsOf(
      pod(
        { annotations: entries(WORKLOAD_LIMITS.annotations), labels: entries(WORKLOAD_LIMITS.labels) },
        {
          containers: containers(WORKLOAD_LIMITS.containers, {
            securityContext: { capabilities: { add: Array(4).fill("NET_ADMIN") } },
          }),
          volumes: Array.from({ length: WORKLOAD_LIMITS.volumes }, (_, i) => ({ name: `v${i}` })),
        },
      ),
    );
    expect(facts.type).toBe("workload");
    if (facts.type === "workload") expect(facts.images).toHaveLength(WORKLOAD_LIMITS.containers);
  });

  it("counts the pod template's metadata and spec, where the kind keeps them", () => {
    const deployment = loadWorkload("Deployment");
    const template = dig(deployment, "spec", "template") as Record<string, Record<string, unknown>>;
    template.metadata!.annotations = entries(WORKLOAD_LIMITS.annotations + 1);
    const facts = factsOf(deployment);
    expect(facts.type === "refused" && facts.reason).toMatch(
      /spec\.template\.metadata\.annotations has 1025/,
    );
  });

  it("reads an UPDATE whose old object is past the limits as if every image changed", () => {
    const old = pod({ annotations: entries(WORKLOAD_LIMITS.annotations + 1) });
    const facts = factsOf(pod(), { operation: "UPDATE", oldObject: old });
    expect(facts.type).toBe("workload");
    if (facts.type === "workload") expect(facts.images.map((i) => i.changed)).toEqual([true]);
  });

  it("denies a refused workload in validate mode, and pins nothing in mutate mode, without asking", async () => {
    const body = reviewOf(pod({ annotations: entries(30_000) }));
    const validated = (await admit(body, unasked, "validate")).response.response;
    expect(validated.allowed).toBe(false);
    expect(validated.status?.code).toBe(403);
    expect(validated.status?.message).toMatch(
      /^Pod namespaceValue\/web: Pod refused unread: metadata\.annotations has 30000 entries; at most 1024 are read/,
    );
    expect(validated.auditAnnotations).toMatchObject({ decision: "deny" });
    const mutated = (await admit(body, unasked, "mutate")).response.response;
    expect(mutated.allowed).toBe(true);
    expect(mutated.patch).toBeUndefined();
    expect(mutated.warnings?.[0]).toMatch(/at most 1024 are read/);
  });
});

describe("a review the JSON reader did not read whole", () => {
  it("refuses a workload to check unread, with the reader's reason, and still skips what needs no check", async () => {
    const incomplete = "a JSON object has more than 100000 members (the rest were not kept)";
    const body = reviewOf(pod());
    const validated = (await admit(body, unasked, "validate", { incomplete })).response.response;
    expect(validated.allowed).toBe(false);
    expect(validated.status?.message).toContain(`Pod refused unread: ${incomplete}`);
    const deleted = reviewOf(pod(), { operation: "DELETE" });
    expect((await admit(deleted, unasked, "validate", { incomplete })).response.response.allowed).toBe(true);
  });
});

describe("USER_INFO_MAX_STRINGS", () => {
  function withUserInfo(userInfo: Record<string, unknown>) {
    const review = reviewOf(pod());
    (review.request as Record<string, unknown>).userInfo = userInfo;
    return review;
  }

  it("reads a user of many groups and extra values, up to the limit", () => {
    const groups = Array.from({ length: USER_INFO_MAX_STRINGS - 11 }, (_, i) => `g${i}`);
    const review = parseAdmissionReview(
      withUserInfo({ username: "u", groups, extra: { scopes: Array(10).fill("s") } }),
    );
    expect(review.request.userInfo.groups).toHaveLength(USER_INFO_MAX_STRINGS - 11);
  });

  it("refuses a review whose userInfo holds more, before the schema walks it", () => {
    const extra = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, Array(100).fill("v")]));
    expect(codeOf(() => parseAdmissionReview(withUserInfo({ username: "u", extra })))).toBe("REVIEW_INVALID");
    const groups = Array(USER_INFO_MAX_STRINGS + 1).fill("g");
    expect(codeOf(() => parseAdmissionReview(withUserInfo({ username: "u", groups })))).toBe(
      "REVIEW_INVALID",
    );
  });
});
