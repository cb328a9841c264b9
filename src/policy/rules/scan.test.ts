import { describe, expect, it } from "vitest";
import type { ScanFinding } from "../facts.js";
import { DIGEST, OTHER_DIGEST, resultsOf } from "../testing.js";

const FRESH = "2026-06-01T10:00:00Z"; // two hours before testing.NOW
const critical: ScanFinding = {
  id: "CVE-2024-0001",
  severity: "CRITICAL",
  fixedVersion: "1.2.4",
  package: { name: "openssl" },
};
const high: ScanFinding = { id: "CVE-2024-0002", severity: "HIGH", fixedVersion: "2.0" };
const unfixed: ScanFinding = { id: "CVE-2024-0003", severity: "CRITICAL" };
const unknown: ScanFinding = { id: "GHSA-xxxx", severity: "UNKNOWN" };

function scan(findings: ScanFinding[], scannedAt = FRESH) {
  return { evidence: { scan: { scannedAt, findings } } };
}

const TOO_LARGE = {
  code: "FILE_TOO_LARGE",
  message: "layer 0: /var/lib/dpkg/status is 71000000 bytes, over the 67108864-byte limit; not read",
};
function incompleteScan(findings: ScanFinding[]) {
  return { evidence: { scan: { scannedAt: FRESH, findings, incomplete: [TOO_LARGE] } } };
}

