import cvssCalculator from "ae-cvss-calculator";
import type { CvssScore, SeverityRating } from "../model.js";

/**
 * CVSS base scores by ae-cvss-calculator (FIRST CVSS v2.0, v3.0, v3.1 and v4.0 specifications).
 * The package is CommonJS; its classes are properties of the default export under Node's ESM.
 */
const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

/**
 * Scores one vector. OSV severity types: CVSS_V2 (a bare v2 vector), CVSS_V3 ("CVSS:3.0/…" or
 * "CVSS:3.1/…"), CVSS_V4 ("CVSS:4.0/…"). Returns undefined for a vector the calculator cannot read
 * (OSV feeds carry a few malformed ones; a finding then falls back to a severity word).
 */
export function scoreVector(vector: string): CvssScore | undefined {
  const text = vector.trim();
  try {
    if (text.startsWith("CVSS:4.0/")) return score("4.0", text, new Cvss4P0(text).calculateScores().base);
    if (text.startsWith("CVSS:3.1/")) return score("3.1", text, new Cvss3P1(text).calculateScores().base);
    if (text.startsWith("CVSS:3.0/")) return score("3.0", text, new Cvss3P0(text).calculateScores().base);
    if (/^\(?AV:[LAN]\/AC:/.test(text)) return score("2.0", text, new Cvss2(text).calculateScores().base);
  } catch {
    return undefined;
  }
  return undefined;
}

function score(version: string, vector: string, base: number | undefined): CvssScore | undefined {
  if (base === undefined || !Number.isFinite(base) || base < 0 || base > 10) return undefined;
  return { version, vector, score: base };
}

/**
 * Qualitative rating of a base score. v3.x and v4.0 share the bands (None 0.0, Low 0.1-3.9,
 * Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0); v2 has no Critical (NVD: Low 0-3.9,
 * Medium 4.0-6.9, High 7.0-10.0). A score of 0.0 ("None") is reported as LOW.
 */
export function ratingFromScore(cvss: CvssScore): SeverityRating {
  const s = cvss.score;
  if (cvss.version === "2.0") return s >= 7 ? "HIGH" : s >= 4 ? "MEDIUM" : "LOW";
  if (s >= 9) return "CRITICAL";
  if (s >= 7) return "HIGH";
  if (s >= 4) return "MEDIUM";
  return "LOW";
}
