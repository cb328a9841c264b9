import { describe, expect, it } from "vitest";
import { resultsOf } from "../testing.js";

const REQUIRE = { registries: ["127.0.0.1:*/**", "registry.example.com/**"] };

describe("registries", () => {
  it.each([
    [
      "registry.example.com",
      "team/app",
      true,
      'registry.example.com/team/app matches trusted pattern "registry.example.com/**"',
    ],
    ["127.0.0.1:5000", "app", true, 'matches trusted pattern "127.0.0.1:*/**"'],
    ["docker.io", "library/nginx", false, "docker.io/library/nginx is not in a trusted registry (trusted: "],
    ["registry.example.com.evil.io", "team/app", false, "is not in a trusted registry"],
  ])("%s/%s passes: %s", (registry, repository, passed, reason) => {
    const [result] = resultsOf(REQUIRE, { image: { registry, repository } }, "registries");
    expect(result).toMatchObject({ rule: "registries", passed });
    expect(result!.reason).toContain(reason);
  });
});
