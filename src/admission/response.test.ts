import { describe, expect, it } from "vitest";
import { isValidAuditAnnotationKey } from "./audit-annotations.js";
import type { ImageDecision, WorkloadDecision } from "./decision.js";
import { AdmissionError } from "./errors.js";
import { extractFacts } from "./extract.js";
import type { WorkloadFacts } from "./facts.js";
import { escapePointerToken, jsonPointer } from "./json-pointer.js";
import { type AdmissionReviewResponse, reviewToResponse, WARNING_MAX_LENGTH } from "./response.js";
import { type AdmissionReview, parseAdmissionReview } from "./review.js";
import { dig, loadFixture, loadWorkload, reviewOf } from "./testing.js";

/** RFC 6901 tokens of a pointer. */
function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`bad pointer ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

type Op = { op: string; path: string; value?: unknown };

/** A tiny RFC 6902 apply (add, replace, remove, test), strict about missing targets. */
function applyPatch(doc: unknown, ops: Op[]): unknown {
  const root = structuredClone(doc);
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    const last = tokens.pop();
    if (last === undefined) throw new Error("patching the root is not expected here");
    let parent: unknown = root;
    for (const t of tokens) {
      if (typeof parent !== "object" || parent === null || !(t in parent)) throw new Error(`no ${op.path}`);
      parent = (parent as Record<string, unknown>)[t];
    }
    if (typeof parent !== "object" || parent === null) throw new Error(`no parent for ${op.path}`);
    const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
    const map = parent as Record<string, unknown>;
    const index = last === "-" ? (list?.length ?? 0) : Number(last);
    switch (op.op) {
      case "add":
        if (list) list.splice(index, 0, op.value);
        else map[last] = op.value;
        break;
      case "replace":
        if (!(last in map)) throw new Error(`replace of missing ${op.path}`);
        if (list) list[index] = op.value;
        else map[last] = op.value;
        break;
      case "remove":
        if (!(last in map)) throw new Error(`remove of missing ${op.path}`);
        if (list) list.splice(index, 1);
        else delete map[last];
        break;
      case "test":
        if (JSON.stringify(map[last]) !== JSON.stringify(op.value)) throw new Error(`test failed ${op.path}`);
        break;
      default:
        throw new Error(`unexpected op ${op.op}`);
    }
  }
  return root;
}

function decodePatch(response: AdmissionReviewResponse): Op[] {
  expect(response.response.patchType).toBe("JSONPatch");
  return JSON.parse(Buffer.from(response.response.patch!, "base64").toString("utf8")) as Op[];
}

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const D3 = `sha256:${"3".repeat(64)}`;

/** The Deployment fixture with real image references, as a parsed review and its facts. */
function deployment(version: "v1" | "v1beta1" = "v1") {
  const object = loadWorkload("Deployment");
  const spec = dig(object, "spec", "template", "spec") as Record<string, Record<string, unknown>[]>;
  spec.containers![0]!.image = "nginx:1.27";
  spec.initContainers![0]!.image = "localhost:5000/a/b/c";
  spec.ephemeralContainers![0]!.image = `busybox@${D3}`;
  const review = parseAdmissionReview(reviewOf(object, { version }));
  const facts = extractFacts(review) as WorkloadFacts;
  return { object, review, facts };
}

function decide(facts: WorkloadFacts, pick: (i: number) => Partial<ImageDecision>): WorkloadDecision {
  return {
    images: facts.images.map((image, i) => ({ path: image.path, verdict: "allow", reasons: [], ...pick(i) })),
  };
}

function expectValidAnnotations(response: AdmissionReviewResponse): void {
  for (const key of Object.keys(response.response.auditAnnotations ?? {})) {
    expect(isValidAuditAnnotationKey(key), key).toBe(true);
  }
}

describe("reviewToResponse: validate", () => {
  it("allows when every image is allowed, echoing uid and apiVersion", () => {
    const { review, facts } = deployment();
    const response = reviewToResponse(
      review,
      decide(facts, () => ({})),
      "validate",
    );
    expect(response).toMatchObject({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "uidValue", allowed: true, auditAnnotations: { decision: "allow" } },
    });
    expect(response.response.status).toBeUndefined();
    expect(response.response.warnings).toBeUndefined();
    expect(JSON.parse(response.response.auditAnnotations!.images!)).toEqual([
      {
        path: "/spec/template/spec/containers/0/image",
        image: "docker.io/library/nginx:1.27",
        verdict: "allow",
      },
      {
        path: "/spec/template/spec/initContainers/0/image",
        image: "localhost:5000/a/b/c:latest",
        verdict: "allow",
      },
      {
        path: "/spec/template/spec/ephemeralContainers/0/image",
        image: `docker.io/library/busybox@${D3}`,
        verdict: "allow",
      },
    ]);
    expectValidAnnotations(response);
  });

  it("echoes a v1beta1 review as v1beta1", () => {
    const { review, facts } = deployment("v1beta1");
    const response = reviewToResponse(
      review,
      decide(facts, () => ({})),
      "validate",
    );
    expect(response.apiVersion).toBe("admission.k8s.io/v1beta1");
    expect(response.response.uid).toBe("uidValue");
  });

  it("denies with every failing reason, of every denied image and of the pod", () => {
    const { review, facts } = deployment();
    const decision = decide(facts, (i) =>
      i === 0
        ? {
            verdict: "deny",
            reasons: ["not signed by keys/release.pub", "critical CVE-2024-1234 in openssl"],
          }
        : i === 1
          ? { verdict: "deny", reasons: ["registry localhost:5000 is not trusted"] }
          : {},
    );
    decision.workload = { verdict: "deny", reasons: ["hostNetwork is not allowed"] };
    const response = reviewToResponse(review, decision, "validate");
    expect(response.response.allowed).toBe(false);
    expect(response.response.status).toMatchObject({ code: 403, reason: "Forbidden", status: "Failure" });
    const message = response.response.status!.message;
    expect(message.startsWith("Deployment namespaceValue/nameValue: ")).toBe(true);
    for (const text of [
      'container "nameValue" (docker.io/library/nginx:1.27): not signed by keys/release.pub; critical CVE-2024-1234',
      'initContainer "nameValue" (localhost:5000/a/b/c:latest): registry localhost:5000 is not trusted',
      "pod: hostNetwork is not allowed",
    ]) {
      expect(message).toContain(text);
    }
    expect(message).not.toContain("ephemeralContainer");
    expect(response.response.auditAnnotations?.decision).toBe("deny");
  });

  it("answers warnings for warn verdicts, printable and short, and still allows", () => {
    const { review, facts } = deployment();
    const decision = decide(facts, (i) =>
      i === 0 ? { verdict: "warn", reasons: ["scan is 30h old\u0000\nmax 24h", "x".repeat(1000)] } : {},
    );
    const response = reviewToResponse(review, decision, "validate");
    expect(response.response.allowed).toBe(true);
    expect(response.response.warnings).toHaveLength(1);
    const warning = response.response.warnings![0]!;
    expect(warning).toMatch(
      /^container "nameValue" \(docker\.io\/library\/nginx:1\.27\): scan is 30h old +max 24h/,
    );
    expect(warning.length).toBeLessThanOrEqual(WARNING_MAX_LENGTH);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(warning).not.toMatch(/[\u0000-\u001f]/);
    expect(response.response.auditAnnotations?.decision).toBe("warn");
  });

  it("fails closed: an image without a decision, or no decision at all, is denied", () => {
    const { review, facts } = deployment();
    const partial = decide(facts, () => ({}));
    partial.images.pop();
    const response = reviewToResponse(review, partial, "validate");
    expect(response.response.allowed).toBe(false);
    expect(response.response.status?.message).toMatch(/ephemeralContainer .*no policy decision was made/);
    const none = reviewToResponse(review, undefined, "validate");
    expect(none.response.allowed).toBe(false);
    expect(none.response.status?.message).toMatch(/pod: no policy decision was made/);
  });

  it("allows a review with nothing to check (unknown kind), in both modes", () => {
    const body = loadFixture("admission.k8s.io.v1beta1.AdmissionReview.json");
    (body.request as Record<string, unknown>).operation = "CREATE";
    const review = parseAdmissionReview(body);
    for (const mode of ["validate", "mutate"] as const) {
      expect(reviewToResponse(review, undefined, mode)).toEqual({
        apiVersion: "admission.k8s.io/v1beta1",
        kind: "AdmissionReview",
        response: { uid: "uidValue", allowed: true },
      });
    }
  });

  it("sanitises the decider's audit annotation keys to valid qualified names", () => {
    const { review, facts } = deployment();
    const decision = decide(facts, () => ({}));
    decision.auditAnnotations = {
      "portcullis.dev/break-glass": "used by alice",
      "policy digest": D1,
      decision: "overridden?",
      [`${"k".repeat(80)}`]: "long",
    };
    const response = reviewToResponse(review, decision, "validate");
    expectValidAnnotations(response);
    expect(response.response.auditAnnotations).toMatchObject({
      decision: "allow",
      "decision-2": "overridden?",
      "portcullis.dev-break-glass": "used by alice",
      "policy-digest": D1,
      ["k".repeat(63)]: "long",
    });
  });

  it("caps a huge denial message", () => {
    const { review, facts } = deployment();
    const decision = decide(facts, () => ({ verdict: "deny", reasons: ["r".repeat(100_000)] }));
    const message = reviewToResponse(review, decision, "validate").response.status!.message;
    expect(message.length).toBeLessThanOrEqual(16 * 1024);
    expect(message.endsWith("…")).toBe(true);
  });
});

describe("reviewToResponse: mutate", () => {
  function mutate(
    review: AdmissionReview,
    decision: WorkloadDecision,
    options: { keepTag?: boolean; recordAnnotation?: string } = {},
  ) {
    return reviewToResponse(review, decision, "mutate", { mutate: options });
  }

  it("pins each resolved tag to its digest; the patch applied gives the expected object", () => {
    const { object, review, facts } = deployment();
    const decision = decide(facts, (i) => ({
      digest: [D1, D2, D3][i]!,
      verdict: i === 0 ? "deny" : "allow",
    }));
    const response = mutate(review, decision);
    // Mutation never denies: the validating webhook judges the pinned object.
    expect(response.response.allowed).toBe(true);
    const ops = decodePatch(response);
    expect(ops).toEqual([
      {
        op: "replace",
        path: "/spec/template/spec/containers/0/image",
        value: `docker.io/library/nginx@${D1}`,
      },
      {
        op: "replace",
        path: "/spec/template/spec/initContainers/0/image",
        value: `localhost:5000/a/b/c@${D2}`,
      },
    ]);
    const expected = structuredClone(object);
    const spec = dig(expected, "spec", "template", "spec") as Record<string, Record<string, unknown>[]>;
    spec.containers![0]!.image = `docker.io/library/nginx@${D1}`;
    spec.initContainers![0]!.image = `localhost:5000/a/b/c@${D2}`;
    expect(applyPatch(object, ops)).toEqual(expected);
    expect(JSON.parse(response.response.auditAnnotations!["pinned-images"]!)).toHaveLength(2);
  });

  it("keeps the tag beside the digest when configured", () => {
    const { review, facts } = deployment();
    const ops = decodePatch(
      mutate(
        review,
        decide(facts, (i) => ({ digest: [D1, D2][i] })),
        { keepTag: true },
      ),
    );
    expect(ops.map((op) => op.value)).toEqual([
      `docker.io/library/nginx:1.27@${D1}`,
      `localhost:5000/a/b/c:latest@${D2}`,
    ]);
  });

  it("records the original references in an annotation, escaping '/' in its key as ~1", () => {
    const { object, review, facts } = deployment();
    const ops = decodePatch(
      mutate(
        review,
        decide(facts, (i) => (i === 0 ? { digest: D1 } : {})),
        {
          recordAnnotation: "portcullis.dev/original-images",
        },
      ),
    );
    expect(ops[1]).toEqual({
      op: "add",
      path: "/metadata/annotations/portcullis.dev~1original-images",
      value: JSON.stringify({ "/spec/template/spec/containers/0/image": "nginx:1.27" }),
    });
    const patched = applyPatch(object, ops) as { metadata: { annotations: Record<string, string> } };
    expect(patched.metadata.annotations).toEqual({
      annotationsKey: "annotationsValue",
      "portcullis.dev/original-images": ops[1]!.value,
    });
  });

  it("adds the annotations map when the object has none", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ image: "nginx" }] },
    };
    const review = parseAdmissionReview(reviewOf(pod));
    const facts = extractFacts(review) as WorkloadFacts;
    const ops = decodePatch(
      mutate(
        review,
        decide(facts, () => ({ digest: D1 })),
        { recordAnnotation: "pinned" },
      ),
    );
    expect(applyPatch(pod, ops)).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "p",
        annotations: { pinned: JSON.stringify({ "/spec/containers/0/image": "nginx" }) },
      },
      spec: { containers: [{ image: `docker.io/library/nginx@${D1}` }] },
    });
  });

  it("refuses an invalid record annotation key", () => {
    const { review, facts } = deployment();
    expect(() =>
      mutate(
        review,
        decide(facts, () => ({ digest: D1 })),
        { recordAnnotation: "Bad Key/x" },
      ),
    ).toThrow(AdmissionError);
  });

  it("patches nothing for invalid digests, digest-pinned images, or paths that are not image fields", () => {
    const { review, facts } = deployment();
    const decision = decide(facts, (i) => ({ digest: i === 0 ? "sha256:short" : i === 2 ? D1 : undefined }));
    decision.images.push({ path: "/metadata/name", verdict: "allow", reasons: [], digest: D1 });
    const response = mutate(review, decision);
    expect(response.response).toEqual({ uid: "uidValue", allowed: true });
  });
});

describe("JSON pointers", () => {
  it.each([
    ["a/b", "a~1b"],
    ["m~n", "m~0n"],
    ["~1", "~01"],
    ["/~", "~1~0"],
  ])("escapes %j as %j and parses back", (token, escaped) => {
    expect(escapePointerToken(token)).toBe(escaped);
    expect(parsePointer(jsonPointer(["metadata", token]))).toEqual(["metadata", token]);
  });
});
