import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPackageShape, isRelationshipShape, spdxPackage, spdxRelationship } from "./schema.js";

/** The reader's plain checks must never accept what the schemas refuse (see cyclonedx/schema.test.ts). */

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
  fc.integer(),
  fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom("comment", "referenceType"), fc.oneof(fc.string(), fc.integer()), {
    maxKeys: 2,
  }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, junk);
const externalRef = fc.record(
  {
    referenceCategory: maybe(fc.string()),
    referenceType: maybe(fc.string()),
    referenceLocator: maybe(fc.string()),
  },
  { requiredKeys: [] },
);
const pkg = fc.record(
  {
    SPDXID: maybe(fc.string()),
    name: maybe(fc.string()),
    versionInfo: maybe(fc.string()),
    licenseDeclared: maybe(fc.string()),
    licenseConcluded: maybe(fc.string()),
    sourceInfo: maybe(fc.string()),
    primaryPackagePurpose: maybe(fc.string()),
    externalRefs: maybe(fc.array(maybe(externalRef), { maxLength: 2 })),
    annotations: maybe(
      fc.array(maybe(fc.record({ comment: maybe(fc.string()) }, { requiredKeys: [] })), { maxLength: 2 }),
    ),
    attributionTexts: maybe(fc.array(maybe(fc.string()), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);
const relationship = fc.record(
  {
    spdxElementId: maybe(fc.string()),
    relationshipType: maybe(fc.string()),
    relatedSpdxElement: maybe(fc.string()),
  },
  { requiredKeys: [] },
);

describe("SPDX fast shape checks", () => {
  it("accept only what the schemas accept (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.oneof(pkg, junk), fc.oneof(relationship, junk), (p, r) => {
        if (isPackageShape(p)) expect(spdxPackage.safeParse(p).success).toBe(true);
        if (isRelationshipShape(r)) expect(spdxRelationship.safeParse(r).success).toBe(true);
      }),
      { seed: 22, numRuns: 5000 },
    );
  });

  it("accept well-formed packages and relationships", () => {
    const p = {
      SPDXID: "SPDXRef-a",
      name: "a",
      versionInfo: "1",
      externalRefs: [
        { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: "pkg:npm/a@1" },
      ],
      annotations: [{ comment: "portcullis:x=y", annotator: "Tool: t" }],
      downloadLocation: "NOASSERTION",
    };
    expect(isPackageShape(p)).toBe(true);
    expect(
      isRelationshipShape({ spdxElementId: "a", relationshipType: "DEPENDS_ON", relatedSpdxElement: "b" }),
    ).toBe(true);
  });
});
