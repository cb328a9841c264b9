import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectLinearTime, withinBudget } from "../../../test/support/budget.js";
import type { Package } from "../model.js";
import { toCycloneDx } from "./cyclonedx/write.js";
import type { SbomDocument } from "./document.js";
import { readSbom } from "./read.js";
import { toSpdx } from "./spdx/write.js";
import { SBOM_BUDGET, sampleDocument } from "./testing.js";

/**
 * Issue 22, item 8: reading and writing SBOMs is linear in their size. Each shape below was quadratic
 * (SPDX with one package depending on 50,000 others did not finish in 120 s; CycloneDX repeating a
 * dependency ref took 25.6 s; 20,000 packages of one name took 23 s to write). Every read and write is
 * held to `SBOM_BUDGET` (CPU time and peak memory per byte of SBOM), and each shape's time must grow no
 * faster than its size from n to 8n components.
 */

/** Reads or writes within `SBOM_BUDGET` for the `bytes` of SBOM text involved. */
function budgeted<T>(what: string, bytes: number, run: () => T): T {
  return withinBudget({ what, size: bytes }, SBOM_BUDGET, run).value;
}

const purlRef = (purl: string) => [
  { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl },
];

/** SPDX: package 0 DEPENDS_ON every other one (an application and its flat dependency list). */
function spdxStar(n: number): string {
  const packages = Array.from({ length: n + 1 }, (_, i) => ({
    SPDXID: `SPDXRef-p${i}`,
    name: `p${i}`,
    versionInfo: "1.0.0",
    externalRefs: purlRef(`pkg:npm/p${i}@1.0.0`),
  }));
  const relationships = packages.slice(1).map((p) => ({
    spdxElementId: "SPDXRef-p0",
    relationshipType: "DEPENDS_ON",
    relatedSpdxElement: p.SPDXID,
  }));
  return JSON.stringify({
    spdxVersion: "SPDX-2.3",
    SPDXID: "SPDXRef-DOCUMENT",
    name: "star",
    dataLicense: "CC0-1.0",
    documentNamespace: "https://example.com/star",
    creationInfo: { created: "2026-01-01T00:00:00Z", creators: ["Tool: test"] },
    packages,
    relationships,
  });
}

type Shape = "star" | "repeated-refs" | "same-name" | "chain" | "nested";

interface Component {
  type: string;
  name: string;
  "bom-ref": string;
  purl: string;
  properties: { name: string; value: string }[];
}

/** CycloneDX of `n` components in one of the shapes that were quadratic, or nested deeply. */
function cycloneDx(shape: Shape, n: number): string {
  const sameName = shape === "same-name";
  const components: Component[] = Array.from({ length: n }, (_, i) => ({
    type: "library",
    name: sameName ? "lodash" : `p${i}`,
    "bom-ref": `r${i}`,
    purl: sameName ? `pkg:npm/lodash@4.17.${i}` : `pkg:npm/p${i}@1.0.0`,
    properties: [{ name: "syft:location:0:path", value: `/app/n${i % 997}/node_modules/x${i}/package.json` }],
  }));
  let dependencies: { ref: string; dependsOn: string[] }[] = [];
  if (shape === "repeated-refs")
    dependencies = components.map((c) => ({ ref: "r0", dependsOn: [c["bom-ref"]] }));
  if (shape === "same-name" || shape === "chain")
    dependencies = components.map((c, i) => ({ ref: c["bom-ref"], dependsOn: [`r${(i + 1) % n}`] }));
  const text = (list: readonly unknown[]) =>
    JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: list, dependencies });
  if (shape !== "nested") return text(components);
  // Up to 1,000 levels deep, the rest side by side at the bottom.
  const depth = Math.min(n - 1, 1000);
  const bottom = JSON.stringify(components.slice(depth)).slice(1, -1);
  let nested = bottom;
  for (let i = depth - 1; i >= 0; i--)
    nested = `${JSON.stringify(components[i]).slice(0, -1)},"components":[${nested}]}`;
  return text([]).replace('"components":[]', `"components":[${nested}]`);
}

const SHAPES = ["star", "repeated-refs", "same-name", "chain", "nested"] as const;
const sbomText = (shape: Shape, n: number) => (shape === "star" ? spdxStar(n) : cycloneDx(shape, n));

describe("SBOM readers and writers at scale (issue 22, item 8)", () => {
  it("reads SPDX with one package depending on 50,000 others", () => {
    const text = spdxStar(50_000);
    const result = budgeted("readSbom (SPDX star)", text.length, () => readSbom(text));
    expect(result.packages.find((p) => p.name === "p0")?.dependsOn).toHaveLength(50_000);
  });

  it("reads CycloneDX whose dependencies repeat one ref 50,000 times", () => {
    const text = cycloneDx("repeated-refs", 50_000);
    const result = budgeted("readSbom (repeated refs)", text.length, () => readSbom(text));
    expect(result.packages[0]?.dependsOn).toHaveLength(49_999);
  });

  it("writes 20,000 packages of one name, each depending on that name, as CycloneDX and SPDX", () => {
    const text = cycloneDx("same-name", 20_000);
    const doc = readSbom(text);
    expect(doc.packages.every((p) => p.dependsOn?.length === undefined)).toBe(true); // self-named edges drop on read
    const packages: Package[] = doc.packages.map((p) => ({ ...p, dependsOn: ["lodash"] }));
    const sameName: SbomDocument = { ...sampleDocument(packages) };
    budgeted("toCycloneDx (same name)", text.length, () => toCycloneDx(sameName));
    const spdx = budgeted("toSpdx (same name)", text.length, () => toSpdx(sameName));
    expect(JSON.parse(spdx).packages).toHaveLength(20_002);
  });

  it.each(SHAPES)("takes some 8 times as long for 8 times the components, not 64 (%s)", async (shape) => {
    const small = sbomText(shape, 2_000);
    const large = sbomText(shape, 16_000);
    await expectLinearTime(
      `readSbom (${shape})`,
      { size: small.length, run: () => readSbom(small) },
      { size: large.length, run: () => readSbom(large) },
      { slack: 3, floorMs: 50 },
    );
  });

  it("reads any shape and size within budget, and writes it back (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPES), fc.integer({ min: 1, max: 20_000 }), (shape, n) => {
        const text = sbomText(shape, n);
        const read = budgeted(`readSbom (${shape})`, text.length, () => readSbom(text));
        expect(read.incomplete).toBeUndefined();
        expect(read.packages.length).toBeGreaterThanOrEqual(n);
        const format = n % 2 === 0 ? "CycloneDX" : "SPDX";
        budgeted(`to${format} (${shape})`, text.length, () =>
          format === "CycloneDX" ? toCycloneDx(read) : toSpdx(read),
        );
      }),
      { seed: 22, numRuns: 10 },
    );
  });
});
