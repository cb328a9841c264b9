import type { SeverityRating } from "../../vuln/index.js";
import type { ImageInput, ScanFinding } from "../facts.js";
import { matchesImage } from "../image-pattern.js";
import type { ScanException, Severity } from "../model.js";
import { fail, formatAge, listSome, pass, type RequirementRule } from "./rule.js";

/**
 * Rank of a rating; UNKNOWN ranks lowest, as grype's --fail-on does, so it fails only `maxSeverity: none`.
 */
const RANK: Record<SeverityRating, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1, UNKNOWN: 0 };
const THRESHOLD: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, none: -1 };

function exceptionFor(
  finding: ScanFinding,
  exceptions: readonly ScanException[],
  image: ImageInput,
): ScanException | undefined {
  const ids = new Set([finding.id, ...(finding.aliases ?? [])]);
  return exceptions.find(
    (e) =>
      ids.has(e.id) &&
      (e.digest === undefined || e.digest === image.digest) &&
      (e.repository === undefined || matchesImage(e.repository, image)),
  );
}

/**
 * A scan no older than maxAge, with no finding above maxSeverity, after VEX (suppressed findings),
 * `ignoreUnfixed`, and exceptions still in force (a CVE for a repository or digest until a date).
 */
export const scanRule: RequirementRule<"scan"> = {
  id: "scan",
  rationale:
    "Known vulnerabilities above the organisation's threshold do not ship; old scans miss new advisories.",
  fix: "Rebuild on a patched base or upgrade the package; record an exception with an expiry if it must ship.",
  needs: () => ["scan"],
  check(required, { input, now }) {
    const scan = input.evidence.scan;
    if (!scan) return [fail("scan", "the image has never been scanned")];
    const scannedAt = Date.parse(scan.scannedAt);
    if (Number.isNaN(scannedAt))
      return [fail("scan", `scan time ${JSON.stringify(scan.scannedAt)} is not a date`)];
    const age = Math.max(0, now - scannedAt);
    if (required.maxAgeMs !== undefined && age > required.maxAgeMs) {
      return [fail("scan", `the latest scan is ${formatAge(age)} old, older than maxAge ${required.maxAge}`)];
    }
    const threshold = THRESHOLD[required.maxSeverity];
    const blocking: string[] = [];
    const expired: string[] = [];
    const excepted: string[] = [];
    let suppressed = 0;
    let unfixed = 0;
    for (const finding of scan.findings) {
      if ((RANK[finding.severity] ?? 0) <= threshold) continue;
      if (finding.suppressed) {
        suppressed++;
        continue;
      }
      if (required.ignoreUnfixed && !finding.fixedVersion) {
        unfixed++;
        continue;
      }
      const exception = exceptionFor(finding, required.exceptions, input.image);
      if (exception && now < exception.until) {
        excepted.push(`${finding.id} until ${exception.untilText} (${exception.reason})`);
        continue;
      }
      if (exception) expired.push(`${finding.id} expired ${exception.untilText}`);
      const where = finding.package ? ` in ${finding.package.name}` : "";
      blocking.push(`${finding.id} (${finding.severity.toLowerCase()}${where})`);
    }
    const notes = [
      ...(excepted.length > 0 ? [`excepted: ${listSome(excepted)}`] : []),
      ...(suppressed > 0 ? [`${suppressed} suppressed by VEX`] : []),
      ...(unfixed > 0 ? [`${unfixed} without a fix ignored`] : []),
      ...(expired.length > 0 ? [`exceptions no longer in force: ${listSome(expired)}`] : []),
    ];
    const tail = notes.length > 0 ? `; ${notes.join("; ")}` : "";
    const above = required.maxSeverity === "none" ? "" : ` above ${required.maxSeverity}`;
    if (blocking.length > 0) {
      return [fail("scan", `${blocking.length} finding(s)${above}: ${listSome(blocking)}${tail}`)];
    }
    return [pass("scan", `scanned ${formatAge(age)} ago, no finding${above}${tail}`)];
  },
};