describe("scan", () => {
  it.each([
    ["no finding", { maxSeverity: "high" }, scan([]), true, "scanned 2h ago, no finding above high"],
    [
      "a high finding under maxSeverity high",
      { maxSeverity: "high" },
      scan([high]),
      true,
      "no finding above high",
    ],
    [
      "a critical finding",
      { maxSeverity: "high" },
      scan([critical, high]),
      false,
      "1 finding(s) above high: CVE-2024-0001 (critical in openssl)",
    ],
    [
      "a high finding under medium",
      { maxSeverity: "medium" },
      scan([high]),
      false,
      "1 finding(s) above medium: CVE-2024-0002 (high)",
    ],
    [
      "unknown under none",
      { maxSeverity: "none" },
      scan([unknown]),
      false,
      "1 finding(s): GHSA-xxxx (unknown severity)",
    ],
    // Issue 11, item 11: a finding no advisory rated is not "below low"; it fails unless the policy says.
    [
      "unknown under low",
      { maxSeverity: "low" },
      scan([unknown]),
      false,
      "1 finding(s) above low or of unknown severity: GHSA-xxxx (unknown severity); 1 of unknown severity fail (unknownSeverity: fail)",
    ],
    ["unknown under high", { maxSeverity: "high" }, scan([unknown]), false, "GHSA-xxxx (unknown severity)"],
    [
      "unknown under high, unknownSeverity warn",
      { maxSeverity: "high", unknownSeverity: "warn" },
      scan([unknown]),
      true,
      "warning: 1 of unknown severity allowed (unknownSeverity: warn): GHSA-xxxx",
    ],
    [
      "unknown under high, unknownSeverity ignore",
      { maxSeverity: "high", unknownSeverity: "ignore" },
      scan([unknown]),
      true,
      "no finding above high",
    ],
    [
      "unknown under none, unknownSeverity ignore",
      { maxSeverity: "none", unknownSeverity: "ignore" },
      scan([unknown]),
      false,
      "GHSA-xxxx (unknown severity)",
    ],
    [
      "a VEX-suppressed unknown",
      { maxSeverity: "high" },
      scan([{ ...unknown, suppressed: true }]),
      true,
      "1 suppressed by VEX",
    ],
    // Issue 11, item 3: a scan that could not read everything fails, whatever it found.
    [
      "an incomplete scan without findings",
      { maxSeverity: "high" },
      incompleteScan([]),
      false,
      "the scan is incomplete, so packages may be missing from it: FILE_TOO_LARGE: layer 0: /var/lib/dpkg/status",
    ],
    [
      "an incomplete scan, allowIncomplete",
      { maxSeverity: "high", allowIncomplete: true },
      incompleteScan([]),
      true,
      "incomplete scan accepted (allowIncomplete): FILE_TOO_LARGE",
    ],
    [
      "an incomplete scan with a critical, allowIncomplete",
      { maxSeverity: "high", allowIncomplete: true },
      incompleteScan([critical]),
      false,
      "CVE-2024-0001 (critical in openssl)",
    ],
    [
      "an empty incomplete list",
      { maxSeverity: "high" },
      { evidence: { scan: { scannedAt: FRESH, findings: [], incomplete: [] } } },
      true,
      "no finding above high",
    ],
    [
      "a VEX-suppressed critical",
      { maxSeverity: "high" },
      scan([{ ...critical, suppressed: true }]),
      true,
      "1 suppressed by VEX",
    ],
    [
      "an unfixed critical, ignoreUnfixed",
      { maxSeverity: "high", ignoreUnfixed: true },
      scan([unfixed]),
      true,
      "1 without a fix ignored",
    ],
    ["an unfixed critical", { maxSeverity: "high" }, scan([unfixed]), false, "CVE-2024-0003 (critical)"],
    ["never scanned", { maxSeverity: "high" }, {}, false, "the image has never been scanned"],
    [
      "a stale scan",
      { maxAge: "24h" },
      scan([], "2026-05-30T12:00:00Z"),
      false,
      "the latest scan is 48h old, older than maxAge 24h",
    ],
    ["a scan within maxAge", { maxAge: "24h" }, scan([], "2026-05-31T13:00:00Z"), true, "scanned 23h ago"],
    ["a bad scan time", {}, scan([], "yesterday"), false, 'scan time "yesterday" is not a date'],
  ])("%s", (_name, require, overrides, passed, reason) => {
    const [result] = resultsOf({ scan: require }, overrides, "scan");
    expect(result).toMatchObject({ rule: "scan", passed });
    expect(result!.reason).toContain(reason);
  });

  describe("exceptions", () => {
    const exception = (e: Record<string, unknown>) => ({
      maxSeverity: "high",
      exceptions: [{ id: "CVE-2024-0001", reason: "mitigated by seccomp (SEC-1)", ...e }],
    });
    it.each([
      [
        "for the repository, in force",
        { repository: "registry.example.com/team/**", until: "2026-12-31" },
        true,
        "excepted: CVE-2024-0001 until 2026-12-31 (mitigated by seccomp (SEC-1))",
      ],
      ["for the digest, in force", { digest: DIGEST, until: "2026-06-01" }, true, "excepted"],
      [
        "on the last day of a date-only expiry",
        { digest: DIGEST, until: "2026-06-01" },
        true,
        "until 2026-06-01",
      ],
      [
        "expired",
        { repository: "registry.example.com/**", until: "2026-05-31" },
        false,
        "exceptions no longer in force: CVE-2024-0001 expired 2026-05-31",
      ],
      [
        "expired by the minute",
        { repository: "registry.example.com/**", until: "2026-06-01T11:59:00Z" },
        false,
        "expired",
      ],
      [
        "for another repository",
        { repository: "registry.example.com/other/**", until: "2026-12-31" },
        false,
        "CVE-2024-0001 (critical",
      ],
      ["for another digest", { digest: OTHER_DIGEST, until: "2026-12-31" }, false, "CVE-2024-0001 (critical"],
      [
        "by alias",
        { id: "GHSA-aaaa-bbbb-cccc", repository: "registry.example.com/**", until: "2026-12-31" },
        true,
        "excepted",
      ],
    ])("%s", (_name, e, passed, reason) => {
      const finding = { ...critical, aliases: ["GHSA-aaaa-bbbb-cccc"] };
      const [result] = resultsOf({ scan: exception(e) }, scan([finding]), "scan");
      expect(result).toMatchObject({ passed });
      expect(result!.reason).toContain(reason);
    });
  });
});
