import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { riskyPackages } from "./risky.js";

describe("riskyPackages", () => {
  it("finds shells, package managers and compilers in a CycloneDX SBOM", () => {
    const sbom = readFileSync(join(import.meta.dirname, "testdata", "debian-sbom.cdx.json"));
    expect(riskyPackages(sbom).map((p) => `${p.kind} ${p.name}`)).toEqual([
      "compiler gcc-12",
      "compiler make",
      "package-manager apt",
      "package-manager dpkg",
      "package-manager pip",
      "shell bash",
      "shell dash",
    ]);
  });

  it("gives none for what is not an SBOM", () => {
    expect(riskyPackages("not json")).toEqual([]);
    expect(riskyPackages("{}")).toEqual([]);
    expect(riskyPackages('{"components":[null,{"name":7}]}')).toEqual([]);
  });
});
