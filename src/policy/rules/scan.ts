import type { SeverityRating } from "../../vuln/index.js";
import type { ImageInput, ScanFinding } from "../facts.js";
import { matchesImage } from "../image-pattern.js";
import type { ScanException, Severity } from "../model.js";
import { fail, formatAge, listSome, pass, type RequirementRule } from "./rule.js";

/**
 * Rank of a rating. UNKNOWN is not ranked against maxSeverity: `unknownSeverity` decides it (fail by
 * default: a finding no advisory rated may be critical), except that `maxSeverity: none` fails it too.
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
 * A complete scan (or `allowIncomplete`) no older than maxAge, with no finding above maxSeverity and
 * none of unknown severity (unless `unknownSeverity` says warn or ignore), after VEX (suppressed
 * findings), `ignoreUnfixed`, and exceptions still in force (a CVE for a repository or digest until a date).
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
    const incomplete = scan.incomplete ?? [];
    const gaps = incomplete.map((r) => `${r.code}: ${r.message}`);
    if (incomplete.length > 0 && !required.allowIncomplete) {
      return [
        fail(
          "scan",
          `the scan is incomplete, so packages may be missing from it: ${listSome(gaps, 3)} ` +
            "(raise the scanner's limit, or set allowIncomplete: true to accept incomplete scans)",
        ),
      ];
    }
    const threshold = THRESHOLD[required.maxSeverity];
    const judgeUnknown = required.unknownSeverity === "fail" || required.maxSeverity === "none";
    const blocking: string[] = [];
    const unknownNoted: string[] = [];
    let unknownBlocking = 0;
    const expired: string[] = [];
    const excepted: string[] = [];
    let suppressed = 0;
    let unfixed = 0;
    for (const finding of scan.findings) {
      const unknown = finding.severity === "UNKNOWN" || RANK[finding.severity] === undefined;
      if (unknown && !judgeUnknown && required.unknownSeverity === "ignore") continue;
      if (!unknown && RANK[finding.severity] <= threshold) continue;
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
      if (unknown && !judgeUnknown) {
        unknownNoted.push(`${finding.id}${where}`);
        continue;
      }
      if (unknown) unknownBlocking++;
      blocking.push(
        `${finding.id} (${unknown ? "unknown severity" : finding.severity.toLowerCase()}${where})`,
      );
    }
    const notes = [
      ...(excepted.length > 0 ? [`excepted: ${listSome(excepted)}`] : []),
      ...(suppressed > 0 ? [`${suppressed} suppressed by VEX`] : []),
      ...(unfixed > 0 ? [`${unfixed} without a fix ignored`] : []),
      ...(expired.length > 0 ? [`exceptions no longer in force: ${listSome(expired)}`] : []),
      ...(unknownBlocking > 0 && required.unknownSeverity === "fail"
        ? [`${unknownBlocking} of unknown severity fail (unknownSeverity: fail)`]
        : []),
      ...(unknownNoted.length > 0
        ? [
            `warning: ${unknownNoted.length} of unknown severity allowed (unknownSeverity: warn): ${listSome(unknownNoted)}`,
          ]
        : []),
      ...(incomplete.length > 0 ? [`incomplete scan accepted (allowIncomplete): ${listSome(gaps, 3)}`] : []),
    ];
    const tail = notes.length > 0 ? `; ${notes.join("; ")}` : "";
    const above = required.maxSeverity === "none" ? "" : ` above ${required.maxSeverity}`;
    if (blocking.length > 0) {
      const orUnknown = unknownBlocking > 0 && above !== "" ? " or of unknown severity" : "";
      return [
        fail("scan", `${blocking.length} finding(s)${above}${orUnknown}: ${listSome(blocking)}${tail}`),
      ];
    }
    return [pass("scan", `scanned ${formatAge(age)} ago, no finding${above}${tail}`)];
  },
};
