import type { StoredSeverity } from "../db/rows.js";
import type { CvssScore, SeverityRating } from "../model.js";
import { ratingFromScore, scoreVector } from "./cvss.js";
import { ratingFromWord } from "./words.js";

export interface Assessment {
  rating: SeverityRating;
  cvss?: CvssScore;
}

/** Which OSV severity type to prefer when a record carries several: v3 (the most widely given), then v4, then v2. */
const PREFERENCE = ["CVSS_V3", "CVSS_V4", "CVSS_V2"];

const RANK: Record<SeverityRating, number> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export function severityRank(rating: SeverityRating): number {
  return RANK[rating];
}

/**
 * The severity of one advisory for one package: the package-level severity when the record gives
 * one (OSV `affected[].severity`), else the record's; a CVSS vector scored by the calculator when
 * any parses, else the severity word (`database_specific.severity`, Debian urgency, ...).
 */
export function assessSeverity(...sources: (StoredSeverity | undefined)[]): Assessment {
  for (const source of sources) {
    if (!source) continue;
    const vectors = [...source.vectors].sort((a, b) => preference(a.type) - preference(b.type));
    for (const vector of vectors) {
      const cvss = scoreVector(vector.score);
      if (cvss) return { rating: ratingFromScore(cvss), cvss };
    }
  }
  for (const source of sources) {
    const rating = ratingFromWord(source?.word);
    if (rating !== "UNKNOWN") return { rating };
  }
  return { rating: "UNKNOWN" };
}

function preference(type: string): number {
  const index = PREFERENCE.indexOf(type);
  return index < 0 ? PREFERENCE.length : index;
}
