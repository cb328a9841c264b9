import { compareDigitRuns, isDigitCode } from "../digits.js";

/**
 * Maven's ComparableVersion (maven-artifact, org.apache.maven.artifact.versioning): a version is a
 * tree of lists; "." separates items of one list, "-" and every switch between digits and letters
 * open a nested list. Trailing "null" items (0, "", ga, final, release, empty lists) are dropped,
 * which is why 1 = 1.0 = 1-0 = 1.ga. Numbers are kept as digit strings (no size limit).
 */
export type MavenItem =
  | { readonly kind: "int"; readonly digits: string }
  | { readonly kind: "string"; readonly key: string }
  | { readonly kind: "list"; readonly items: MavenItem[] };

// alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp < anything else.
const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES: Readonly<Record<string, string>> = { ga: "", final: "", release: "", cr: "rc" };
const RELEASE_KEY = "5";

function qualifierKey(value: string, followedByDigit: boolean): string {
  let q = value;
  // A single letter directly followed by a digit abbreviates a qualifier: 1a1 = 1-alpha-1.
  if (followedByDigit && q.length === 1)
    q = q === "a" ? "alpha" : q === "b" ? "beta" : q === "m" ? "milestone" : q;
  q = ALIASES[q] ?? q;
  const index = QUALIFIERS.indexOf(q);
  // Unknown qualifiers sort after all known ones, among themselves as text.
  return index >= 0 ? String(index) : `${QUALIFIERS.length}-${q}`;
}

function intItem(text: string): MavenItem {
  let start = 0;
  while (start < text.length - 1 && text.charCodeAt(start) === 48) start++;
  const digits = text.slice(start);
  return { kind: "int", digits: digits === "0" ? "" : digits };
}

function item(isDigit: boolean, text: string): MavenItem {
  return isDigit ? intItem(text) : { kind: "string", key: qualifierKey(text, false) };
}

function isNull(item: MavenItem): boolean {
  if (item.kind === "int") return item.digits === "";
  if (item.kind === "string") return item.key === RELEASE_KEY;
  return item.items.length === 0;
}

/**
 * Drops trailing null items, stopping at the first non-null item that is not a list. A list left
 * holding only a nested list is the pom.html rule that nulls are trimmed "at each remaining hyphen"
 * (1-ga-1 = 1-1), so the nested list takes its place; the root keeps its first item.
 */
function normalize(list: MavenItem[], nested: boolean): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== "list") break;
  }
  const only = list[0];
  if (nested && list.length === 1 && only?.kind === "list") list.splice(0, 1, ...only.items);
}

export function parseMavenVersion(version: string): MavenItem[] {
  const text = version.toLowerCase();
  const root: MavenItem[] = [];
  let list = root;
  const stack: MavenItem[][] = [root];
  const open = (): void => {
    const next: MavenItem[] = [];
    list.push({ kind: "list", items: next });
    list = next;
    stack.push(next);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */ || c === 45 /* - */) {
      list.push(i === start ? { kind: "int", digits: "" } : item(isDigit, text.slice(start, i)));
      start = i + 1;
      if (c === 45) open();
    } else if (isDigitCode(c)) {
      if (!isDigit && i > start) {
        list.push({ kind: "string", key: qualifierKey(text.slice(start, i), true) });
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(intItem(text.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (text.length > start) list.push(item(isDigit, text.slice(start)));
  for (let i = stack.length - 1; i >= 0; i--) normalize(stack[i]!, i > 0);
  return root;
}

function textCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares an item with a missing one (the shorter list ran out). */
function compareWithNothing(a: MavenItem): number {
  if (a.kind === "int") return a.digits === "" ? 0 : 1;
  if (a.kind === "string") return textCompare(a.key, RELEASE_KEY);
  // The whole list, not only its first item (MNG-6964: 1-0.1 > 1).
  for (const item of a.items) {
    const d = compareWithNothing(item);
    if (d !== 0) return d;
  }
  return 0;
}

function compareItems(a: MavenItem, b: MavenItem): number {
  if (a.kind === "int") {
    if (b.kind !== "int") return 1;
    return compareDigitRuns(a.digits, 0, a.digits.length, b.digits, 0, b.digits.length);
  }
  if (a.kind === "string") {
    if (b.kind !== "string") return -1;
    return textCompare(a.key, b.key);
  }
  if (b.kind === "int") return -1;
  if (b.kind === "string") return 1;
  return compareLists(a.items, b.items);
}

export function compareLists(a: readonly MavenItem[], b: readonly MavenItem[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i];
    const r = b[i];
    const d =
      l === undefined
        ? r === undefined
          ? 0
          : -compareWithNothing(r)
        : r === undefined
          ? compareWithNothing(l)
          : compareItems(l, r);
    if (d !== 0) return d;
  }
  return 0;
}
