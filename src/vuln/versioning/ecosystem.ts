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
 * OSV ecosystem names (https://ossf.github.io/osv-schema/#defined-ecosystems) to the scheme that
 * orders their versions. An ecosystem may carry a release after a colon ("Debian:12",
 * "Ubuntu:Pro:18.04:LTS", "Alpine:v3.18", "Red Hat:rhel_aus:8.4::appstream"); the part before the
 * first colon decides. Names are case-sensitive, as in the schema.
 */
const BY_ECOSYSTEM: ReadonlyMap<string, VersionScheme> = new Map([
  ["Debian", dpkg],
  ["Ubuntu", dpkg],
  ["Alpine", apk],
  ["Wolfi", apk],
  ["Chainguard", apk],
  // MinimOS and BellSoft's Alpaquita are apk-based distributions (osv-scalibr orders MinimOS so too).
  ["MinimOS", apk],
  ["Alpaquita", apk],
  ["Red Hat", rpm],
  ["AlmaLinux", rpm],
  ["Rocky Linux", rpm],
  ["openSUSE", rpm],
  ["SUSE", rpm],
  ["Mageia", rpm],
  ["openEuler", rpm],
  ["Azure Linux", rpm],
  ["npm", semver],
  ["crates.io", semver],
  ["PyPI", pep440],
  ["Go", go],
  ["Maven", maven],
  ["RubyGems", rubygems],
  ["NuGet", nuget],
  ["Packagist", packagist],
]);

/** The scheme for an OSV `affected[].package.ecosystem`, or undefined for one we cannot order. */
export function schemeForEcosystem(ecosystem: string): VersionScheme | undefined {
  const colon = ecosystem.indexOf(":");
  return BY_ECOSYSTEM.get(colon < 0 ? ecosystem : ecosystem.slice(0, colon));
}

/** The ecosystem names (without release suffix) that have a scheme, for documentation and tests. */
export function supportedEcosystems(): string[] {
  return [...BY_ECOSYSTEM.keys()];
}
