import { describe, expect, it } from "vitest";
import { schemeById } from "./list.js";
import { schemeForPackageType } from "./package-type.js";

describe("schemeForPackageType", () => {
  it.each([
    ["deb", "dpkg"],
    ["apk", "apk"],
    ["rpm", "rpm"],
    ["npm", "semver"],
    ["cargo", "semver"],
    ["pypi", "pep440"],
    ["golang", "go"],
    ["maven", "maven"],
    ["gem", "rubygems"],
    ["nuget", "nuget"],
    ["composer", "packagist"],
    ["DEB", "dpkg"],
  ])("%s is ordered by %s", (type, id) => {
    expect(schemeForPackageType(type)).toBe(schemeById(id));
  });

  it.each(["", "generic", "oci", "github", "hackage"])("%j has no scheme", (type) => {
    expect(schemeForPackageType(type)).toBeUndefined();
  });
});
