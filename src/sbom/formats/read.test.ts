import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SbomError } from "../errors.js";
import type { Package } from "../model.js";
import { MAX_COMPONENT_DEPTH } from "./cyclonedx/read.js";
import { toCycloneDx } from "./cyclonedx/write.js";
import type { SbomDocument } from "./document.js";
import { readSbom } from "./read.js";
import { toSpdx } from "./spdx/write.js";
import { cycloneDxValidator, sampleDocument, samplePackages } from "./testing.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(join(here, "testdata", name), "utf8");

/** A package as the readers give it back: dependency names sorted, absent optionals dropped. */
function normal(pkg: Package): Package {
  const out: Package = { ...pkg };
  if (pkg.dependsOn?.length) out.dependsOn = [...new Set(pkg.dependsOn)].sort();
  else delete out.dependsOn;
  return out;
}

const byKey = (a: Package, b: Package) =>
  `${a.type} ${a.name} ${a.version} ${a.locations[0]?.path}`.localeCompare(
    `${b.type} ${b.name} ${b.version} ${b.locations[0]?.path}`,
  );

const awkward: Package[] = [
  {
    type: "npm",
    name: "@scöpe/naïve package",
    version: "1.0.0-β.1",
    purl: "pkg:npm/%40sc%C3%B6pe/na%C3%AFve%20package@1.0.0-%CE%B2.1",
    licenses: ["Some Custom Licence", "LicenseRef-acme"],
    cataloger: "npm",
    locations: [{ path: "/app/node_modules/@scöpe/naïve package/package.json", layerIndex: 3 }],
    metadata: { "key with spaces": "value=with=equals", empty: "" },
  },
  {
    type: "pypi",
    name: "x".repeat(2000),
    version: "0",
    purl: `pkg:pypi/${"x".repeat(2000)}@0`,
    licenses: ["GPL-2.0-or-later WITH Classpath-exception-2.0"],
    cataloger: "python",
    locations: [],
  },
];

describe("round trip", () => {
  const writers = [
    [
      "CycloneDX",
      (d: SbomDocument) => toCycloneDx(d, { serialNumber: "3e671687-395b-41f5-a30f-a58921a69b79" }),
    ],
    ["SPDX", (d: SbomDocument) => toSpdx(d, { namespaceUuid: "3e671687-395b-41f5-a30f-a58921a69b79" })],
  ] as const;

  describe.each(writers)("%s", (_format, write) => {
    it("gives back the packages, distro and subject of every package type", () => {
      const doc = sampleDocument();
      const back = readSbom(write(doc));
      expect(back.packages.map(normal).sort(byKey)).toEqual(doc.packages.map(normal).sort(byKey));
      expect(back.distro).toEqual(doc.distro);
      expect(back.subject).toEqual(doc.subject);
      expect(back.tool).toEqual(doc.tool);
      expect(back.createdAt.getTime()).toBe(
        Math.floor(doc.createdAt.getTime() / 1000) * 1000 + (_format === "CycloneDX" ? 678 : 0),
      );
    });

    it("gives back awkward names, licence texts and metadata", () => {
      const doc = sampleDocument(awkward);
      const back = readSbom(write(doc));
      expect(back.packages.map(normal).sort(byKey)).toEqual(doc.packages.map(normal).sort(byKey));
    });

    it("gives back an empty document", () => {
      const doc: SbomDocument = {
        subject: { kind: "directory", name: "./src dir" },
        packages: [],
        createdAt: new Date("2025-05-05T05:05:05Z"),
        tool: { name: "portcullis", version: "9.9.9" },
      };
      expect(readSbom(write(doc))).toEqual(doc);
    });
  });
});

