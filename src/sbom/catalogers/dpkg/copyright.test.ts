import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCopyrightLicenses } from "./copyright.js";

const read = (path: string): string => readFileSync(new URL(`testdata/${path}`, import.meta.url), "utf8");

describe("parseCopyrightLicenses on real copyright files", () => {
  it.each([
    ["syft/copyright/libc6", ["LGPL-2.1", "GPL-2"]],
    ["syft/copyright/libaudit-common", ["GPL-2", "LGPL-2.1"]],
    ["syft/copyright/trilicense", ["MPL-1.1 or GPL-2 or LGPL-2.1", "MPL-1.1", "GPL-2", "LGPL-2.1"]],
    [
      "syft/copyright/python",
      ["Expat", "PSF-2", "Apache-2", "Apache-2.0", "Python", "ISC", "Apache", "LGPL-2.1+"],
    ],
    ["syft/copyright/cuda", []],
    ["syft/copyright/microsoft", []],
    ["syft/image-dpkg/usr/share/doc/libpam-runtime/copyright", ["GPL-2", "LGPL-2.1"]],
    ["trivy/all-patterns-copyright", ["GPLv2+"]],
    [
      "trivy/license-pattern-and-classifier-copyright",
      ["GPL-1+ or Artistic, and BSD-4-clause-POWERDOG", "Zlib"],
    ],
    ["trivy/common-license-copyright", ["GPL-2"]],
    ["trivy/no-license-copyright", []],
  ])("%s", (path, expected) => {
    expect(parseCopyrightLicenses(read(path))).toEqual(expected);
  });

  it("keeps DEP-5 names and drops none and free text (liblzma5)", () => {
    const licenses = parseCopyrightLicenses(read("syft/copyright/liblzma5"));
    expect(licenses).toContain("GPL-2+");
    expect(licenses).toContain("PD");
    expect(licenses).not.toContain("none");
  });
});
