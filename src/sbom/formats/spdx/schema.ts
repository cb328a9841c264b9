import { z } from "zod";

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
  packages: z.array(spdxPackage).optional(),
  hasExtractedLicensingInfos: z
    .array(z.looseObject({ licenseId: str(), extractedText: str(), name: str().optional() }))
    .optional(),
  relationships: z
    .array(z.looseObject({ spdxElementId: str(), relationshipType: str(), relatedSpdxElement: str() }))
    .optional(),
});

export type SpdxInputDocument = z.infer<typeof spdxDocument>;
