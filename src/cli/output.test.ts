/**
 * Issue 12 ("Reports and errors that read well"): tables fit the width (COLUMNS, else the terminal;
 * piped output keeps every word), long cells end in `…` at a word boundary, and the SBOM's "found in" is the
 * database file that listed a dpkg package, not its copyright file.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScanReport } from "../app/index.js";
import type { Package, SbomDocument } from "../sbom/index.js";
import type { ImageVerification } from "../trust/index.js";
import type { Finding } from "../vuln/index.js";
import { elide, outputWidth, printTable } from "./output.js";
import { renderSbom } from "./sbom.js";
import { renderSarif } from "./scan/sarif.js";
import { renderTable } from "./scan/table.js";
import { renderVerification } from "./trust/render.js";

function table(header: string[], rows: string[][], width: number): string {
  let out = "";
  printTable(header, rows, { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream, width);
  return out;
}

const widest = (text: string) => Math.max(...text.split("\n").map((line) => [...line].length));

const LONG =
  "signature over a different digest: the image was rebuilt after signing, or the signature was copied from another image";

/** The renderers read the width from COLUMNS here: a 100-column terminal. */
const columns = process.env.COLUMNS;
beforeEach(() => {
  process.env.COLUMNS = "100";
});
afterEach(() => {
  if (columns === undefined) delete process.env.COLUMNS;
  else process.env.COLUMNS = columns;
});

describe("tables fit the width (issue 12)", () => {
  it("takes COLUMNS first, then the terminal's width; piped output is not fitted", () => {
    expect(outputWidth({ isTTY: true, columns: 132 }, { COLUMNS: "80" })).toBe(80);
    expect(outputWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(outputWidth({ isTTY: false }, {})).toBe(Number.POSITIVE_INFINITY);
    expect(outputWidth({ isTTY: false }, { COLUMNS: "wide" })).toBe(Number.POSITIVE_INFINITY);
    expect(outputWidth({ isTTY: false }, { COLUMNS: "120" })).toBe(120);
  });

  it("leaves a table that fits as it was", () => {
    expect(table(["A", "B"], [["x", "y"]], 80)).toBe("A  B\n-  -\nx  y\n");
  });

  it("narrows the widest column and elides its cells with … at a word boundary", () => {
    const text = table(["RESULT", "WHERE", "DETAIL"], [["ok", "sha256-abc.sig", LONG]], 60);
    expect(widest(text)).toBeLessThanOrEqual(60);
    // The free-text column keeps 40 characters; the identifier between gives way first.
    const row = text.split("\n")[2]!;
    expect(row).toMatch(/^ok\s+sha256-ab…\s+signature over a different digest: the…$/);
  });

  it("elides at a word boundary, mid-word only when the last boundary is too far back", () => {
    expect(elide("fixed in a later release of the package", 20)).toBe("fixed in a later…");
    expect(elide("averyveryverylongwordwithoutspaces", 12)).toBe("averyveryve…");
    expect(elide("short", 12)).toBe("short");
  });

  it("verify's table of signatures fits 100 columns (it was about 230)", () => {
    const verification: ImageVerification = {
      image: "localhost:5000/team/app:1.0",
      digest: `sha256:${"a".repeat(64)}`,
      ok: false,
      checks: [
        {
          kind: "signature",
          source: "referrer",
          where: `sha256:${"b".repeat(64)}`,
          format: "sigstore-bundle",
          ok: false,
          reason: "DIGEST_MISMATCH",
          message: LONG,
          signer: `key sha256:${"c".repeat(64)}`,
          dockerReference: "localhost:5000/team/app",
          warnings: [],
        },
      ],
    };
    const text = renderVerification(verification, "signature");
    const tableLines = text.split("\n").slice(1, 4).join("\n");
    expect(widest(tableLines)).toBeLessThanOrEqual(100);
    expect(text).toContain("DIGEST_MISMATCH");
    expect(text).toMatch(/…/);
  });
});

function deb(locations: string[]): Package {
  return {
    type: "deb",
    name: "bash",
    version: "5.2.15-2+b2",
    purl: "pkg:deb/debian/bash@5.2.15-2%2Bb2",
    licenses: ["GPL-3.0-or-later"],
    cataloger: "dpkg",
    locations: locations.map((path, i) => ({ path, layerIndex: i })),
  };
}

describe("found in: the database that listed a package (issue 12)", () => {
  // Merged locations are sorted by path, so the copyright file comes first.
  it.each([["/var/lib/dpkg/status"], ["/var/lib/dpkg/status.d/bash"]])(
    "the SBOM table shows %s, not /usr/share/doc/bash/copyright",
    (database) => {
      const doc: SbomDocument = {
        subject: { name: "debian:12" },
        packages: [deb(["/usr/share/doc/bash/copyright", database])],
      } as SbomDocument;
      const row = renderSbom(doc, "table")
        .split("\n")
        .find((line) => line.startsWith("deb "))!;
      expect(row).toMatch(new RegExp(`^deb\\s+bash\\s+5\\.2\\.15-2\\+b2\\s+${database}\\s+1$`));
    },
  );

  it("the scan table and SARIF point at the status file too", () => {
    const pkg = deb(["/usr/share/doc/bash/copyright", "/var/lib/dpkg/status"]);
    const finding = {
      id: "CVE-2022-3715",
      severity: "HIGH",
      installedVersion: pkg.version,
      fixedVersion: "5.2.15-3",
      summary:
        "A flaw was found in the bash package, where a heap-buffer overflow can occur in valid parameter_transform",
      package: { ...pkg, index: 0 },
      suppressed: false,
      references: [],
      aliases: [],
    } as unknown as Finding;
    const report = {
      subject: { name: "debian:12" },
      packages: 1,
      findings: [finding],
      violations: [],
      summary: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0, suppressed: 0, violations: 0 },
      warnings: [],
      complete: true,
      incomplete: [],
    } as unknown as ScanReport;
    const sarif = JSON.parse(renderSarif(report, [finding], "test")) as {
      runs: Array<{
        results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }>;
      }>;
    };
    expect(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      "var/lib/dpkg/status",
    );
    // The title is elided at a word boundary with …, never cut mid-word without a mark.
    const text = renderTable(report, [finding], false);
    const row = text.split("\n").find((line) => line.includes("CVE-2022-3715"))!;
    expect([...row].length).toBeLessThanOrEqual(100);
    const title = /(A flaw was found.*)…$/.exec(row)?.[1];
    expect(title, row).toBeDefined();
    expect(finding.summary!.startsWith(title!)).toBe(true);
    expect(finding.summary![title!.length]).toBe(" ");
  });
});
