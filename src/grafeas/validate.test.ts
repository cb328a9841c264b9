import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { swaggerErrors } from "./testing.js";
import { validateNote, validateOccurrence } from "./validate.js";

const URI = `https://reg.example/team/app@sha256:${"a".repeat(64)}`;
const TESTS_PASSED = {
  resourceUri: URI,
  noteName: "projects/ci/notes/tests-passed",
  kind: "ATTESTATION",
  attestation: { serializedPayload: Buffer.from("ok").toString("base64"), signatures: [] },
};
const example = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./testdata/json_examples/${name}`, import.meta.url), "utf8"));

describe("validateOccurrence", () => {
  it("accepts a CI system's ATTESTATION and keeps its detail as sent", () => {
    expect(swaggerErrors("v1Occurrence", TESTS_PASSED)).toEqual([]);
    const input = validateOccurrence({ ...TESTS_PASSED, name: "ignored", remediation: "none" });
    expect(input).toMatchObject({
      resource: { host: "reg.example", repository: "team/app", digest: `sha256:${"a".repeat(64)}` },
      noteProject: "ci",
      kind: "ATTESTATION",
      remediation: "none",
      detail: TESTS_PASSED.attestation,
    });
  });

  it.each([
    ["not an object", [], /Occurrence object/],
    ["no resourceUri", { ...TESTS_PASSED, resourceUri: undefined }, /resourceUri: required/],
    [
      "a tag, not a digest",
      { ...TESTS_PASSED, resourceUri: "https://reg.example/team/app:1.0" },
      /resourceUri/,
    ],
    ["http", { ...TESTS_PASSED, resourceUri: URI.replace("https", "http") }, /resourceUri/],
    ["a bad note name", { ...TESTS_PASSED, noteName: "notes/x" }, /noteName/],
    ["an unknown kind", { ...TESTS_PASSED, kind: "TESTS" }, /kind: one of/],
    ["no detail", { ...TESTS_PASSED, attestation: undefined }, /attestation: required/],
    ["another kind's detail", { ...TESTS_PASSED, build: {} }, /carries only "attestation"/],
    ["an unknown field", { ...TESTS_PASSED, extra: 1 }, /extra: not a field/],
    ["a huge detail", { ...TESTS_PASSED, attestation: { x: "y".repeat(70_000) } }, /larger than/],
    // The v1beta1 shape of Grafeas's own json_examples (resource.uri, note_name) is not v1.
    ["the v1beta1 example", example("occurrence_vulnerability.json"), /resource: not a field/],
  ])("refuses %s", (_what, body, message) => {
    expect(() => validateOccurrence(body)).toThrow(message);
  });

  it("the swagger validator itself refuses a wrong kind (so the API tests can fail)", () => {
    expect(swaggerErrors("v1Occurrence", { ...TESTS_PASSED, kind: "TESTS" })).not.toEqual([]);
  });
});

describe("validateNote", () => {
  it("accepts Grafeas's build note example and refuses a note without its kind's details", () => {
    const note = example("note_build.json");
    expect(validateNote(note)).toMatchObject({
      kind: "BUILD",
      shortDescription: "Gives an example build note",
    });
    expect(() => validateNote({ kind: "ATTESTATION" })).toThrow(/attestation: required/);
    expect(() => validateNote({ kind: "ATTESTATION", attestation: {}, relatedUrl: [] })).toThrow(
      /relatedUrl/,
    );
  });
});
