import { z } from "zod";
import { everyItem, isObject, optionalString } from "../shape-checks.js";

/**
 * What we read of an SPDX 2.2 or 2.3 JSON document (spdx.github.io/spdx-spec/v2.3/): the fields
 * the specification requires of a document and of a package, and the optional ones we use.
 * Other fields pass through untouched.
 */

const str = () => z.string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") });

const annotation = z.looseObject({ comment: str().optional() });

export const spdxPackage = z.looseObject({
  SPDXID: str(),
  name: str(),
  versionInfo: str().optional(),
  licenseDeclared: str().optional(),
  licenseConcluded: str().optional(),
  sourceInfo: str().optional(),
  primaryPackagePurpose: str().optional(),
  externalRefs: z
    .array(z.looseObject({ referenceCategory: str(), referenceType: str(), referenceLocator: str() }))
    .optional(),
  annotations: z.array(annotation).optional(),
  attributionTexts: z.array(str()).optional(),
});

export type SpdxInputPackage = z.infer<typeof spdxPackage>;

export const spdxDocument = z.looseObject({
  spdxVersion: str(),
  SPDXID: str(),
  name: str(),
  dataLicense: str(),
  documentNamespace: str(),
  creationInfo: z.looseObject({
    created: str(),
    creators: z.array(str()).min(1, "must name at least one creator"),
  }),
  documentDescribes: z.array(str()).optional(),
  // Packages and relationships are checked one at a time by the reader (a million of them through
  // one schema copies every object first).
  packages: z.array(z.unknown()).optional(),
  hasExtractedLicensingInfos: z
    .array(z.looseObject({ licenseId: str(), extractedText: str(), name: str().optional() }))
    .optional(),
  relationships: z.array(z.unknown()).optional(),
});

export type SpdxInputDocument = z.infer<typeof spdxDocument>;

export const spdxRelationship = z.looseObject({
  spdxElementId: str(),
  relationshipType: str(),
  relatedSpdxElement: str(),
});

export type SpdxInputRelationship = z.infer<typeof spdxRelationship>;

/*
 * Fast paths: plain checks of exactly what the schemas above require, so a well-formed value is used
 * as JSON.parse built it; anything refused goes through zod, whose error names the field. A test
 * holds that whatever a check accepts, its schema accepts too.
 */

const isExternalRef = (v: unknown) =>
  isObject(v) &&
  typeof v.referenceCategory === "string" &&
  typeof v.referenceType === "string" &&
  typeof v.referenceLocator === "string";

export function isPackageShape(v: unknown): v is SpdxInputPackage {
  return (
    isObject(v) &&
    typeof v.SPDXID === "string" &&
    typeof v.name === "string" &&
    optionalString(v.versionInfo) &&
    optionalString(v.licenseDeclared) &&
    optionalString(v.licenseConcluded) &&
    optionalString(v.sourceInfo) &&
    optionalString(v.primaryPackagePurpose) &&
    everyItem(v.externalRefs, isExternalRef) &&
    everyItem(v.annotations, (a) => isObject(a) && optionalString(a.comment)) &&
    everyItem(v.attributionTexts, (t) => typeof t === "string")
  );
}

export function isRelationshipShape(v: unknown): v is SpdxInputRelationship {
  return (
    isObject(v) &&
    typeof v.spdxElementId === "string" &&
    typeof v.relationshipType === "string" &&
    typeof v.relatedSpdxElement === "string"
  );
}
