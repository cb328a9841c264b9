import { describe, expect, it } from "vitest";
import { schemeForEcosystem, supportedEcosystems } from "./ecosystem.js";
import { schemeById } from "./list.js";

describe("schemeForEcosystem", () => {
  it.each([
    ["Debian", "dpkg"],
    ["Debian:12", "dpkg"],
    ["Debian:11", "dpkg"],
    ["Ubuntu", "dpkg"],
    ["Ubuntu:22.04:LTS", "dpkg"],
    ["Ubuntu:Pro:18.04:LTS", "dpkg"],
    ["Ubuntu:Pro:FIPS:20.04:LTS", "dpkg"],
    ["Alpine", "apk"],
    ["Alpine:v3.18", "apk"],
    ["Wolfi", "apk"],
    ["Chainguard", "apk"],
    ["MinimOS", "apk"],
    ["Red Hat", "rpm"],
    ["Red Hat:enterprise_linux:9::appstream", "rpm"],
    ["Red Hat:rhel_aus:8.4::appstream", "rpm"],
    ["AlmaLinux", "rpm"],
    ["AlmaLinux:9", "rpm"],
    ["Rocky Linux:9", "rpm"],
    ["openSUSE", "rpm"],
    ["openSUSE:Tumbleweed", "rpm"],
    ["SUSE:Linux Enterprise Server 15 SP5", "rpm"],
    ["Mageia:9", "rpm"],
    ["npm", "semver"],
    ["crates.io", "semver"],
    ["PyPI", "pep440"],
    ["Go", "go"],
    ["Maven", "maven"],
    ["RubyGems", "rubygems"],
    ["NuGet", "nuget"],
    ["Packagist", "packagist"],
  ])("%s is ordered by %s", (ecosystem, id) => {
    expect(schemeForEcosystem(ecosystem)).toBe(schemeById(id));
  });

  // Oracle Linux is no OSV ecosystem; the others have no scheme yet; names are case-sensitive.
  it.each([
    "",
    "Oracle Linux",
    "Hackage",
    "CRAN",
    "Pub",
    "GIT",
    "Linux",
    "debian",
    "PYPI",
    "Unknown:1",
    ":Debian",
  ])("%j has no scheme", (ecosystem) => {
    expect(schemeForEcosystem(ecosystem)).toBeUndefined();
  });

  it("maps every supported ecosystem to a listed scheme", () => {
    for (const name of supportedEcosystems()) expect(schemeForEcosystem(name)?.id).toBeDefined();
  });
});
