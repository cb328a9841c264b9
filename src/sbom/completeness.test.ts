import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDirectory, walkDirectory } from "../oci/index.js";
import { CATALOGERS } from "./catalogers/list.js";
import { dropsData, INCOMPLETE_WARNING_CODES } from "./completeness.js";
import { readCycloneDx } from "./formats/cyclonedx/read.js";
import { toCycloneDx } from "./formats/cyclonedx/write.js";
import { readSpdx } from "./formats/spdx/read.js";
import { toSpdx } from "./formats/spdx/write.js";
import { catalogFileSystem, consumersFor, generateSbom } from "./generate.js";

/**
 * Issue 11, item 3: an SBOM that could not read everything says so. Before, every one of these was
 * a warning (stderr only) and the document looked complete.
 */
const DEBIAN = 'ID=debian\nVERSION_ID="12"\n';
const STATUS = "Package: bash\nStatus: install ok installed\nVersion: 5.2-1\nArchitecture: amd64\n\n";

let root = "";
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function rootWith(files: Record<string, string>): OpenedDirectory {
  root = mkdtempSync(join(tmpdir(), "portcullis-complete-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { kind: "directory", description: root, root, close: async () => {} };
}

async function sbomOf(files: Record<string, string>, maxFileBytes?: number) {
  const warnings: Array<{ message: string; code: string | undefined }> = [];
  const doc = await generateSbom(rootWith(files), {
    warn: (message, code) => warnings.push({ message, code }),
    ...(maxFileBytes !== undefined ? { limits: { maxFileBytes } } : {}),
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  return { doc, warnings };
}

describe("incomplete SBOMs", () => {
  it("is complete when everything was read", async () => {
    const { doc } = await sbomOf({ "etc/os-release": DEBIAN, "var/lib/dpkg/status": STATUS });
    expect(doc.incomplete).toBeUndefined();
    expect(doc.packages.map((p) => p.name)).toEqual(["bash"]);
  });

  it("a package database over the file limit makes it incomplete (FILE_TOO_LARGE)", async () => {
    const { doc, warnings } = await sbomOf({ "etc/os-release": DEBIAN, "var/lib/dpkg/status": STATUS }, 40);
    expect(doc.packages).toEqual([]);
    expect(doc.incomplete).toEqual([
      {
        code: "FILE_TOO_LARGE",
        message: expect.stringMatching(/\/var\/lib\/dpkg\/status is \d+ bytes, over the 40-byte limit/),
      },
    ]);
    expect(warnings.map((w) => w.code)).toContain("FILE_TOO_LARGE");
  });

  it("a malformed paragraph of an OS package database makes it incomplete (PACKAGE_DB_INVALID)", async () => {
    const { doc } = await sbomOf({
      "etc/os-release": DEBIAN,
      "var/lib/dpkg/status": `${STATUS}Package: hidden\nStatus: install ok installed\nArchitecture: amd64\n\n`,
    });
    expect(doc.packages.map((p) => p.name)).toEqual(["bash"]);
    expect(doc.incomplete?.map((r) => r.code)).toEqual(["PACKAGE_DB_INVALID"]);
    expect(doc.incomplete?.[0]?.message).toContain("package hidden (line 6) has no Version field");
  });

  it("a language manifest over its cataloger's limit is PACKAGE_DB_TOO_LARGE; an unparsable one only warns", async () => {
    const image = rootWith({
      "app/node_modules/left-pad/package.json": JSON.stringify({
        name: "left-pad",
        version: "1.3.0",
        pad: "x".repeat(200),
      }),
    });
    const fs = await walkDirectory(image.root, { consumers: consumersFor(CATALOGERS) });
    const codes: Array<string | undefined> = [];
    const found = await catalogFileSystem(fs, CATALOGERS, (_m, code) => codes.push(code), 100);
    expect(found.packages).toEqual([]);
    expect(codes).toEqual(["PACKAGE_DB_TOO_LARGE"]);
    expect(dropsData(codes[0])).toBe(true);
    const broken = await sbomOf({ "app/node_modules/broken/package.json": "{ not json" });
    expect(broken.doc.incomplete).toBeUndefined();
    expect(broken.warnings.map((w) => w.code)).toContain("MANIFEST_UNREADABLE");
  });

  it("an oversized Cargo.lock is reported, not silently left out", async () => {
    const lock = `[[package]]\nname = "smallvec"\nversion = "1.0.0"\n${"#".repeat(600)}\n`;
    const { doc, warnings } = await sbomOf({ "app/Cargo.lock": lock }, 512);
    expect(warnings.map((w) => w.code)).toContain("FILE_TOO_LARGE");
    expect(doc.incomplete?.map((r) => r.code)).toEqual(["FILE_TOO_LARGE"]);
  });

  it("CycloneDX and SPDX carry the reasons on the subject, and their readers bring them back", async () => {
    const { doc } = await sbomOf({ "etc/os-release": DEBIAN, "var/lib/dpkg/status": STATUS }, 40);
    const cdx = toCycloneDx(doc, { serialNumber: "00000000-0000-4000-8000-000000000000" });
    expect(cdx).toContain('"name": "portcullis:incomplete:0:code"');
    expect(readCycloneDx(JSON.parse(cdx)).incomplete).toEqual(doc.incomplete);
    const spdx = toSpdx(doc, { namespaceUuid: "00000000-0000-4000-8000-000000000000" });
    expect(spdx).toContain("portcullis:incomplete:0:code=FILE_TOO_LARGE");
    expect(readSpdx(JSON.parse(spdx)).incomplete).toEqual(doc.incomplete);
    // A complete document writes none, and reads back complete.
    const complete = (await sbomOf({ "etc/os-release": DEBIAN, "var/lib/dpkg/status": STATUS })).doc;
    expect(readCycloneDx(JSON.parse(toCycloneDx(complete))).incomplete).toBeUndefined();
  });

  it("a package database behind a symlink loop makes it incomplete (LINK_LOOP), never silently empty", async () => {
    const image = rootWith({ "etc/os-release": DEBIAN });
    mkdirSync(join(image.root, "var/lib"), { recursive: true });
    symlinkSync("/var/lib/dpkg-b", join(image.root, "var/lib/dpkg"));
    symlinkSync("/var/lib/dpkg", join(image.root, "var/lib/dpkg-b"));
    const warnings: Array<string | undefined> = [];
    const doc = await generateSbom(image, { warn: (_m, code) => warnings.push(code) });
    expect(doc.packages).toEqual([]);
    expect(doc.incomplete?.map((r) => r.code)).toContain("LINK_LOOP");
    expect(warnings).toContain("LINK_LOOP");
  });

  it("lists which warning codes drop data", () => {
    expect([...INCOMPLETE_WARNING_CODES].sort()).toEqual([
      "ARCHIVE_LIMIT",
      "CATALOGER_FAILED",
      "FILE_TOO_LARGE",
      "LINK_LIMIT",
      "LINK_LOOP",
      "LINK_UNRESOLVED",
      "PACKAGE_DB_INVALID",
      "PACKAGE_DB_TOO_LARGE",
    ]);
    for (const informs of [
      "PATH_ESCAPES",
      "ENTRY_SKIPPED",
      "DEVICE_FILE",
      "DUPLICATE_ENTRY",
      "MANIFEST_UNREADABLE",
      undefined,
    ])
      expect(dropsData(informs)).toBe(false);
  });
});
