import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAdmissionReview, parseAdmissionReviewJson } from "./review.js";
import { codeOf, loadFixture } from "./testing.js";

function fixture(version: "v1" | "v1beta1"): Record<string, unknown> {
  const review = loadFixture(`admission.k8s.io.${version}.AdmissionReview.json`);
  // The round-trip fixture fills operation with a placeholder; a real API server sends one of four.
  (review.request as Record<string, unknown>).operation = "UPDATE";
  return review;
}

describe("parseAdmissionReview", () => {
  it.each(["v1", "v1beta1"] as const)("reads every request field of the %s fixture", (version) => {
    const review = parseAdmissionReview(fixture(version));
    expect(review.apiVersion).toBe(`admission.k8s.io/${version}`);
    expect(review.request).toEqual({
      uid: "uidValue",
      kind: { group: "groupValue", version: "versionValue", kind: "kindValue" },
      resource: { group: "groupValue", version: "versionValue", resource: "resourceValue" },
      subResource: "subResourceValue",
      requestKind: { group: "groupValue", version: "versionValue", kind: "kindValue" },
      requestResource: { group: "groupValue", version: "versionValue", resource: "resourceValue" },
      requestSubResource: "requestSubResourceValue",
      name: "nameValue",
      namespace: "namespaceValue",
      operation: "UPDATE",
      userInfo: {
        username: "usernameValue",
        uid: "uidValue",
        groups: ["groupsValue"],
        extra: { extraKey: ["extraValue"] },
      },
      object: {
        apiVersion: "example.com/v1",
        kind: "CustomType",
        spec: { replicas: 1 },
        status: { available: 1 },
      },
      oldObject: {
        apiVersion: "example.com/v1",
        kind: "CustomType",
        spec: { replicas: 1 },
        status: { available: 1 },
      },
      dryRun: true,
      options: {
        apiVersion: "example.com/v1",
        kind: "CustomType",
        spec: { replicas: 1 },
        status: { available: 1 },
      },
    });
  });

  it("refuses the fixture's placeholder operation, naming the field", () => {
    const raw = loadFixture("admission.k8s.io.v1.AdmissionReview.json");
    expect(() => parseAdmissionReview(raw)).toThrow(/request\.operation: must be one of CREATE, UPDATE/);
  });

  it("reads a minimal DELETE request with null object and defaults", () => {
    const review = parseAdmissionReview({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        operation: "DELETE",
        userInfo: {},
        object: null,
        oldObject: { kind: "Pod" },
        dryRun: null,
      },
    });
    expect(review.request.object).toBeUndefined();
    expect(review.request.dryRun).toBe(false);
    expect(review.request.userInfo).toEqual({ username: "", groups: [], extra: {} });
  });

  const base = () => fixture("v1");
  const cases: [string, (r: Record<string, unknown>) => unknown, RegExp][] = [
    ["not an object", () => "hello", /\(document\): must be an object/],
    ["null", () => null, /must be an object/],
    ["an array", () => [], /must be an object/],
    ["another apiVersion", (r) => ({ ...r, apiVersion: "admission.k8s.io/v2" }), /apiVersion: must be/],
    ["another kind", (r) => ({ ...r, kind: "ConversionReview" }), /^malformed AdmissionReview: kind:/],
    ["no request", (r) => ({ ...r, request: undefined }), /request: is required/],
    [
      "no uid",
      (r) => ({ ...r, request: { ...(r.request as object), uid: undefined } }),
      /request\.uid: is required/,
    ],
    [
      "empty uid",
      (r) => ({ ...r, request: { ...(r.request as object), uid: "" } }),
      /request\.uid: must not be empty/,
    ],
    [
      "huge uid",
      (r) => ({ ...r, request: { ...(r.request as object), uid: "u".repeat(10_000) } }),
      /request\.uid/,
    ],
    [
      "numeric uid",
      (r) => ({ ...r, request: { ...(r.request as object), uid: 7 } }),
      /request\.uid: must be a string/,
    ],
    [
      "kind as string",
      (r) => ({ ...r, request: { ...(r.request as object), kind: "Pod" } }),
      /request\.kind: must be an object/,
    ],
    [
      "object as list",
      (r) => ({ ...r, request: { ...(r.request as object), object: [1] } }),
      /request\.object: must be an object/,
    ],
    [
      "dryRun as string",
      (r) => ({ ...r, request: { ...(r.request as object), dryRun: "true" } }),
      /request\.dryRun: must be a boolean/,
    ],
    [
      "groups not strings",
      (r) => ({ ...r, request: { ...(r.request as object), userInfo: { groups: [1] } } }),
      /request\.userInfo\.groups\[0\]: must be a string/,
    ],
  ];
  it.each(cases)("refuses a review with %s (REVIEW_INVALID)", (_name, mutate, message) => {
    const body = mutate(base());
    expect(codeOf(() => parseAdmissionReview(body))).toBe("REVIEW_INVALID");
    expect(() => parseAdmissionReview(body)).toThrow(message);
  });

  it("parses JSON bodies and refuses non-JSON and oversized ones", () => {
    const text = JSON.stringify(fixture("v1beta1"));
    expect(parseAdmissionReviewJson(text).apiVersion).toBe("admission.k8s.io/v1beta1");
    expect(parseAdmissionReviewJson(new TextEncoder().encode(text)).request.uid).toBe("uidValue");
    expect(codeOf(() => parseAdmissionReviewJson("{"))).toBe("REVIEW_INVALID");
    expect(codeOf(() => parseAdmissionReviewJson(new Uint8Array([0xff, 0xfe, 0x00])))).toBe("REVIEW_INVALID");
    expect(() => parseAdmissionReviewJson(text, 100)).toThrow(/limit is 100/);
    expect(codeOf(() => parseAdmissionReviewJson(`${"[".repeat(100_000)}${"]".repeat(100_000)}`))).toBe(
      "REVIEW_INVALID",
    );
  });

  it("never throws anything but REVIEW_INVALID on garbage", () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const code = codeOf(() => parseAdmissionReview(body));
        expect(["REVIEW_INVALID", "no error"]).toContain(code);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(codeOf(() => parseAdmissionReviewJson(text))).toBe("REVIEW_INVALID");
      }),
      { numRuns: 300 },
    );
  });

  it("never throws anything but REVIEW_INVALID when any request field is replaced by garbage", () => {
    const keys = Object.keys(base().request as object);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        const body = base();
        (body.request as Record<string, unknown>)[key] = value;
        expect(["REVIEW_INVALID", "no error"]).toContain(codeOf(() => parseAdmissionReview(body)));
      }),
      { numRuns: 500 },
    );
  });
});
