import { z } from "zod";

/**
 * The organisation's standards file (YAML), validated strictly: an unknown key is an error naming it,
 * so a typo never silently switches a standard off.
 *
 *   apiVersion: portcullis.dev/v1
 *   kind: Standards
 *   forbiddenPackages:            # development tools and risky packages that must not ship
 *     - { name: "gcc*", type: deb, reason: "compilers do not belong in production images" }
 *   minimumVersions:              # "bash at least the version that fixed shellshock"
 *     - { name: bash, type: deb, version: "4.3-7", reason: "CVE-2014-6271 (shellshock)" }
 *   approvedBaseImages:
 *     - { name: docker.io/library/debian, tags: ["12*", "bookworm*"] }
 *   requireKnownBase: false       # true: an image whose base cannot be told is a violation
 */

export const PACKAGE_TYPES = [
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
] as const;

export const STANDARD_SEVERITIES = ["critical", "high", "medium", "low"] as const;

const nonEmpty = (what: string) =>
  z.string({ error: `expected ${what} (a string)` }).min(1, { error: `expected a non-empty ${what}` });

const packageType = z.enum(PACKAGE_TYPES, { error: `expected a package type: ${PACKAGE_TYPES.join(", ")}` });
const severity = z.enum(STANDARD_SEVERITIES, {
  error: `expected a severity: ${STANDARD_SEVERITIES.join(", ")}`,
});

const forbidden = z.strictObject(
  {
    name: nonEmpty("package name or glob"),
    type: packageType.optional(),
    reason: z.string().optional(),
    severity: severity.optional(),
  },
  { error: "expected a mapping with name, and optionally type, reason and severity" },
);

const minimum = z.strictObject(
  {
    name: nonEmpty("package name"),
    type: packageType.optional(),
    // A string only: YAML reads an unquoted 1.10 as the number 1.1 (load.ts says to quote it).
    version: z.string({ error: "expected a version (a string)" }),
    reason: z.string().optional(),
    severity: severity.optional(),
  },
  { error: "expected a mapping with name and version, and optionally type, reason and severity" },
);

const stringList = z.array(z.string(), { error: "expected a list of strings" });

const base = z.strictObject(
  { name: nonEmpty("image name"), tags: stringList.optional(), digests: stringList.optional() },
  { error: "expected a mapping with name, and optionally tags and digests" },
);

export const standardsSchema = z.strictObject(
  {
    apiVersion: z.literal("portcullis.dev/v1", { error: 'expected "portcullis.dev/v1"' }).optional(),
    kind: z.literal("Standards", { error: 'expected "Standards"' }).optional(),
    forbiddenPackages: z.array(forbidden, { error: "expected a list" }).optional(),
    minimumVersions: z.array(minimum, { error: "expected a list" }).optional(),
    approvedBaseImages: z.array(base, { error: "expected a list" }).optional(),
    requireKnownBase: z.boolean({ error: "expected true or false" }).optional(),
  },
  {
    error: "expected a mapping with forbiddenPackages, minimumVersions, approvedBaseImages, requireKnownBase",
  },
);

export type StandardsDocument = z.infer<typeof standardsSchema>;
