import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SbomDocument } from "../../sbom/index.js";
import { type AdvisoryDatabase, openAdvisoryDatabase } from "../../vuln/index.js";
import { assessSbom } from "./report.js";

/** Issue 11, items 3 and 10: the report says when it could not see or match everything. */
const DOC: SbomDocument = {
  subject: { kind: "image", name: "app", digest: `sha256:${"a".repeat(64)}` },
  packages: [],
  createdAt: new Date("2026-01-01T00:00:00Z"),
  tool: { name: "portcullis", version: "test" },
};

let empty: AdvisoryDatabase;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-report-"));
  empty = openAdvisoryDatabase(join(dir, "advisories.db"), { create: true });
});
afterAll(() => empty.close());

describe("assessSbom completeness", () => {
  it("carries the SBOM's reasons", () => {
    const reason = { code: "FILE_TOO_LARGE", message: "/var/lib/dpkg/status is too large" };
    const report = assessSbom({ ...DOC, incomplete: [reason] }, { skipAdvisories: true });
    expect(report).toMatchObject({ complete: false, incomplete: [reason] });
  });

  it("is incomplete without advisories, or with an empty database, unless the caller skipped them", () => {
    expect(assessSbom(DOC).incomplete.map((r) => r.code)).toEqual(["ADVISORIES_MISSING"]);
    const withEmpty = assessSbom(DOC, { advisories: empty });
    expect(withEmpty.complete).toBe(false);
    expect(withEmpty.incomplete[0]?.message).toContain("holds no advisories");
    expect(assessSbom(DOC, { skipAdvisories: true })).toMatchObject({ complete: true, incomplete: [] });
  });
});
