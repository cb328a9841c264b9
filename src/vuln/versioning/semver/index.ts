import { SemVer } from "semver";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * Semantic Versioning 2.0.0 (https://semver.org/#spec-item-11), the order of npm and crates.io,
 * through node-semver in loose mode: real advisories carry "v1.2.3", "=1.2.3" and the odd
 * leading zero. Build metadata does not take part in the order.
 */
function parse(version: string): SemVer | null {
  try {
    return new SemVer(version, { loose: true });
  } catch {
    return null;
  }
}

const cache = new ParseCache(parse);

function read(version: string): SemVer {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("semver", version, "not MAJOR.MINOR.PATCH[-pre][+build]");
  return parsed;
}

export const semver: VersionScheme = {
  id: "semver",
  isValid: (version) => cache.get(version) !== null,
  compare: (a, b) => read(a).compare(read(b)),
};