describe("readSbom on other tools' SBOMs (hand-made fixtures in their shape)", () => {
  it.each([
    ["trivy-alpine.cdx.json", "1.5"],
    ["syft-debian.cdx.json", "1.6"],
    ["syft-node.cdx-1.4.json", "1.4"],
  ] as const)("fixture %s is valid CycloneDX %s", (name, version) => {
    const validate = cycloneDxValidator(version);
    expect(validate(JSON.parse(fixture(name))), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it("reads Trivy CycloneDX: OS component, source from SrcName, lang packages, skips what it cannot type", () => {
    const warnings: string[] = [];
    const doc = readSbom(fixture("trivy-alpine.cdx.json"), { warn: (m) => warnings.push(m) });
    expect(doc.tool).toEqual({ name: "trivy", version: "0.49.1" });
    expect(doc.subject).toEqual({
      kind: "image",
      name: "alpine:3.19",
      digest: "sha256:6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0628977d0",
    });
    expect(doc.distro).toEqual({ id: "alpine", versionId: "3.19.1" });
    expect(doc.packages.map((p) => `${p.type}:${p.name}@${p.version}`)).toEqual([
      "apk:busybox@1.36.1-r15",
      "apk:ssl_client@1.36.1-r15",
      "apk:libcrypto3@3.1.4-r5",
      "npm:@npmcli/arborist@7.2.1",
      "npm:semver@7.5.4",
    ]);
    const ssl = doc.packages[1]!;
    expect(ssl).toMatchObject({
      source: { name: "busybox", version: "1.36.1-r15" },
      arch: "x86_64",
      licenses: ["GPL-2.0-only"],
      cataloger: "trivy:alpine",
      dependsOn: ["busybox", "libcrypto3"],
    });
    expect(doc.packages[3]).toMatchObject({
      licenses: ["ISC"],
      dependsOn: ["semver"],
      locations: [
        {
          path: "/usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json",
          layerDigest: "sha256:9e1a7a4a0c4b8f6e1c7f0b2a3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
        },
      ],
    });
    expect(warnings).toEqual([expect.stringContaining("pkg:generic/custom-blob@1.0")]);
  });

  it("reads syft CycloneDX 1.6: locations, upstream source, syft distro properties", () => {
    const doc = readSbom(fixture("syft-debian.cdx.json"));
    expect(doc.tool).toEqual({ name: "syft", version: "1.0.1" });
    expect(doc.subject.digest).toBe(
      "sha256:7b4f8d2c1a0e9f8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d",
    );
    expect(doc.distro).toEqual({
      id: "debian",
      versionId: "12",
      versionCodename: "bookworm",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
    });
    const [libc, libgcc, tzdata] = doc.packages;
    expect(libc).toEqual({
      type: "deb",
      name: "libc6",
      version: "2.36-9+deb12u4",
      purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12",
      licenses: ["GPL-2.0-only", "LGPL-2.1-only", "GPL-2+ with exceptions"],
      source: { name: "glibc" },
      arch: "amd64",
      cataloger: "dpkg-db-cataloger",
      locations: [
        {
          path: "/var/lib/dpkg/status",
          layerDigest: "sha256:1f00ff2015d0a8a5b2d3c4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d",
        },
        {
          path: "/usr/share/doc/libc6/copyright",
          layerDigest: "sha256:1f00ff2015d0a8a5b2d3c4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d",
        },
      ],
    });
    expect(libgcc).toMatchObject({ source: { name: "gcc-12" }, dependsOn: ["libc6"] });
    expect(tzdata).toMatchObject({
      arch: "all",
      licenses: [],
      locations: [{ path: "/var/lib/dpkg/status" }],
    });
    expect(tzdata!.source).toBeUndefined();
  });

  it("reads syft CycloneDX 1.4: tools as an array, directory subject, Maven and npm names", () => {
    const warnings: string[] = [];
    const doc = readSbom(fixture("syft-node.cdx-1.4.json"), { warn: (m) => warnings.push(m) });
    expect(doc.tool).toEqual({ name: "syft", version: "0.80.0" });
    expect(doc.subject).toEqual({ kind: "directory", name: "./webapp" });
    expect(doc.createdAt.toISOString()).toBe("2023-06-01T06:00:00.000Z");
    expect(doc.distro).toBeUndefined();
    expect(doc.packages.map((p) => [p.type, p.name, p.licenses])).toEqual([
      ["npm", "@types/node", ["MIT"]],
      ["maven", "org.yaml:snakeyaml", ["Apache-2.0"]],
    ]);
    expect(warnings).toEqual([expect.stringContaining("mystery")]);
  });

  it("reads Trivy SPDX 2.3: OPERATING-SYSTEM purpose, built-from source, attribution layer digests", () => {
    const doc = readSbom(fixture("trivy-alpine.spdx.json"));
    expect(doc.tool).toEqual({ name: "trivy", version: "0.49.1" });
    expect(doc.subject).toEqual({
      kind: "image",
      name: "alpine:3.19",
      digest: "sha256:6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0628977d0",
    });
    expect(doc.distro).toEqual({ id: "alpine", versionId: "3.19.1" });
    expect(doc.packages.map((p) => p.name)).toEqual(["busybox", "libcrypto3", "ssl_client"]);
    expect(doc.packages[1]).toMatchObject({
      source: { name: "openssl", version: "3.1.4-r5" },
      licenses: ["Apache-2.0"],
    });
    expect(doc.packages[2]!.dependsOn).toEqual(["busybox", "libcrypto3"]);
  });

  it("reads syft SPDX 2.2: LicenseRefs back to text, PACKAGE_MANAGER refs, DEPENDENCY_OF, distro from purl", () => {
    const doc = readSbom(fixture("syft-debian.spdx-2.2.json"));
    expect(doc.tool).toEqual({ name: "syft", version: "0.105.0" });
    expect(doc.subject).toEqual({
      kind: "image",
      name: "debian",
      digest: "sha256:7b4f8d2c1a0e9f8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d",
    });
    expect(doc.distro).toEqual({ id: "debian", versionId: "12" });
    const [libc, libgcc] = doc.packages;
    expect(libc).toMatchObject({
      licenses: ["GPL-2.0-only", "LGPL-2.1-only", "GPL-2+ with exceptions"],
      source: { name: "glibc" },
      cataloger: "sbom",
      locations: [{ path: "/var/lib/dpkg/status" }, { path: "/usr/share/doc/libc6/copyright" }],
    });
    expect(libc!.dependsOn).toBeUndefined();
    expect(libgcc).toMatchObject({
      licenses: ["GPL-3"],
      source: { name: "gcc-12", version: "12.2.0-14" },
      dependsOn: ["libc6"],
    });
  });
});

describe("readSbom errors", () => {
  const code = (text: string): string => {
    try {
      readSbom(text);
    } catch (err) {
      expect(err).toBeInstanceOf(SbomError);
      return `${(err as SbomError).code}: ${(err as SbomError).message}`;
    }
    return "no error";
  };

  it.each([
    ["{ not json", "SBOM_INVALID: not valid JSON"],
    ["", "SBOM_INVALID: not valid JSON"],
    ["[1, 2]", "FORMAT_UNSUPPORTED: not an SBOM"],
    ['"text"', "FORMAT_UNSUPPORTED: not an SBOM"],
    ['{"hello": 1}', "FORMAT_UNSUPPORTED: not a CycloneDX or SPDX"],
    ['{"bomFormat": "CycloneDX", "specVersion": "1.3"}', 'FORMAT_UNSUPPORTED: CycloneDX specVersion "1.3"'],
    ['{"bomFormat": "CycloneDX", "specVersion": "2.0"}', "FORMAT_UNSUPPORTED: CycloneDX specVersion"],
    ['{"bomFormat": "CycloneDX"}', "FORMAT_UNSUPPORTED: CycloneDX specVersion undefined"],
    // A number is not a version: JSON 1.10 is 1.1, so say it must be a string rather than "not supported".
    [
      '{"bomFormat": "CycloneDX", "specVersion": 1.6}',
      'SBOM_INVALID: CycloneDX specVersion: must be a string such as "1.6", not the number 1.6',
    ],
    [
      '{"spdxVersion": 2.3}',
      'SBOM_INVALID: SPDX spdxVersion: must be a string such as "SPDX-2.3", not the number 2.3',
    ],
    ['{"spdxVersion": "SPDX-2.1"}', 'FORMAT_UNSUPPORTED: SPDX version "SPDX-2.1"'],
    [
      '{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}',
      "FORMAT_UNSUPPORTED: SPDX 3",
    ],
    ['{"artifacts": [], "schema": {"version": "16.0.0"}}', "FORMAT_UNSUPPORTED: syft JSON"],
    ['<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>', "FORMAT_UNSUPPORTED: XML"],
    ["SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "FORMAT_UNSUPPORTED: SPDX tag-value"],
    [
      '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "a"}, {"type": "library"}]}',
      "SBOM_INVALID: CycloneDX components[1].name: is required",
    ],
    [
      '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "licenses": [{"license": {"id": 5}}]}]}',
      "SBOM_INVALID: CycloneDX components[0].licenses[0].license.id: must be a string",
    ],
    [
      '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {}}',
      "SBOM_INVALID: CycloneDX components:",
    ],
    ['{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}', "SBOM_INVALID: SPDX name: is required"],
    [
      JSON.stringify({
        spdxVersion: "SPDX-2.3",
        SPDXID: "SPDXRef-DOCUMENT",
        name: "x",
        dataLicense: "CC0-1.0",
        documentNamespace: "https://example.com/x",
        creationInfo: { created: "2024-01-01T00:00:00Z", creators: [] },
      }),
      "SBOM_INVALID: SPDX creationInfo.creators: must name at least one creator",
    ],
    [
      JSON.stringify({
        spdxVersion: "SPDX-2.3",
        SPDXID: "SPDXRef-DOCUMENT",
        name: "x",
        dataLicense: "CC0-1.0",
        documentNamespace: "https://example.com/x",
        creationInfo: { created: "2024-01-01T00:00:00Z", creators: ["Tool: x"] },
        packages: [
          { SPDXID: "SPDXRef-a", name: "a" },
          { SPDXID: 7, name: "b" },
        ],
      }),
      "SBOM_INVALID: SPDX packages[1].SPDXID: must be a string",
    ],
  ])("%s", (text, expected) => {
    expect(code(text)).toContain(expected);
  });

  it("accepts a byte-order mark", () => {
    const text = `\uFEFF${toCycloneDx(sampleDocument(samplePackages().slice(0, 1)))}`;
    expect(readSbom(text).packages).toHaveLength(1);
  });
});

/**
 * A CycloneDX document whose only package sits `depth` levels down a chain of nested components,
 * built as text (JSON.stringify recurses, and would overflow on the deepest ones).
 */
function nestedBom(
  depth: number,
  leaf: object = { type: "library", name: "openssl", purl: "pkg:deb/debian/openssl@1.1.1n-0+deb11u4" },
): string {
  const open = '{"type":"application","name":"layer","components":[';
  const nested = `${open.repeat(depth)}${JSON.stringify(leaf)}${"]}".repeat(depth)}`;
  return `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[${nested}]}`;
}

describe("nested CycloneDX components (issue 22: depth 65-500 vanished)", () => {
  it.each([0, 64, 65, 500, MAX_COMPONENT_DEPTH])("reads a package nested %i levels down", (depth) => {
    const doc = readSbom(nestedBom(depth));
    expect(doc.packages.map((p) => p.name)).toEqual(["openssl"]);
    expect(doc.incomplete).toBeUndefined();
  });

  it("past the depth limit marks the document incomplete instead of dropping packages silently", () => {
    for (const depth of [MAX_COMPONENT_DEPTH + 1, 5000, 200_000]) {
      const doc = readSbom(nestedBom(depth));
      expect(doc.incomplete?.map((r) => r.code)).toEqual(["SBOM_NESTING_LIMIT"]);
      expect(doc.incomplete?.[0]?.message).toContain(`nested deeper than ${MAX_COMPONENT_DEPTH} levels`);
    }
  });

  it("keeps the document's own reasons beside the nesting one", () => {
    const bom = JSON.parse(nestedBom(MAX_COMPONENT_DEPTH + 1));
    bom.metadata = {
      component: {
        type: "container",
        name: "img",
        properties: [{ name: "portcullis:incomplete:0:code", value: "ARCHIVE_LIMIT" }],
      },
    };
    const doc = readSbom(JSON.stringify(bom));
    expect(doc.incomplete?.map((r) => r.code)).toEqual(["ARCHIVE_LIMIT", "SBOM_NESTING_LIMIT"]);
  });

  it("names a nested component's path in errors", () => {
    const text = nestedBom(3, { type: "library" });
    expect(errorText(text)).toContain(
      "SBOM_INVALID: CycloneDX components[0].components[0].components[0].components[0].name: is required",
    );
  });
});

function errorText(text: string): string {
  try {
    readSbom(text);
  } catch (err) {
    expect(err).toBeInstanceOf(SbomError);
    return `${(err as SbomError).code}: ${(err as SbomError).message}`;
  }
  return "no error";
}
