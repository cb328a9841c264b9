import { describe, expect, it } from "vitest";
import type { Package } from "../../model.js";
import type { SbomDocument } from "../document.js";
import { cycloneDxValidator, sampleDocument, samplePackages } from "../testing.js";
import { type CdxComponent, cycloneDxLicenses, toCycloneDx } from "./write.js";

const SERIAL = "3e671687-395b-41f5-a30f-a58921a69b79";
const validate = cycloneDxValidator();

interface Bom {
  serialNumber: string;
  metadata: { timestamp: string; component: CdxComponent; tools: { components: { name: string }[] } };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

function write(doc: SbomDocument): Bom {
  const text = toCycloneDx(doc, { serialNumber: SERIAL });
  const bom = JSON.parse(text) as Bom;
  const ok = validate(bom);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
  expect(ok).toBe(true);
  return bom;
}

const awkward: Package[] = [
  {
    type: "npm",
    name: "@scöpe/naïve package",
    version: "1.0.0-β.1",
    purl: "pkg:npm/%40sc%C3%B6pe/na%C3%AFve%20package@1.0.0-%CE%B2.1",
    licenses: ["Some Custom Licence", "MIT OR Apache-2.0"],
    cataloger: "npm",
    locations: [{ path: "/app/node_modules/@scöpe/naïve package/package.json" }],
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
  {
    type: "deb",
    name: "日本語",
    version: "1:2.0~rc1",
    purl: "",
    licenses: [],
    cataloger: "dpkg",
    locations: [{ path: "/var/lib/dpkg/status" }],
  },
];

describe("toCycloneDx", () => {
  it("is schema-valid for every package type", () => {
    const bom = write(sampleDocument());
    expect(bom.components.map((c) => c.type)).toContain("operating-system");
    expect(bom.components).toHaveLength(samplePackages().length + 1);
  });

  it("is schema-valid for awkward names", () => {
    const bom = write(sampleDocument(awkward));
    const npm = bom.components.find((c) => c.purl?.startsWith("pkg:npm/"))!;
    expect(npm.group).toBe("@scöpe");
    expect(npm.name).toBe("naïve package");
    expect(npm.licenses).toEqual([
      { license: { name: "Some Custom Licence" } },
      { license: { name: "MIT OR Apache-2.0" } },
    ]);
    const deb = bom.components.find((c) => c.name === "日本語")!;
    expect(deb["bom-ref"]).toBe("deb:日本語@1:2.0~rc1");
    expect(deb.purl).toBeUndefined();
  });

  it("is schema-valid when empty, with no distro and a directory subject", () => {
    const doc: SbomDocument = {
      subject: { kind: "directory", name: "./my project" },
      packages: [],
      createdAt: new Date(0),
      tool: { name: "portcullis", version: "0.1.0" },
    };
    const bom = write(doc);
    expect(bom.components).toEqual([]);
    expect(bom.metadata.component.type).toBe("file");
    expect(bom.metadata.component.purl).toBeUndefined();
    expect(bom.dependencies).toEqual([{ ref: "portcullis:subject", dependsOn: [] }]);
  });

  it("describes the image as a container with an oci purl", () => {
    const bom = write(sampleDocument());
    const image = bom.metadata.component;
    expect(image.type).toBe("container");
    expect(image.name).toBe("registry.example.com/team/app:1.0");
    expect(image.version).toBe(`sha256:${"c".repeat(64)}`);
    expect(image.purl).toBe(
      `pkg:oci/app@sha256:${"c".repeat(64)}?arch=amd64&repository_url=registry.example.com%2Fteam%2Fapp&tag=1.0`,
    );
    expect(bom.metadata.timestamp).toBe("2026-01-02T03:04:05.678Z");
    expect(bom.serialNumber).toBe(`urn:uuid:${SERIAL}`);
    expect(bom.metadata.tools.components[0]!.name).toBe("portcullis");
  });

  it("splits Maven and npm names, marks a Go main module as an application", () => {
    const bom = write(sampleDocument());
    const byPurl = (prefix: string) => bom.components.find((c) => c.purl?.startsWith(prefix))!;
    expect(byPurl("pkg:maven/")).toMatchObject({ group: "org.apache.logging.log4j", name: "log4j-core" });
    expect(byPurl("pkg:npm/%40babel")).toMatchObject({ group: "@babel", name: "core" });
    expect(byPurl("pkg:golang/github.com/example/tool").type).toBe("application");
    expect(byPurl("pkg:golang/golang.org").type).toBe("library");
  });

  it("records our facts as portcullis: properties", () => {
    const bom = write(sampleDocument());
    const libc = bom.components.find((c) => c.name === "libc6")!;
    expect(libc.properties).toEqual([
      { name: "portcullis:package:cataloger", value: "dpkg" },
      { name: "portcullis:package:source:name", value: "glibc" },
      { name: "portcullis:location:0:path", value: "/var/lib/dpkg/status" },
      { name: "portcullis:location:0:layerIndex", value: "0" },
      { name: "portcullis:location:0:layerDigest", value: `sha256:${"a".repeat(64)}` },
    ]);
  });

  it("lists every component in dependencies; the image depends on the OS and every package", () => {
    const bom = write(sampleDocument());
    const refs = bom.components.map((c) => c["bom-ref"]);
    expect(bom.dependencies.map((d) => d.ref).sort()).toEqual([...refs, "portcullis:subject"].sort());
    expect(bom.dependencies[0]).toEqual({ ref: "portcullis:subject", dependsOn: refs });
    const deps = (ref: string) => bom.dependencies.find((d) => d.ref === ref)!.dependsOn;
    expect(deps("pkg:npm/%40babel/core@7.24.0")).toEqual(["pkg:npm/debug@2.6.9"]);
    expect(deps("pkg:npm/debug@4.3.4")).toEqual(["pkg:npm/ms@2.1.2"]);
    expect(deps("pkg:golang/github.com/example/tool@v1.2.3")).toEqual([
      "pkg:golang/golang.org/x/net@v0.21.0",
    ]);
    const composer = bom.components.find((c) => c.name === "symfony/console")!;
    expect(composer.properties).toContainEqual({
      name: "portcullis:package:dependsOn:unresolved",
      value: "psr/log",
    });
    const babel = bom.components.find((c) => c.group === "@babel")!;
    expect(babel.properties).toContainEqual({
      name: "portcullis:package:dependsOn:unresolved",
      value: "left-pad",
    });
  });

  it("gives packages sharing a purl distinct bom-refs", () => {
    const twin = samplePackages().find((p) => p.name === "ms")!;
    const bom = write(
      sampleDocument([twin, { ...twin, locations: [{ path: "/other/node_modules/ms/package.json" }] }]),
    );
    expect(bom.components.slice(1).map((c) => c["bom-ref"])).toEqual([
      "pkg:npm/ms@2.1.2",
      "pkg:npm/ms@2.1.2#2",
    ]);
  });

  it("is deterministic: input order does not matter, output matches the snapshot", async () => {
    const a = toCycloneDx(sampleDocument(), { serialNumber: SERIAL });
    const b = toCycloneDx(sampleDocument(samplePackages().reverse()), { serialNumber: SERIAL });
    expect(b).toBe(a);
    await expect(a).toMatchFileSnapshot("testdata/sample.cdx.json");
  });

  it("uses a fresh serial number when none is given", () => {
    const a = JSON.parse(toCycloneDx(sampleDocument())) as Bom;
    const b = JSON.parse(toCycloneDx(sampleDocument())) as Bom;
    expect(a.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });
});

describe("cycloneDxLicenses", () => {
  it.each([
    [[], undefined],
    [["MIT"], [{ license: { id: "MIT" } }]],
    [["apache-2.0"], [{ license: { id: "Apache-2.0" } }]],
    [["MIT OR Apache-2.0"], [{ expression: "MIT OR Apache-2.0" }]],
    [["GPL-2.0+"], [{ expression: "GPL-2.0+" }]],
    [["LicenseRef-acme"], [{ expression: "LicenseRef-acme" }]],
    [
      ["GPL-2.0-only WITH Classpath-exception-2.0"],
      [{ expression: "GPL-2.0-only WITH Classpath-exception-2.0" }],
    ],
    [["ASL 2.0"], [{ license: { name: "ASL 2.0" } }]],
    [
      ["MIT", "BSD-3-Clause OR MIT"],
      [{ license: { id: "MIT" } }, { license: { name: "BSD-3-Clause OR MIT" } }],
    ],
  ])("%j", (input, expected) => {
    expect(cycloneDxLicenses(input)).toEqual(expected);
  });
});
