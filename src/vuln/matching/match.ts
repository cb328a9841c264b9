import type { AdvisoryDatabase } from "../db/database.js";
import type { MatchableDistro, MatchablePackage } from "../model.js";
import { schemeForEcosystem } from "../versioning/index.js";
import { type MatchOptions, type MatchResult, matchWithSchemes } from "./matcher.js";

/**
 * Finds the advisories affecting each package: one finding per vulnerability per package (aliases
 * merged), with the fixed version, severity and references. `distro` is the image's operating
 * system; without it, distribution packages (deb, apk, rpm) are not matched.
 */
export function matchPackages(
  db: AdvisoryDatabase,
  packages: readonly MatchablePackage[],
  distro?: MatchableDistro,
  options: MatchOptions = {},
): MatchResult {
  return matchWithSchemes(db, packages, distro, options.schemeForEcosystem ?? schemeForEcosystem);
}
