/**
 * The example standards file must be right on a stock Debian image: every debian:bookworm image has
 * gcc-12-base (the GCC runtime's shared files, pulled in by libgcc-s1 and libstdc++6), which is not a
 * compiler. testdata/debian-bookworm-minbase.status is the package list of a bookworm minbase system
 * (Priority: required plus apt, what debian:bookworm holds), taken from an installed bookworm.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDpkgStatus } from "../../src/sbom/catalogers/dpkg/index.js";
import {
  checkStandards,
  loadStandards,
  type StandardsPackage,
  schemeForPackageType,
} from "../../src/vuln/index.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/standards/production.yaml", import.meta.url));
const BOOKWORM = fileURLToPath(new URL("testdata/debian-bookworm-minbase.status", import.meta.url));

function debPackage(name: string, version: string): StandardsPackage {
  return { type: "deb", name, version, locations: [{ path: "/var/lib/dpkg/status", layerIndex: 0 }] };
}

function bookwormPackages(): StandardsPackage[] {
  const { entries, warnings } = parseDpkgStatus(readFileSync(BOOKWORM, "utf8"));
  expect(warnings).toEqual([]);
  return entries.map((entry) => debPackage(entry.name, entry.version));
}

describe("examples/standards/production.yaml", () => {
  it("passes a stock debian:bookworm image", () => {
    const packages = bookwormPackages();
    expect(packages.map((p) => p.name)).toContain("gcc-12-base");
    const violations = checkStandards(loadStandards(EXAMPLE), { packages }, schemeForPackageType);
    expect(violations.map((v) => v.message)).toEqual([]);
  });

  it("still flags the compilers themselves, not their runtime", () => {
    const packages = [
      ...bookwormPackages(),
      debPackage("gcc", "4:12.2.0-3"),
      debPackage("gcc-12", "12.2.0-14"),
      debPackage("g++-12", "12.2.0-14"),
      debPackage("cpp-12", "12.2.0-14"),
      debPackage("gcc-14-x86-64-linux-gnu", "14.2.0-19"),
    ];
    const violations = checkStandards(loadStandards(EXAMPLE), { packages }, schemeForPackageType);
    expect(violations.map((v) => v.package?.name).sort()).toEqual([
      "cpp-12",
      "g++-12",
      "gcc",
      "gcc-12",
      "gcc-14-x86-64-linux-gnu",
    ]);
  });
});
