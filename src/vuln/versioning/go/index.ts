import { SemVer } from "semver";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * Go module versions (https://go.dev/ref/mod#versions): strict semver behind a "v", with the
 * shorthands "v1" and "v1.2" of golang.org/x/mod/semver. Pseudo-versions
 * (v0.0.0-20191109021931-daa7c04131f5) are prereleases and order by their timestamp; build
 * metadata such as "+incompatible" is ignored. OSV writes Go versions without the "v", so it is
 * optional here.
 */
const SHORTHAND = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/;

function parse(version: string): SemVer | null {
  let text = version.charCodeAt(0) === 118 /* v */ ? version.slice(1) : version;
  // "1" and "1.2" stand for "1.0.0" and "1.2.0", but only bare: "v1.2-pre" is invalid in Go.
  if (SHORTHAND.test(text)) text += text.includes(".") ? ".0" : ".0.0";
  if (text.length === 0 || text.charCodeAt(0) === 118 || text.charCodeAt(0) === 61 /* = */) return null;
  try {
    return new SemVer(text, { loose: false });
  } catch {
    return null;
  }
}

const cache = new ParseCache(parse);

function read(version: string): SemVer {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("go", version, "not a Go module version");
  return parsed;
}

export const go: VersionScheme = {
  id: "go",
  isValid: (version) => cache.get(version) !== null,
  compare: (a, b) => read(a).compare(read(b)),
};
