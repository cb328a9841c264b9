import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdvisoryDatabase, openAdvisoryDatabase } from "../db/database.js";
import type { MatchablePackage } from "../model.js";
import { importOsv } from "../sources/osv/import.js";
import { tempDatabasePath } from "../testing.js";
import { matchPackages } from "./match.js";

/**
 * Issue 11, item 11: every severity OSV carries reaches the finding. The Go and PyPI databases give
 * most records no severity at all; the CVE or GHSA record they alias often does.
 */
const MODIFIED = "2026-01-01T00:00:00Z";
const goAffected = (name: string) => [
  {
    package: { ecosystem: "Go", name },
    ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.2.0" }] }],
  },
];
const RECORDS = [
  // A Go record without severity whose CVE alias (no affected package) has a CVSS v3.1 vector.
  {
    id: "GO-2099-0001",
    modified: MODIFIED,
    aliases: ["CVE-2099-0001", "GHSA-aaaa-aaaa-aaaa"],
    affected: goAffected("example.com/one"),
  },
  {
    id: "CVE-2099-0001",
    modified: MODIFIED,
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  },
  { id: "GHSA-aaaa-aaaa-aaaa", modified: MODIFIED, database_specific: { severity: "MODERATE" } },
  // Only GitHub's word on the alias.
  {
    id: "GO-2099-0002",
    modified: MODIFIED,
    aliases: ["GHSA-bbbb-bbbb-bbbb"],
    affected: goAffected("example.com/two"),
  },
  { id: "GHSA-bbbb-bbbb-bbbb", modified: MODIFIED, database_specific: { severity: "HIGH" } },
  // A CVSS v2 vector, scored by the v2 base equation (AV:N/AC:L/Au:N/C:P/I:P/A:P is 7.5).
  {
    id: "GO-2099-0003",
    modified: MODIFIED,
    severity: [{ type: "CVSS_V2", score: "AV:N/AC:L/Au:N/C:P/I:P/A:P" }],
    affected: goAffected("example.com/three"),
  },
  // Per-affected severities: ecosystem_specific and database_specific words.
  {
    id: "GO-2099-0004",
    modified: MODIFIED,
    affected: [{ ...goAffected("example.com/four")[0], ecosystem_specific: { severity: "CRITICAL" } }],
  },
  {
    id: "GO-2099-0005",
    modified: MODIFIED,
    affected: [{ ...goAffected("example.com/five")[0], database_specific: { severity: "LOW" } }],
  },
  // A withdrawn alias lends nothing; nothing else is known, so the finding stays UNKNOWN.
  {
    id: "GO-2099-0006",
    modified: MODIFIED,
    aliases: ["CVE-2099-0006"],
    affected: goAffected("example.com/six"),
  },
  {
    id: "CVE-2099-0006",
    modified: MODIFIED,
    withdrawn: MODIFIED,
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  },
];

let db: AdvisoryDatabase;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-severity-"));
  for (const record of RECORDS) writeFileSync(join(dir, `${record.id}.json`), JSON.stringify(record));
  db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
  await importOsv(db, dir);
});
afterAll(() => db.close());

const gomod = (name: string): MatchablePackage => ({
  type: "golang",
  name,
  version: "v1.1.0",
  purl: `pkg:golang/${name}@v1.1.0`,
  locations: [{ path: "/app" }],
});

describe("severity of findings", () => {
  it.each([
    ["example.com/one", "CRITICAL", 9.8],
    ["example.com/two", "HIGH", undefined],
    ["example.com/three", "HIGH", 7.5],
    ["example.com/four", "CRITICAL", undefined],
    ["example.com/five", "LOW", undefined],
    ["example.com/six", "UNKNOWN", undefined],
  ])("%s is %s", (name, severity, score) => {
    const [finding] = matchPackages(db, [gomod(name)], undefined).findings;
    expect(finding?.severity).toBe(severity);
    expect(finding?.cvss?.score).toBe(score);
  });
});
