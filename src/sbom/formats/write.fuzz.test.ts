import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidSpdxExpression } from "../../core/index.js";
import { packageUrl } from "../catalogers/go/purl.js";
import type { Package, PackageType } from "../model.js";
import { toCycloneDx } from "./cyclonedx/write.js";
import { readSbom } from "./read.js";
import { toSpdx } from "./spdx/write.js";
import { cycloneDxValidator, sampleDocument, spdxValidator } from "./testing.js";

/** Whatever strings a cataloger hands over, both writers stay schema-valid and read back. */

const TYPES: PackageType[] = [
  "deb",
  "apk",
  "rpm",
  "npm",
  "pypi",
  "golang",
  "maven",
  "gem",
  "cargo",
  "nuget",
  "composer",
];
// Maven needs a namespace in a purl; the others take the name as it is. Built as the catalogers build
// them (packageUrl falls back to plain encoding where packageurl-js itself crashes, e.g. a golang
// version "v" + non-semver).
function purlFor(type: PackageType, name: string, version: string): string {
  // packageurl-js refuses a name that is only whitespace: such a name gets a stand-in purl.
  return packageUrl(type, type === "maven" ? "org.example" : undefined, name.trim() || "x", version.trim());
}

const text = fc.string({ unit: "grapheme", maxLength: 40 });
const licence = fc.oneof(
  text,
  fc.constantFrom("MIT", "Apache-2.0 OR MIT", "GPL-2.0+", "LicenseRef-x", "ASL 2.0"),
);

const packageArb: fc.Arbitrary<Package> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    name: text,
    version: text,
    licenses: fc.array(licence, { maxLength: 3 }),
    cataloger: text,
    locations: fc.array(fc.record({ path: text }), { maxLength: 2 }),
    dependsOn: fc.array(text, { maxLength: 2 }),
    metadata: fc.dictionary(text, text, { maxKeys: 2 }),
  })
  .map((p) => ({ ...p, purl: purlFor(p.type, p.name, p.version) }));

describe("writers on arbitrary packages", () => {
  const cdx = cycloneDxValidator();
  const spdx = spdxValidator();
  it("stay schema-valid and keep every package", () => {
    fc.assert(
      fc.property(fc.array(packageArb, { maxLength: 6 }), (packages) => {
        const doc = sampleDocument(packages);
        const bom = toCycloneDx(doc);
        expect(cdx(JSON.parse(bom)), JSON.stringify(cdx.errors?.slice(0, 2))).toBe(true);
        const spdxText = toSpdx(doc);
        const spdxDoc = JSON.parse(spdxText) as { packages: { licenseDeclared: string }[] };
        expect(spdx(spdxDoc), JSON.stringify(spdx.errors?.slice(0, 2))).toBe(true);
        for (const p of spdxDoc.packages) {
          if (p.licenseDeclared !== "NOASSERTION")
            expect(isValidSpdxExpression(p.licenseDeclared)).toBe(true);
        }
        expect(readSbom(bom).packages).toHaveLength(packages.length);
        expect(readSbom(spdxText).packages).toHaveLength(packages.length);
      }),
      {
        numRuns: 150,
        // The draw that once failed in CI: packageurl-js throws a ReferenceError on this golang version.
        examples: [
          [
            [
              {
                type: "golang",
                name: "example.com/mod",
                version: "v1.2",
                licenses: [],
                cataloger: "go",
                locations: [],
                dependsOn: [],
                metadata: {},
                purl: purlFor("golang", "example.com/mod", "v1.2"),
              },
            ],
          ],
        ],
      },
    );
  });
});
