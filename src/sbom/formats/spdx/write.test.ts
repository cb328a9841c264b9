import { describe, expect, it } from "vitest";
import { isValidSpdxExpression } from "../../../core/index.js";
import type { Package } from "../../model.js";
import type { SbomDocument } from "../document.js";
import { sampleDocument, samplePackages, spdxValidator } from "../testing.js";
import { declaredLicense, LicenseRefs } from "./licenses.js";
import { type SpdxPackageOut, spdxDate, toSpdx } from "./write.js";

const UUID = "3e671687-395b-41f5-a30f-a58921a69b79";
const validate = spdxValidator();

interface Doc {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[]; licenseListVersion?: string };
  documentDescribes: string[];
  packages: SpdxPackageOut[];
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

function write(doc: SbomDocument): Doc {
  const out = JSON.parse(toSpdx(doc, { namespaceUuid: UUID })) as Doc;
  const ok = validate(out);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
  expect(ok).toBe(true);
  // What the 2.3 JSON schema leaves to the prose: id grammar, unique ids, valid licence expressions.
  const ids = out.packages.map((p) => p.SPDXID);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
  const refs = new Set((out.hasExtractedLicensingInfos ?? []).map((e) => e.licenseId));
  for (const p of out.packages) {
    for (const field of [p.licenseDeclared, p.licenseConcluded]) {
      if (field === "NOASSERTION" || field === "NONE") continue;
      expect(isValidSpdxExpression(field), field).toBe(true);
      for (const ref of field.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])
        expect(refs.has(ref), ref).toBe(true);
    }
  }
  const known = new Set([...ids, "SPDXRef-DOCUMENT"]);
  for (const r of out.relationships) {
    expect(known.has(r.spdxElementId)).toBe(true);
    expect(known.has(r.relatedSpdxElement)).toBe(true);
  }
  return out;
}

const awkward: Package[] = [
  {
    type: "npm",
    name: "@scöpe/naïve package",
    version: "1.0.0-β.1",
    purl: "pkg:npm/%40sc%C3%B6pe/na%C3%AFve%20package@1.0.0-%CE%B2.1",
    licenses: ["Some Custom Licence", "MIT OR Apache-2.0", "Some Custom Licence!"],
    cataloger: "npm",
    locations: [{ path: "/app/node_modules/@scöpe/naïve package/package.json" }],
  },
  {
    type: "npm",
    name: "@scöpe/naïve-package",
    version: "1.0.0-β.1",
    purl: "pkg:npm/%40sc%C3%B6pe/na%C3%AFve-package@1.0.0-%CE%B2.1",
    licenses: ["LicenseRef-acme"],
    cataloger: "npm",
    locations: [],
  },
  {
    type: "pypi",
    name: "x".repeat(2000),
    version: "0",
    purl: `pkg:pypi/${"x".repeat(2000)}@0`,
    licenses: ["gpl-2.0-or-later WITH classpath-exception-2.0"],
    cataloger: "python",
    locations: [],
  },
  { type: "deb", name: "日本語", version: "", purl: "", licenses: [], cataloger: "dpkg", locations: [] },
];

