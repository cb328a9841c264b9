import { apk } from "./apk/index.js";
import { dpkg } from "./dpkg/index.js";
import { go } from "./go/index.js";
import { maven } from "./maven/index.js";
import { nuget } from "./nuget/index.js";
import { packagist } from "./packagist/index.js";
import { pep440 } from "./pep440/index.js";
import { rpm } from "./rpm/index.js";
import { rubygems } from "./rubygems/index.js";
import type { VersionScheme } from "./scheme.js";
import { semver } from "./semver/index.js";

/**
 * The one list of version schemes (renovate's lib/modules/versioning/api.ts): a new scheme is a
 * folder and one line here; list.test.ts checks every folder is listed under its own name.
 */
export const versionSchemes: readonly VersionScheme[] = Object.freeze([
  apk,
  dpkg,
  go,
  maven,
  nuget,
  packagist,
  pep440,
  rpm,
  rubygems,
  semver,
]);

const byId = new Map(versionSchemes.map((scheme) => [scheme.id, scheme]));

/** The scheme with this id (its folder name), or undefined. */
export function schemeById(id: string): VersionScheme | undefined {
  return byId.get(id);
}
