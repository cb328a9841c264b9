import { describe, expect, it } from "vitest";
import { allowRuleProblem, checkAllowlist, tagVersion } from "./allowlist.js";
import { proxySettingsOf, upstreamNamed, upstreamRepository } from "./settings.js";

const RULES = ["library/alpine:3.*", "library/nginx@>=1.25 <1.27", "team/*", "bad rule!"];

describe("checkAllowlist", () => {
  it("admits tags by glob and by semver range", () => {
    expect(checkAllowlist(RULES, "library/alpine", { tag: "3.19" })).toMatchObject({ allow: true });
    expect(checkAllowlist(RULES, "library/nginx", { tag: "1.25.3" })).toMatchObject({ allow: true });
    expect(checkAllowlist(RULES, "library/nginx", { tag: "v1.26" })).toMatchObject({ allow: true });
  });

  it("refuses tags outside, naming the tag or the repository", () => {
    expect(checkAllowlist(RULES, "library/alpine", { tag: "edge" })).toEqual({
      allow: false,
      reason: "tag edge of library/alpine is not on this proxy project's allowlist",
    });
    expect(checkAllowlist(RULES, "library/nginx", { tag: "1.27.0" })).toMatchObject({ allow: false });
    // A suffix is a prerelease: outside a range that names none.
    expect(checkAllowlist(RULES, "library/nginx", { tag: "1.25-alpine" })).toMatchObject({ allow: false });
    expect(checkAllowlist(RULES, "library/nginx", { tag: "latest" })).toMatchObject({ allow: false });
    expect(checkAllowlist(RULES, "library/redis", { tag: "7" })).toEqual({
      allow: false,
      reason: "upstream repository library/redis is not on this proxy project's allowlist",
    });
  });

  it("admits digests only through rules without a tag condition", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(checkAllowlist(RULES, "team/app", { digest })).toMatchObject({ allow: true, rule: "team/*" });
    expect(checkAllowlist(RULES, "library/alpine", { digest })).toMatchObject({ allow: false });
  });

  it("lets malformed rules admit nothing", () => {
    expect(checkAllowlist(["bad rule!", 7 as unknown as string], "bad rule!", { tag: "x" })).toMatchObject({
      allow: false,
    });
    expect(checkAllowlist([], "library/alpine", { tag: "3.19" })).toMatchObject({ allow: false });
  });
});

describe("allowRuleProblem", () => {
  it("names what is wrong", () => {
    expect(allowRuleProblem("library/alpine:3.*")).toBeUndefined();
    expect(allowRuleProblem("library/nginx@^1.25")).toBeUndefined();
    expect(allowRuleProblem("library/nginx@not a range")).toContain("semver range");
    expect(allowRuleProblem("Library/Alpine")).toContain("repository glob");
    expect(allowRuleProblem("library/alpine:a/b")).toContain("tag glob");
  });
});

describe("tagVersion", () => {
  it("reads image tags as versions", () => {
    expect(tagVersion("1.25")).toBe("1.25.0");
    expect(tagVersion("v3")).toBe("3.0.0");
    expect(tagVersion("1.25.3-alpine")).toBe("1.25.3-alpine");
    expect(tagVersion("latest")).toBeUndefined();
    expect(tagVersion("01.2")).toBe("1.2.0");
  });
});

describe("proxy settings", () => {
  it("maps one-component names to Docker Hub's library/", () => {
    const hub = proxySettingsOf({ upstream: "docker.io", allow: [] })!;
    expect(upstreamRepository(hub, "alpine")).toBe("library/alpine");
    expect(upstreamRepository(hub, "bitnami/redis")).toBe("bitnami/redis");
    const other = proxySettingsOf({ upstream: "ghcr.io", allow: [] })!;
    expect(upstreamRepository(other, "alpine")).toBe("alpine");
    expect(upstreamNamed(hub, "registry-1.docker.io")).toBe(true);
    expect(upstreamNamed(other, "docker.io")).toBe(false);
  });

  it("trusts only well-formed settings", () => {
    expect(proxySettingsOf({ upstream: "https://docker.io", allow: [] })).toBeUndefined();
    expect(proxySettingsOf({ upstream: "docker.io", allow: ["x y"] })).toBeUndefined();
    expect(proxySettingsOf({ upstream: "docker.io", allow: [], extra: 1 })).toBeUndefined();
    expect(proxySettingsOf(undefined)).toBeUndefined();
  });
});
