import { describe, expect, it } from "vitest";
import { compileFilters, isArtifactTag } from "./index.js";

const HEX = "a".repeat(64);

describe("replication filters", () => {
  it.each([
    [`sha256-${HEX}`, true],
    [`sha256-${HEX}.sig`, true],
    [`sha256-${HEX}.att`, true],
    [`sha256-${HEX}.sbom`, true],
    [`sha512-${"b".repeat(128)}`, true],
    ["sha256-short.sig", false],
    ["v1.0", false],
    [`sha256-${HEX}.other`, false],
  ])("%s is an artifact tag: %s", (tag, expected) => {
    expect(isArtifactTag(tag)).toBe(expected);
  });

  it("matches repositories and tags by glob, never artifact tags, and maps the destination", () => {
    const filters = compileFilters({
      repositories: ["team/*", "base"],
      tags: ["v*", "latest"],
      signedOnly: false,
      destinationNamespace: "site-b/",
    });
    expect(["team/app", "team/a/b", "base", "other/app", "teamx"].map((r) => filters.repository(r))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(["v1", "latest", "dev", `sha256-${HEX}.sig`].map((t) => filters.tag(t))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(filters.destination("team/app")).toBe("site-b/team/app");
  });

  it("matches everything when no globs are given, and keeps names without a namespace", () => {
    const filters = compileFilters({ repositories: [], tags: [], signedOnly: true });
    expect(filters.repository("any/thing")).toBe(true);
    expect(filters.tag("anything")).toBe(true);
    expect(filters.tag(`sha256-${HEX}`)).toBe(false);
    expect(filters.destination("any/thing")).toBe("any/thing");
    expect(filters.signedOnly).toBe(true);
  });

  it.each([
    [{ destinationNamespace: "UPPER" }, "destination namespace"],
    [{ destinationNamespace: "a//b" }, "destination namespace"],
    [{ repositories: [""] }, "repository glob"],
    [{ tags: ["x".repeat(256)] }, "tag glob"],
  ])("refuses %j with INVALID_ARGUMENT", (change, message) => {
    const rule = { repositories: [], tags: [], signedOnly: false, ...change };
    expect(() => compileFilters(rule)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => compileFilters(rule)).toThrow(message);
  });
});
