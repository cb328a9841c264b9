import semver from "semver";
import { VulnError } from "../errors.js";
import type { VersionScheme } from "../versioning/scheme.js";

/**
 * OSV "SEMVER" ranges are ordered by SemVer 2.0.0 whatever the ecosystem (osv-schema,
 * "Evaluation"). Go publishes its ranges this way without the "v" prefix Go versions carry, so a
 * leading "v" is dropped before comparing.
 */
export const semverOrder: VersionScheme = {
  id: "semver",
  isValid: (version) => parsed(version) !== null,
  compare(a, b) {
    const left = parsed(a);
    const right = parsed(b);
    if (left === null || right === null) {
      throw new VulnError("VERSION_INVALID", `not a SemVer 2.0 version: ${left === null ? a : b}`);
    }
    return left.compare(right);
  },
};

/**
 * Matching compares the same few versions (an advisory's events) against many packages: keep the
 * parsed forms. Bounded; cleared whole when full, which is rare and cheap.
 */
const cache = new Map<string, semver.SemVer | null>();
const CACHE_SIZE = 20_000;

function parsed(version: string): semver.SemVer | null {
  let value = cache.get(version);
  if (value === undefined) {
    value = semver.parse(version.startsWith("v") ? version.slice(1) : version);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(version, value);
  }
  return value;
}
