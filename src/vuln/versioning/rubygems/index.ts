import { compareDigitRuns, isDigitCode } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * RubyGems versions as Gem::Version (rubygems/lib/rubygems/version.rb) reads and orders them:
 * "-" means ".pre."; segments are runs of digits or of letters; a letter segment marks a
 * prerelease and sorts before any number; trailing zeros of the numeric part and of the
 * prerelease part are dropped ("canonical segments"), so 1.0.a = 1.a.
 */
// Gem::Version::ANCHORED_VERSION_PATTERN, except that letters may follow the first number
// directly ("1beta"), as osv-scalibr's reference cases expect of RubyGems advisories.
const ANCHORED = /^[0-9][0-9a-zA-Z]*(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** A segment: a digit string without leading zeros (prefixed "#") or letters (prefixed "$"). */
type Segments = string[];

function canonical(segments: Segments): Segments {
  const firstString = segments.findIndex((s) => s.charCodeAt(0) === 36);
  const numeric = firstString < 0 ? segments : segments.slice(0, firstString);
  const rest = firstString < 0 ? [] : segments.slice(firstString);
  const trim = (list: Segments): Segments => {
    let end = list.length;
    while (end > 0 && list[end - 1] === "#") end--;
    return list.slice(0, end);
  };
  return [...trim(numeric), ...trim(rest)];
}

function parse(version: string): Segments | null {
  const text = version.trim();
  if (!ANCHORED.test(text)) return null;
  const segments: Segments = [];
  const expanded = text.replaceAll("-", ".pre.");
  let i = 0;
  while (i < expanded.length) {
    const start = i;
    if (isDigitCode(expanded.charCodeAt(i))) {
      while (i < expanded.length && isDigitCode(expanded.charCodeAt(i))) i++;
      let s = start;
      while (s < i - 1 && expanded.charCodeAt(s) === 48) s++;
      const digits = expanded.slice(s, i);
      segments.push(digits === "0" ? "#" : `#${digits}`);
    } else if (expanded.charCodeAt(i) === 46) i++;
    else {
      while (i < expanded.length && expanded.charCodeAt(i) !== 46 && !isDigitCode(expanded.charCodeAt(i)))
        i++;
      segments.push(`$${expanded.slice(start, i)}`);
    }
  }
  return canonical(segments);
}

const cache = new ParseCache(parse);

function read(version: string): Segments {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("rubygems", version, "not a Gem::Version");
  return parsed;
}

function compare(x: string, y: string): number {
  const a = read(x);
  const b = read(y);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    // A missing segment is 0.
    const l = a[i] ?? "#";
    const r = b[i] ?? "#";
    if (l === r) continue;
    const lNumber = l.charCodeAt(0) === 35;
    const rNumber = r.charCodeAt(0) === 35;
    if (lNumber !== rNumber) return lNumber ? 1 : -1;
    if (lNumber) return compareDigitRuns(l, 1, l.length, r, 1, r.length);
    return l < r ? -1 : 1;
  }
  return 0;
}

export const rubygems: VersionScheme = {
  id: "rubygems",
  isValid: (version) => cache.get(version) !== null,
  compare,
};