describe("toSpdx", () => {
  it("is schema-valid for every package type", () => {
    const out = write(sampleDocument());
    expect(out.packages).toHaveLength(samplePackages().length + 2);
    expect(out.spdxVersion).toBe("SPDX-2.3");
    expect(out.dataLicense).toBe("CC0-1.0");
    expect(out.creationInfo).toMatchObject({
      created: "2026-01-02T03:04:05Z",
      creators: ["Tool: portcullis-0.1.0"],
    });
    expect(out.creationInfo.licenseListVersion).toMatch(/^\d+\.\d+$/);
    expect(out.documentNamespace).toBe(
      `https://spdx.org/spdxdocs/portcullis/image/registry.example.com/team/app%3A1.0-${UUID}`,
    );
  });

  it("is schema-valid for awkward names, with unique ids and LicenseRefs", () => {
    const out = write(sampleDocument(awkward));
    const npm = out.packages.filter((p) => p.name.startsWith("@scöpe"));
    expect(npm.map((p) => p.SPDXID)).toEqual([
      "SPDXRef-Package-npm-sc-pe-na-ve-package-1.0.0-.1",
      "SPDXRef-Package-npm-sc-pe-na-ve-package-1.0.0-.1-2",
    ]);
    expect(npm[0]!.licenseDeclared).toBe(
      "LicenseRef-Some-Custom-Licence AND (MIT OR Apache-2.0) AND LicenseRef-Some-Custom-Licence-2",
    );
    expect(npm[1]!.licenseDeclared).toBe("LicenseRef-acme");
    expect(out.hasExtractedLicensingInfos).toEqual([
      {
        licenseId: "LicenseRef-Some-Custom-Licence",
        extractedText: "Some Custom Licence",
        name: "Some Custom Licence",
      },
      {
        licenseId: "LicenseRef-Some-Custom-Licence-2",
        extractedText: "Some Custom Licence!",
        name: "Some Custom Licence!",
      },
      { licenseId: "LicenseRef-acme", extractedText: "LicenseRef-acme", name: "LicenseRef-acme" },
    ]);
    const pypi = out.packages.find((p) => p.name.startsWith("xxx"))!;
    expect(pypi.licenseDeclared).toBe("GPL-2.0-or-later WITH Classpath-exception-2.0");
    const deb = out.packages.find((p) => p.name === "日本語")!;
    expect(deb.SPDXID).toBe("SPDXRef-Package-deb");
    expect(deb.versionInfo).toBeUndefined();
    expect(deb.externalRefs).toBeUndefined();
  });

  it("is schema-valid when empty", () => {
    const out = write({
      subject: { kind: "archive", name: "image.tar" },
      packages: [],
      createdAt: new Date(0),
      tool: { name: "portcullis", version: "0.1.0" },
    });
    expect(out.packages).toHaveLength(1);
    expect(out.packages[0]).toMatchObject({
      SPDXID: "SPDXRef-Source-image.tar",
      primaryPackagePurpose: "ARCHIVE",
    });
    expect(out.relationships).toEqual([
      {
        spdxElementId: "SPDXRef-DOCUMENT",
        relationshipType: "DESCRIBES",
        relatedSpdxElement: "SPDXRef-Source-image.tar",
      },
    ]);
  });

  it("describes the image, which contains the OS and every package; dependencies are DEPENDS_ON", () => {
    const out = write(sampleDocument());
    const image = out.packages[0]!;
    expect(image).toMatchObject({
      primaryPackagePurpose: "CONTAINER",
      versionInfo: `sha256:${"c".repeat(64)}`,
    });
    expect(image.externalRefs![0]!.referenceLocator).toMatch(/^pkg:oci\/app@sha256:c{64}\?/);
    expect(out.documentDescribes).toEqual([image.SPDXID]);
    const os = out.packages[1]!;
    expect(os).toMatchObject({
      name: "debian",
      versionInfo: "12",
      primaryPackagePurpose: "OPERATING_SYSTEM",
    });
    const contains = out.relationships.filter((r) => r.relationshipType === "CONTAINS");
    expect(contains.map((r) => r.relatedSpdxElement)).toEqual(out.packages.slice(1).map((p) => p.SPDXID));
    const id = (name: string, version: string) =>
      out.packages.find((p) => p.name === name && p.versionInfo === version)!.SPDXID;
    const dependsOn = out.relationships
      .filter((r) => r.relationshipType === "DEPENDS_ON")
      .map((r) => [r.spdxElementId, r.relatedSpdxElement]);
    expect(dependsOn).toContainEqual([id("@babel/core", "7.24.0"), id("debug", "2.6.9")]);
    expect(dependsOn).toContainEqual([id("libgcc-s1", "12.2.0-14"), id("libc6", "2.36-9+deb12u4")]);
    expect(dependsOn).toHaveLength(4);
  });

  it("writes licences, purls, source and facts of a package", () => {
    const out = write(sampleDocument());
    const libgcc = out.packages.find((p) => p.name === "libgcc-s1")!;
    expect(libgcc).toMatchObject({
      SPDXID: "SPDXRef-Package-deb-libgcc-s1-12.2.0-14",
      downloadLocation: "NOASSERTION",
      supplier: "NOASSERTION",
      filesAnalyzed: false,
      licenseConcluded: "NOASSERTION",
      licenseDeclared: "GPL-3.0-or-later WITH GCC-exception-3.1",
      sourceInfo: "source package: gcc-12 12.2.0-14",
      primaryPackagePurpose: "LIBRARY",
    });
    expect(libgcc.externalRefs).toEqual([
      {
        referenceCategory: "PACKAGE-MANAGER",
        referenceType: "purl",
        referenceLocator: "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12",
      },
    ]);
    expect(libgcc.annotations!.map((a) => a.comment)).toContain("portcullis:package:cataloger=dpkg");
    const libc = out.packages.find((p) => p.name === "libc6")!;
    expect(libc.licenseDeclared).toBe("LGPL-2.1-or-later AND GPL-2.0-or-later");
    const rpm = out.packages.find((p) => p.name === "openssl-libs")!;
    expect(rpm.licenseDeclared).toBe("LicenseRef-ASL-2.0");
    expect(out.packages.find((p) => p.name === "github.com/example/tool")!.primaryPackagePurpose).toBe(
      "APPLICATION",
    );
  });

  it("is deterministic: input order does not matter, output matches the snapshot", async () => {
    const a = toSpdx(sampleDocument(), { namespaceUuid: UUID });
    const b = toSpdx(sampleDocument(samplePackages().reverse()), { namespaceUuid: UUID });
    expect(b).toBe(a);
    await expect(a).toMatchFileSnapshot("testdata/sample.spdx.json");
  });

  it("makes a fresh namespace each time when none is given", () => {
    const a = JSON.parse(toSpdx(sampleDocument())) as Doc;
    const b = JSON.parse(toSpdx(sampleDocument())) as Doc;
    expect(a.documentNamespace).not.toBe(b.documentNamespace);
  });
});

describe("SPDX 2.3 JSON schema", () => {
  it("spells the OS purpose OPERATING_SYSTEM, unlike the prose's OPERATING-SYSTEM, hence our choice", () => {
    const out = JSON.parse(toSpdx(sampleDocument(), { namespaceUuid: UUID })) as Doc;
    expect(validate(out)).toBe(true);
    out.packages[1]!.primaryPackagePurpose = "OPERATING-SYSTEM";
    expect(validate(out)).toBe(false);
  });
});

describe("spdx helpers", () => {
  it("formats dates without fractions", () => {
    expect(spdxDate(new Date("2024-02-29T23:59:59.999Z"))).toBe("2024-02-29T23:59:59Z");
  });

  it.each([
    [[], "NOASSERTION"],
    [["MIT"], "MIT"],
    [["mit", "apache-2.0"], "MIT AND Apache-2.0"],
    [["MIT OR Apache-2.0"], "MIT OR Apache-2.0"],
    [["BSD", "MIT OR Apache-2.0"], "LicenseRef-BSD AND (MIT OR Apache-2.0)"],
  ])("declaredLicense(%j) = %j", (input, expected) => {
    expect(declaredLicense(input, new LicenseRefs())).toBe(expected);
  });
});
