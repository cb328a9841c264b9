import { z } from "zod";

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
  components: z.array(z.unknown()).optional(),
  dependencies: z.array(z.looseObject({ ref: str(), dependsOn: z.array(str()).optional() })).optional(),
});

export type CdxInputBom = z.infer<typeof cdxBom>;
