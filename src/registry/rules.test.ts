import { describe, expect, it } from "vitest";
import { immutableTagRule, immutableTagRuleProblem, projectOfRepository } from "./rules.js";

describe("immutable-tag rules", () => {
  it.each([
    // rule, repository, tag, immutable?
    ["v*", "team/app", "v1.2.3", true],
    ["v*", "team/app", "latest", false],
    ["v*", "team", "v1", true],
    ["release-?", "team/app", "release-1", true],
    ["release-?", "team/app", "release-10", false],
    ["app:v*", "team/app", "v1", true],
    ["app:v*", "team/web", "v1", false],
    ["app/*:*", "team/app/api", "latest", true],
    ["app/*:*", "team/app", "latest", false],
    ["*:*", "team/anything/deep", "x", true],
    ["**", "team/app", "x", true],
  ])("%s on %s:%s is %s", (rule, repository, tag, immutable) => {
    expect(immutableTagRule([rule], repository, tag) !== undefined).toBe(immutable);
  });

  it("names the first rule that matches and ignores malformed stored ones", () => {
    expect(immutableTagRule(["bad:tag:x", "web:*", "v*", "*"], "team/app", "v1")).toBe("v*");
    expect(immutableTagRule(undefined, "team/app", "v1")).toBeUndefined();
    expect(immutableTagRule([], "team/app", "v1")).toBeUndefined();
  });

  it.each([
    ["v*", undefined],
    ["app/*:v*", undefined],
    ["", /tag glob/],
    ["App:v1", /repository glob/],
    ["app:", /tag glob/],
    ["a:b:c", /tag glob/],
    ["v 1", /tag glob/],
    ["x".repeat(129), /tag glob/],
  ])("rule %j: %s", (rule, problem) => {
    const found = immutableTagRuleProblem(rule);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it("takes a repository's project from its first component", () => {
    expect(projectOfRepository("team/app/api")).toBe("team");
    expect(projectOfRepository("team")).toBe("team");
  });
});
