import { compareDigitRuns, isDigitCode } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * NuGet versions (https://learn.microsoft.com/nuget/concepts/package-versioning, NuGet.Versioning's
 * VersionComparer): SemVer 2.0.0 with up to four numeric parts (a missing part is 0, leading zeros
 * allowed), release labels compared case-insensitively, build metadata ignored.
 */
const ANCHORED =
  /^[0-9]+(\.[0-9]+){0,3}(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

interface NugetVersion {
  /** The four numeric parts, as digit strings. */
  readonly numbers: string[];
  /** Lower-cased release labels; empty for a release. */
  readonly labels: string[];
}

function parse(version: string): NugetVersion | null {
  const text = version.trim();
  if (!ANCHORED.test(text)) return null;
  const plus = text.indexOf("+");
  const core = plus < 0 ? text : text.slice(0, plus);
  const hyphen = core.indexOf("-");
  const numbers = (hyphen < 0 ? core : core.slice(0, hyphen)).split(".");
  while (numbers.length < 4) numbers.push("0");
  const labels =
    hyphen < 0
      ? []
      : core
          .slice(hyphen + 1)
          .toLowerCase()
          .split(".");
  return { numbers, labels };
}

const cache = new ParseCache(parse);

function read(version: string): NugetVersion {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("nuget", version, "not a NuGet version");
  return parsed;
}

function isNumeric(label: string): boolean {
  for (let i = 0; i < label.length; i++) if (!isDigitCode(label.charCodeAt(i))) return false;
  return true;
}

function compareLabels(a: readonly string[], b: readonly string[]): number {
  // A release sorts after every prerelease of the same numbers.
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i]!;
    const r = b[i]!;
    const ln = isNumeric(l);
    const rn = isNumeric(r);
    let d: number;
    if (ln && rn) d = compareDigitRuns(l, 0, l.length, r, 0, r.length);
    else if (ln !== rn) d = ln ? -1 : 1;
    else d = l < r ? -1 : l > r ? 1 : 0;
    if (d !== 0) return d;
  }
  return Math.sign(a.length - b.length);
}

function compare(x: string, y: string): number {
  const a = read(x);
  const b = read(y);
  for (let i = 0; i < 4; i++) {
    const l = a.numbers[i]!;
    const r = b.numbers[i]!;
    const d = compareDigitRuns(l, 0, l.length, r, 0, r.length);
    if (d !== 0) return d;
  }
  return compareLabels(a.labels, b.labels);
}

export const nuget: VersionScheme = {
  id: "nuget",
  isValid: (version) => cache.get(version) !== null,
  compare,
};
