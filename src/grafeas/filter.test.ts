import { describe, expect, it } from "vitest";
import { matchesFilter, parseFilter } from "./filter.js";

const URI = `https://reg.example/team/app@sha256:${"a".repeat(64)}`;

describe("parseFilter", () => {
  it("reads resourceUri (and resourceUrl), kind and noteName joined by AND", () => {
    expect(parseFilter(undefined)).toEqual({});
    expect(parseFilter("  ")).toEqual({});
    expect(parseFilter(`resourceUrl="${URI}"`)).toEqual({ resourceUri: URI });
    expect(parseFilter(`resourceUri = "${URI}" AND kind="VULNERABILITY"`)).toEqual({
      resourceUri: URI,
      kind: "VULNERABILITY",
    });
    expect(parseFilter('noteName="projects/ci/notes/tests-passed" AND kind="ATTESTATION"')).toEqual({
      noteName: "projects/ci/notes/tests-passed",
      kind: "ATTESTATION",
    });
    expect(parseFilter('noteName="a\\"b"')).toEqual({ noteName: 'a"b' });
  });

  it.each([
    ['kind="VULNERABILITY" OR kind="BUILD"', /only AND/],
    ['NOT kind="BUILD"', /expected field/],
    ['createTime>"2020"', /expected field/],
    ['severity="HIGH"', /unsupported field "severity"/],
    ['kind="NOPE"', /kind must be one of/],
    ['kind="BUILD" AND kind="IMAGE"', /kind given twice/],
    ['kind="BUILD" AND', /only AND|expected field/],
    ["kind=BUILD", /expected field/],
  ])("refuses %s", (text, message) => {
    expect(() => parseFilter(text)).toThrow(message);
    try {
      parseFilter(text);
    } catch (err) {
      expect((err as { code: string }).code).toBe("INVALID_ARGUMENT");
    }
  });

  it("refuses a filter longer than 4096 characters", () => {
    expect(() => parseFilter(`kind="${"x".repeat(5000)}"`)).toThrow(/longer than/);
  });

  it("matches every term", () => {
    const o = { resourceUri: URI, kind: "BUILD", noteName: "projects/p/notes/n" };
    expect(matchesFilter(o, {})).toBe(true);
    expect(matchesFilter(o, { resourceUri: URI, kind: "BUILD" })).toBe(true);
    expect(matchesFilter(o, { resourceUri: URI, kind: "IMAGE" })).toBe(false);
    expect(matchesFilter(o, { noteName: "projects/p/notes/m" })).toBe(false);
  });
});
