import { describe, expect, it } from "vitest";
import { parseControlParagraphs } from "./control.js";
import { parseDpkgStatus, parseSourceField, relationshipNames } from "./status.js";

describe("parseSourceField", () => {
  it.each([
    ["pam", { name: "pam" }],
    ["libselinux (3.4-1)", { name: "libselinux", version: "3.4-1" }],
    ["glibc  ( 2.36-9 )", { name: "glibc", version: "2.36-9" }],
    ["", undefined],
    [undefined, undefined],
  ])("%j", (value, expected) => {
    expect(parseSourceField(value)).toEqual(expected);
  });
});

describe("relationshipNames", () => {
  it.each([
    [["libc6 (>= 2.34)"], ["libc6"]],
    [
      ["debconf (>= 0.5) | debconf-2.0, libpam-modules (>= 1.0.1-6)"],
      ["debconf", "debconf-2.0", "libpam-modules"],
    ],
    [["python3:any (>= 3.9~), perl:any"], ["python3", "perl"]],
    [["foo [amd64] <!nocheck>, bar"], ["foo", "bar"]],
    [
      ["libc6 (>= 2.17)", "libc6 (>= 2.34), zlib1g"],
      ["libc6", "zlib1g"],
    ],
    [["libstdc++6 (>= 5)"], ["libstdc++6"]],
    [[undefined, ""], []],
  ])("%j", (values, expected) => {
    expect(relationshipNames(values)).toEqual(expected);
  });
});

describe("parseControlParagraphs", () => {
  it("joins continuation lines and lower-cases field names", () => {
    const [paragraph] = parseControlParagraphs(
      "Package: a\nDescription: short\n long\n .\n more\nVERSION: 1\n",
    );
    expect(paragraph!.fields.get("description")).toBe("short\nlong\n.\nmore");
    expect(paragraph!.fields.get("version")).toBe("1");
    expect(paragraph!.malformedLines).toEqual([]);
  });

  it("splits on whitespace-only lines and handles CRLF", () => {
    const paragraphs = parseControlParagraphs(
      "Package: a\r\nVersion: 1\r\n \t\r\nPackage: b\r\nVersion: 2\r\n",
    );
    expect(paragraphs.map((p) => p.fields.get("package"))).toEqual(["a", "b"]);
  });

  it("records unreadable lines with their line numbers", () => {
    const [paragraph] = parseControlParagraphs(" orphan continuation\nPackage: a\nnot a field\n");
    expect(paragraph!.malformedLines).toEqual([1, 3]);
  });
});

describe("parseDpkgStatus", () => {
  it.each([
    ["install ok installed", true],
    ["hold ok installed", true],
    ["deinstall ok config-files", false],
    ["install ok half-installed", false],
    ["install ok unpacked", false],
    ["purge ok not-installed", false],
  ])("Status: %s -> installed %s", (status, installed) => {
    const { entries } = parseDpkgStatus(`Package: a\nStatus: ${status}\nVersion: 1\n`);
    expect(entries.length === 1).toBe(installed);
  });

  it("defaults the source to the binary package", () => {
    const { entries } = parseDpkgStatus("Package: bash\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n");
    expect(entries[0]).toMatchObject({ sourceName: "bash", sourceVersion: "5.2.15-2+b2", arch: "amd64" });
  });
});
