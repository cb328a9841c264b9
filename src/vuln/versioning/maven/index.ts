import { isPrintableToken } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";
import { compareLists, type MavenItem, parseMavenVersion } from "./comparable-version.js";

/**
 * Maven versions ordered as maven-artifact's ComparableVersion orders them
 * (https://maven.apache.org/pom.html#version-order-specification). Maven reads any string as a
 * version, so only empty strings and whitespace are refused.
 */
const cache = new ParseCache<MavenItem[] | null>((v) => (isPrintableToken(v) ? parseMavenVersion(v) : null));

function read(version: string): MavenItem[] {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("maven", version, "empty or contains whitespace");
  return parsed;
}

export const maven: VersionScheme = {
  id: "maven",
  isValid: (version) => isPrintableToken(version),
  compare: (a, b) => compareLists(read(a), read(b)),
};
