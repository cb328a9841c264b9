import type { SeverityRating } from "../model.js";

/**
 * Severity words that advisory databases record when they give no CVSS vector: GitHub's
 * `database_specific.severity` (LOW, MODERATE, HIGH, CRITICAL), Debian's urgency (unimportant, low,
 * medium, high, "not yet assigned"), Ubuntu priorities (negligible, low, medium, high, critical),
 * Alpine/Red Hat words (Important, Moderate, Low). Unknown words give UNKNOWN.
 */
const WORDS: ReadonlyMap<string, SeverityRating> = new Map([
  ["critical", "CRITICAL"],
  ["high", "HIGH"],
  ["important", "HIGH"],
  ["moderate", "MEDIUM"],
  ["medium", "MEDIUM"],
  ["low", "LOW"],
  ["negligible", "LOW"],
  ["unimportant", "LOW"],
]);

export function ratingFromWord(word: string | undefined): SeverityRating {
  if (!word) return "UNKNOWN";
  // A Map: the word is the feed's, and "constructor" must not find Object.prototype's function.
  return WORDS.get(word.trim().toLowerCase().replace(/\*$/, "")) ?? "UNKNOWN";
}

/** Finds a severity word in a free-form `database_specific` / `ecosystem_specific` object. */
export function severityWordOf(
  ...objects: (Record<string, unknown> | null | undefined)[]
): string | undefined {
  for (const object of objects) {
    if (!object) continue;
    for (const key of ["severity", "urgency", "priority"]) {
      const value = object[key];
      if (typeof value === "string" && value.length > 0) return value;
    }
  }
  return undefined;
}
