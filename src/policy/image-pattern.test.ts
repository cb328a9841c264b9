import { describe, expect, it } from "vitest";
import { parseImageReference } from "../oci/index.js";
import { compileImagePattern, type ImagePattern, matchesImage, valueGlob } from "./image-pattern.js";

function compiled(pattern: string): ImagePattern {
  const out = compileImagePattern(pattern);
  if (typeof out === "string") throw new Error(out);
  return out;
}

describe("image patterns", () => {
  it.each([
    ["127.0.0.1:*/**", "127.0.0.1:5000/team/app:1.0", true],
    ["127.0.0.1:*/**", "127.0.0.1/team/app", false],
    ["127.0.0.1:*/**", "127.0.0.2:5000/app", false],
    ["registry.example.com/**", `registry.example.com/a/b/c@sha256:${"a".repeat(64)}`, true],
    ["registry.example.com/**", "registry.example.com.evil.io/a", false],
    ["registry.example.com/**", "evil.io/registry.example.com/a", false],
    ["registry.example.com/*", "registry.example.com/team/app", false],
    ["registry.example.com/*", "registry.example.com/app", true],
    ["registry.example.com/team/*", "registry.example.com/team/app", true],
    ["registry.example.com/**/app", "registry.example.com/a/b/app", true],
    ["registry.example.com/**/app", "registry.example.com/app", false],
    ["registry.k8s.io/pause:*", "registry.k8s.io/pause:3.9", true],
    ["registry.k8s.io/pause:*", `registry.k8s.io/pause@sha256:${"a".repeat(64)}`, true],
    ["registry.k8s.io/pause:*", "registry.k8s.io/pause-evil:3.9", false],
    ["registry.k8s.io/pause:3.?", "registry.k8s.io/pause:3.9", true],
    ["registry.k8s.io/pause:3.?", "registry.k8s.io/pause:3.10", false],
    ["registry.k8s.io/pause:3.9", "registry.k8s.io/pause", false],
    ["nginx", "nginx:1.25", true],
    ["nginx", "docker.io/library/nginx", true],
    ["nginx", "ghcr.io/library/nginx", false],
    ["bitnami/*", "bitnami/redis", true],
    ["index.docker.io/library/*", "busybox", true],
    ["localhost/**", "localhost/a/b", true],
    ["*.example.com/**", "eu.example.com/app", true],
    ["*.example.com/**", "example.com/app", false],
    [`ghcr.io/org/app@sha256:${"a".repeat(64)}`, `ghcr.io/org/app@sha256:${"a".repeat(64)}`, true],
    [`ghcr.io/org/app@sha256:${"a".repeat(64)}`, `ghcr.io/org/app:latest@sha256:${"b".repeat(64)}`, false],
  ])("%s ~ %s is %s", (pattern, reference, expected) => {
    expect(matchesImage(compiled(pattern), parseImageReference(reference))).toBe(expected);
  });

  it.each([
    ["", "must not be empty"],
    ["registry.example.com//app", "empty path segment"],
    ["registry.example.com/a**", "whole path segment"],
    ["registry.example.com/app:", "empty tag"],
    ["registry.example.com/app@sha256", "invalid digest"],
    ["registry example.com/app", "characters"],
  ])("refuses %j", (pattern, problem) => {
    expect(compileImagePattern(pattern)).toContain(problem);
  });

  // Issue 22: globs became backtracking regular expressions, so a dozen stars hung `policy test`.
  it("decides patterns with a dozen stars in linear time", () => {
    const stars = `${"*a".repeat(12)}*b`;
    const started = performance.now();
    const image = { registry: "registry.example.com", repository: "a".repeat(200), tag: "a".repeat(200) };
    expect(matchesImage(compiled(`registry.example.com/${stars}`), image)).toBe(false);
    expect(matchesImage(compiled(`registry.example.com/**:${stars}`), image)).toBe(false);
    expect(
      matchesImage(compiled(`registry.example.com/${"**/".repeat(12)}b`), {
        registry: "registry.example.com",
        repository: `${"a/".repeat(200)}c`,
      }),
    ).toBe(false);
    expect(valueGlob(stars).test("a".repeat(200))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
