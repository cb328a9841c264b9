import { parse } from "@renovatebot/pep440";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * Python versions ordered as PEP 440 "Summary of permitted suffixes and relative ordering"
 * (https://peps.python.org/pep-0440/#summary-of-permitted-suffixes-and-relative-ordering), as
 * `packaging.version.Version`'s sort key does. @renovatebot/pep440 parses (normalising spellings
 * such as "1.0-1" = "1.0.post1", "alpha" = "a"); the sort key is built here once per version and
 * cached, since the library's own compare parses both strings on every call.
 */
interface SortKey {
  readonly epoch: number;
  /** The release numbers without trailing zeros (1.0 = 1). */
  readonly release: readonly number[];
  /** "a" < "b" < "rc" as text; "" before all (a bare dev release), "~" after all (no pre). */
  readonly preLabel: string;
  readonly preNumber: number;
  /** -1 when there is no post-release. */
  readonly post: number;
  /** Infinity when there is no dev release. */
  readonly dev: number;
  /** Local label segments, or null; numbers sort after words. */
  readonly local: ReadonlyArray<number | string> | null;
}

function sortKey(version: string): SortKey | null {
  const parsed = parse(version);
  if (parsed === null) return null;
  const release = [...parsed.release];
  while (release.length > 0 && release[release.length - 1] === 0) release.pop();
  const pre = parsed.pre as (string | number)[] | null;
  const post = parsed.post as (string | number)[] | null;
  const dev = parsed.dev as (string | number)[] | null;
  // 1.0.dev0 sorts before 1.0a0, unless it also has a pre- or post-release.
  const preLabel = pre ? String(pre[0]) : !post && dev ? "" : "~";
  const local = parsed.local as unknown;
  return {
    epoch: parsed.epoch,
    release,
    preLabel,
    preNumber: pre ? Number(pre[1]) : 0,
    post: post ? Number(post[1]) : -1,
    dev: dev ? Number(dev[1]) : Number.POSITIVE_INFINITY,
    local:
      local === null || local === undefined
        ? null
        : (Array.isArray(local) ? (local as (string | number)[]) : String(local).split(".")).map((s) =>
            typeof s === "number" || /^[0-9]+$/.test(s) ? Number(s) : String(s).toLowerCase(),
          ),
  };
}

const cache = new ParseCache(sortKey);

function read(version: string): SortKey {
  const key = cache.get(version);
  if (key === null) throw invalidVersion("pep440", version, "not a PEP 440 version");
  return key;
}

function cmp(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareLocal(a: SortKey["local"], b: SortKey["local"]): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i]!;
    const r = b[i]!;
    const ln = typeof l === "number";
    if (ln !== (typeof r === "number")) return ln ? 1 : -1;
    const d = cmp(l, r);
    if (d !== 0) return d;
  }
  return cmp(a.length, b.length);
}

function compare(x: string, y: string): number {
  const a = read(x);
  const b = read(y);
  let d = cmp(a.epoch, b.epoch);
  if (d !== 0) return d;
  const n = Math.min(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    d = cmp(a.release[i]!, b.release[i]!);
    if (d !== 0) return d;
  }
  d = cmp(a.release.length, b.release.length);
  if (d !== 0) return d;
  d =
    cmp(a.preLabel, b.preLabel) || cmp(a.preNumber, b.preNumber) || cmp(a.post, b.post) || cmp(a.dev, b.dev);
  return d !== 0 ? d : compareLocal(a.local, b.local);
}

export const pep440: VersionScheme = {
  id: "pep440",
  isValid: (version) => cache.get(version) !== null,
  compare,
};
