import { z } from "zod";
import { everyItem, isObject, optionalString } from "../shape-checks.js";

/**
 * What we read of a CycloneDX 1.4–1.6 JSON BOM (cyclonedx.org/docs/1.6/json/): only the fields we
 * use, type-checked; everything else passes through untouched. `tools` changed shape in 1.5 (an
 * array of tools became `{components, services}`), so both are accepted.
 */

const str = (what = "a string") =>
  z.string({ error: (i) => (i.input === undefined ? "is required" : `must be ${what}`) });

export const cdxProperty = z.looseObject({ name: str(), value: str().optional() });

const licenseChoice = z.looseObject({
  license: z.looseObject({ id: str().optional(), name: str().optional() }).optional(),
  expression: str().optional(),
});

/**
 * One component, without what is nested in it: `components` holds nested components unchecked, and
 * the reader walks and checks them one at a time (cyclonedx/read.ts), iteratively, so nesting depth
 * costs no stack (a recursive schema overflowed it, and a recursive walk had to stop somewhere).
 */
export const cdxComponent = z.looseObject({
  type: str(),
  "bom-ref": str().optional(),
  group: str().optional(),
  name: str(),
  version: str().optional(),
  purl: str().optional(),
  licenses: z.array(licenseChoice).optional(),
  properties: z.array(cdxProperty).optional(),
  components: z.array(z.unknown()).optional(),
});

export type CdxInputComponent = z.infer<typeof cdxComponent>;

const tool = z.looseObject({ name: str().optional(), version: str().optional() });

export const cdxBom = z.looseObject({
  bomFormat: z.literal("CycloneDX"),
  specVersion: str(),
  metadata: z
    .looseObject({
      timestamp: str().optional(),
      tools: z.union([z.array(tool), z.looseObject({ components: z.array(tool).optional() })]).optional(),
      component: cdxComponent.optional(),
    })
    .optional(),
  // Components and dependencies are checked one at a time by the reader (checkedComponent,
  // checkedDependency): a million of them through one schema copies every object first.
  components: z.array(z.unknown()).optional(),
  dependencies: z.array(z.unknown()).optional(),
});

export type CdxInputBom = z.infer<typeof cdxBom>;

export const cdxDependency = z.looseObject({ ref: str(), dependsOn: z.array(str()).optional() });

export type CdxInputDependency = z.infer<typeof cdxDependency>;

/*
 * Fast paths: plain checks of exactly what the schemas above require, so a well-formed value is used
 * as it is, without the copy a zod parse makes (the object stays as JSON.parse built it: extra
 * fields pass through either way). Anything the check refuses goes through zod, whose error names
 * the field; a test holds that whatever the check accepts, the schema accepts too.
 */

const isProperty = (v: unknown) => isObject(v) && typeof v.name === "string" && optionalString(v.value);

const isLicenseChoice = (v: unknown) =>
  isObject(v) &&
  optionalString(v.expression) &&
  (v.license === undefined ||
    (isObject(v.license) && optionalString(v.license.id) && optionalString(v.license.name)));

export function isComponentShape(v: unknown): v is CdxInputComponent {
  return (
    isObject(v) &&
    typeof v.type === "string" &&
    typeof v.name === "string" &&
    optionalString(v["bom-ref"]) &&
    optionalString(v.group) &&
    optionalString(v.version) &&
    optionalString(v.purl) &&
    everyItem(v.licenses, isLicenseChoice) &&
    everyItem(v.properties, isProperty) &&
    everyItem(v.components, () => true)
  );
}

export function isDependencyShape(v: unknown): v is CdxInputDependency {
  return isObject(v) && typeof v.ref === "string" && everyItem(v.dependsOn, (d) => typeof d === "string");
}
