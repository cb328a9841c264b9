import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The SPDX License List (licences and exceptions), taken from the copy the CycloneDX library ships
 * as the enum of `res/schema/spdx.SNAPSHOT.schema.json`: it is the list CycloneDX validates
 * `license.id` against, so an id we call known is one a CycloneDX validator accepts too.
 * The enum holds the licence ids sorted, then the exception ids sorted; we split where the order
 * restarts. Loaded once, on first use.
 */

export interface SpdxLicenseList {
  /** Lower-cased id → canonical id (SPDX ids match case-insensitively, SPDX 2.3 Annex D.2). */
  licenses: ReadonlyMap<string, string>;
  exceptions: ReadonlyMap<string, string>;
  /** The list's version, from the schema's `$comment` (e.g. "v1.1-3.29.0"). */
  version: string;
}

let cached: SpdxLicenseList | undefined;

export function spdxLicenseList(): SpdxLicenseList {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json"));
  const schema = JSON.parse(readFileSync(join(root, "res/schema/spdx.SNAPSHOT.schema.json"), "utf8")) as {
    enum: string[];
    $comment?: string;
  };
  const ids = schema.enum;
  let split = ids.length;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]!.toLowerCase() < ids[i - 1]!.toLowerCase()) {
      split = i;
      break;
    }
  }
  const toMap = (list: string[]) => new Map(list.map((id) => [id.toLowerCase(), id]));
  cached = {
    licenses: toMap(ids.slice(0, split)),
    exceptions: toMap(ids.slice(split)),
    version: schema.$comment ?? "unknown",
  };
  return cached;
}
