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
 * purl types (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst) to the scheme
 * that orders their versions, for checks that start from an SBOM package rather than from an
 * advisory (minimum versions in a standards file). Lower-case, as purl types are.
 */
const BY_TYPE: ReadonlyMap<string, VersionScheme> = new Map([
  ["deb", dpkg],
  ["apk", apk],
  ["rpm", rpm],
  ["npm", semver],
  ["cargo", semver],
  ["pypi", pep440],
  ["golang", go],
  ["maven", maven],
  ["gem", rubygems],
  ["nuget", nuget],
  ["composer", packagist],
]);

/** The scheme for a purl type ("deb", "npm", "golang", ...), or undefined. */
export function schemeForPackageType(packageType: string): VersionScheme | undefined {
  return BY_TYPE.get(packageType.toLowerCase());
}
