import { describe, expect, it } from "vitest";
import type { OsvEvent, OsvRange } from "../sources/osv/schema.js";
import { dpkg } from "../versioning/dpkg/index.js";
import { pep440 } from "../versioning/pep440/index.js";
import { evaluateAffected, inRange } from "./ranges.js";
import { semverOrder } from "./semver-order.js";

const ecosystem = (...events: OsvEvent[]): OsvRange => ({ type: "ECOSYSTEM", events });

describe("inRange (osv-schema evaluation)", () => {
  it.each<[string, OsvEvent[], string, boolean]>([
    ["introduced 0, before fixed", [{ introduced: "0" }, { fixed: "1.5.0" }], "1.4.9", true],
    ["introduced 0, at fixed", [{ introduced: "0" }, { fixed: "1.5.0" }], "1.5.0", false],
    ["introduced 0, after fixed", [{ introduced: "0" }, { fixed: "1.5.0" }], "2.0.0", false],
    ["below introduced", [{ introduced: "1.2.0" }, { fixed: "1.5.0" }], "1.1.9", false],
    ["at introduced", [{ introduced: "1.2.0" }, { fixed: "1.5.0" }], "1.2.0", true],
    ["introduced only", [{ introduced: "1.2.0" }], "99.0.0", true],
    ["last_affected itself", [{ introduced: "0" }, { last_affected: "1.11.0" }], "1.11.0", true],
    ["after last_affected", [{ introduced: "0" }, { last_affected: "1.11.0" }], "1.11.1", false],
    [
      "two branches, first",
      [{ introduced: "1.0.0" }, { fixed: "1.5.0" }, { introduced: "2.0.0" }, { fixed: "2.5.0" }],
      "1.2.0",
      true,
    ],
    [
      "two branches, between",
      [{ introduced: "1.0.0" }, { fixed: "1.5.0" }, { introduced: "2.0.0" }, { fixed: "2.5.0" }],
      "1.7.0",
      false,
    ],
    [
      "two branches, second",
      [{ introduced: "1.0.0" }, { fixed: "1.5.0" }, { introduced: "2.0.0" }, { fixed: "2.5.0" }],
      "2.4.0",
      true,
    ],
    [
      "two branches, past both",
      [{ introduced: "1.0.0" }, { fixed: "1.5.0" }, { introduced: "2.0.0" }, { fixed: "2.5.0" }],
      "3.0.0",
      false,
    ],
    [
      "events given out of order",
      [{ fixed: "2.5.0" }, { introduced: "2.0.0" }, { fixed: "1.5.0" }, { introduced: "1.0.0" }],
      "2.1.0",
      true,
    ],
    ["below limit", [{ introduced: "1.0.0" }, { limit: "2.0.0" }], "1.9.0", true],
    ["at limit", [{ introduced: "1.0.0" }, { limit: "2.0.0" }], "2.0.0", false],
    ["limit with fixed", [{ introduced: "0" }, { fixed: "1.1.0" }, { limit: "1.5.0" }], "1.0.0", true],
    [
      "semver prerelease below introduced",
      [{ introduced: "1.16.0-0" }, { fixed: "1.16.1" }],
      "1.15.9",
      false,
    ],
    ["semver prerelease introduced", [{ introduced: "1.16.0-0" }, { fixed: "1.16.1" }], "1.16.0-rc1", true],
  ])("%s: %s %s", (_name, events, version, want) => {
    expect(inRange(version, events, semverOrder)).toBe(want);
  });

  it("orders by the ecosystem's scheme, not by text", () => {
    const events = [{ introduced: "0" }, { fixed: "4.2+dfsg-0.1+deb7u1" }];
    expect(inRange("4.2+dfsg-0.1", events, dpkg)).toBe(true);
    expect(inRange("4.2+dfsg-0.1+deb7u3", events, dpkg)).toBe(false);
    expect(inRange("1:1.0", events, dpkg)).toBe(false);
    expect(inRange("2.10", [{ introduced: "0" }, { fixed: "2.10.1" }], pep440)).toBe(true);
    expect(inRange("2.10.0.post1", [{ introduced: "0" }, { fixed: "2.10.1" }], pep440)).toBe(true);
    expect(inRange("2.9", [{ introduced: "0" }, { fixed: "2.10.1" }], pep440)).toBe(true);
  });
});

describe("evaluateAffected", () => {
  const byType = (type: "ECOSYSTEM" | "SEMVER") => (type === "SEMVER" ? semverOrder : pep440);

  it("matches the explicit versions list even without ranges", () => {
    expect(evaluateAffected("2.0rc1", { ranges: [], versions: ["2.0rc1"] }, byType)).toMatchObject({
      affected: true,
      fixed: [],
    });
    expect(evaluateAffected("2.0", { ranges: [], versions: ["2.0rc1"] }, byType).affected).toBe(false);
  });

  it("gives the lowest fixed version above the installed one across matching ranges", () => {
    const verdict = evaluateAffected(
      "1.2",
      {
        ranges: [
          ecosystem({ introduced: "0" }, { fixed: "1.3" }, { introduced: "2.0" }, { fixed: "2.1" }),
          ecosystem({ introduced: "1.0" }, { fixed: "1.2.5" }),
        ],
        versions: [],
      },
      byType,
    );
    expect(verdict).toEqual({ affected: true, fixed: ["1.2.5", "1.3", "2.1"], problems: [] });
  });

  it("ignores GIT ranges", () => {
    const git: OsvRange = { type: "GIT", repo: "https://github.com/x/y", events: [{ introduced: "0" }] };
    expect(evaluateAffected("1.0", { ranges: [git], versions: [] }, byType).affected).toBe(false);
  });

  it("reports a range it cannot evaluate instead of throwing", () => {
    const verdict = evaluateAffected(
      "not a version!",
      { ranges: [{ type: "SEMVER", events: [{ introduced: "1.0.0" }] }], versions: [] },
      byType,
    );
    expect(verdict.affected).toBe(false);
    expect(verdict.problems).toHaveLength(1);
  });
});
