import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import type { Package } from "../model.js";
import type { SbomDocument } from "./document.js";

/**
 * Test support: validators for the official schemas, and a document holding every package type
 * and the awkward names we promise to handle. Not used by production code.
 */

/**
 * Issue 22's budget for reading or writing one SBOM, per byte of the SBOM text (for
 * test/support/budget.ts). CPU: 2 s plus 0.5 µs per byte. The issue's goal, a million components in
 * 15 s, is some 0.07 µs per byte at the 220 bytes a component takes; reads measured 0.04 to 0.17 here,
 * and the quadratic readers this replaced took minutes at the sizes tested. Memory: a peak of 16 MiB plus
 * 64 live bytes per byte (reads measured up to 5, the parsed JSON included; writes up to 13).
 */
export const SBOM_BUDGET = {
  cpuMs: { fixed: 2000, perUnit: 0.0005 },
  memoryBytes: { fixed: 16 * 2 ** 20, perUnit: 64 },
};

const readJson = (path: string): object => JSON.parse(readFileSync(path, "utf8")) as object;

/** CycloneDX 1.4–1.6 (draft-07) with the SPDX licence-id and JSF schemas they $ref, from the CycloneDX library. */
export function cycloneDxValidator(version: "1.4" | "1.5" | "1.6" = "1.6"): ValidateFunction {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")), "res/schema");
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // ajv-formats lacks these two; purls and URLs we emit never contain whitespace.
  ajv.addFormat("iri-reference", (s: string) => !/\s/.test(s));
  ajv.addFormat("idn-email", (s: string) => /^[^\s@]+@[^\s@]+$/.test(s));
  // bom-1.6.SNAPSHOT $refs its siblings by their SNAPSHOT file names, while their $ids lack
  // ".SNAPSHOT": register each under the name it is referenced by.
  for (const name of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
    ajv.addSchema({ ...readJson(join(dir, name)), $id: `http://cyclonedx.org/schema/${name}` });
  }
  return ajv.compile(readJson(join(dir, `bom-${version}.SNAPSHOT.schema.json`)));
}

/** SPDX 2.3's official JSON schema (draft 2019-09), copied into spdx/testdata. */
export function spdxValidator(): ValidateFunction {
  const here = dirname(fileURLToPath(import.meta.url));
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(readJson(join(here, "spdx/testdata/spdx-schema-2.3.json")));
}

const LAYER0 = `sha256:${"a".repeat(64)}`;
const LAYER1 = `sha256:${"b".repeat(64)}`;

function pkg(
  p: Omit<Package, "locations" | "licenses"> & Partial<Pick<Package, "locations" | "licenses">>,
): Package {
  return { licenses: [], locations: [], ...p };
}

/** Every package type, Debian with sources, npm scopes and a nested node_modules, Maven, Go main module. */
export function samplePackages(): Package[] {
  const dpkg = { path: "/var/lib/dpkg/status", layerIndex: 0, layerDigest: LAYER0 };
  return [
    pkg({
      type: "deb",
      name: "libc6",
      version: "2.36-9+deb12u4",
      purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
      licenses: ["LGPL-2.1-or-later", "GPL-2.0-or-later"],
      source: { name: "glibc" },
      arch: "amd64",
      cataloger: "dpkg",
      locations: [dpkg],
    }),
    pkg({
      type: "deb",
      name: "libgcc-s1",
      version: "12.2.0-14",
      purl: "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12",
      licenses: ["GPL-3.0-or-later WITH GCC-exception-3.1"],
      source: { name: "gcc-12", version: "12.2.0-14" },
      arch: "amd64",
      cataloger: "dpkg",
      locations: [dpkg],
      dependsOn: ["libc6"],
    }),
    pkg({
      type: "apk",
      name: "musl",
      version: "1.2.4_git20230717-r4",
      purl: "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1",
      licenses: ["MIT"],
      source: { name: "musl", version: "1.2.4_git20230717-r4" },
      arch: "x86_64",
      cataloger: "apk",
      locations: [{ path: "/lib/apk/db/installed", layerIndex: 1, layerDigest: LAYER1 }],
    }),
    pkg({
      type: "rpm",
      name: "openssl-libs",
      version: "1:3.0.7-25.el9_3",
      purl: "pkg:rpm/redhat/openssl-libs@3.0.7-25.el9_3?arch=x86_64&epoch=1&distro=rhel-9.3",
      licenses: ["ASL 2.0"],
      source: { name: "openssl", version: "3.0.7-25.el9_3" },
      arch: "x86_64",
      cataloger: "rpm",
      locations: [{ path: "/var/lib/rpm/rpmdb.sqlite" }],
      metadata: { epoch: "1", release: "25.el9_3" },
    }),
    pkg({
      type: "npm",
      name: "@babel/core",
      version: "7.24.0",
      purl: "pkg:npm/%40babel/core@7.24.0",
      licenses: ["MIT"],
      cataloger: "npm",
      locations: [{ path: "/app/node_modules/@babel/core/package.json", layerIndex: 1, layerDigest: LAYER1 }],
      dependsOn: ["debug", "left-pad"],
    }),
    pkg({
      type: "npm",
      name: "debug",
      version: "4.3.4",
      purl: "pkg:npm/debug@4.3.4",
      licenses: ["MIT"],
      cataloger: "npm",
      locations: [{ path: "/app/node_modules/debug/package.json" }],
      dependsOn: ["ms"],
    }),
    pkg({
      type: "npm",
      name: "debug",
      version: "2.6.9",
      purl: "pkg:npm/debug@2.6.9",
      licenses: ["MIT"],
      cataloger: "npm",
      locations: [{ path: "/app/node_modules/@babel/core/node_modules/debug/package.json" }],
    }),
    pkg({
      type: "npm",
      name: "ms",
      version: "2.1.2",
      purl: "pkg:npm/ms@2.1.2",
      licenses: ["MIT"],
      cataloger: "npm",
      locations: [{ path: "/app/node_modules/ms/package.json" }],
    }),
    pkg({
      type: "pypi",
      name: "requests",
      version: "2.31.0",
      purl: "pkg:pypi/requests@2.31.0",
      licenses: ["Apache-2.0"],
      cataloger: "python",
      locations: [{ path: "/usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA" }],
    }),
    pkg({
      type: "golang",
      name: "github.com/example/tool",
      version: "v1.2.3",
      purl: "pkg:golang/github.com/example/tool@v1.2.3",
      cataloger: "go-binary",
      locations: [{ path: "/usr/local/bin/tool" }],
      metadata: { mainModule: "true", goVersion: "go1.22.1" },
      dependsOn: ["golang.org/x/net"],
    }),
    pkg({
      type: "golang",
      name: "golang.org/x/net",
      version: "v0.21.0",
      purl: "pkg:golang/golang.org/x/net@v0.21.0",
      licenses: ["BSD-3-Clause"],
      cataloger: "go-binary",
      locations: [{ path: "/usr/local/bin/tool" }],
      metadata: { h1Digest: "h1:abc=" },
    }),
    pkg({
      type: "maven",
      name: "org.apache.logging.log4j:log4j-core",
      version: "2.14.1",
      purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      licenses: ["Apache-2.0"],
      cataloger: "java",
      locations: [{ path: "/app/lib/log4j-core-2.14.1.jar" }],
    }),
    pkg({
      type: "gem",
      name: "rack",
      version: "3.0.9",
      purl: "pkg:gem/rack@3.0.9",
      licenses: ["MIT"],
      cataloger: "ruby",
      locations: [{ path: "/usr/local/bundle/specifications/rack-3.0.9.gemspec" }],
    }),
    pkg({
      type: "cargo",
      name: "serde",
      version: "1.0.197",
      purl: "pkg:cargo/serde@1.0.197",
      licenses: ["MIT OR Apache-2.0"],
      cataloger: "rust",
      locations: [{ path: "/app/Cargo.lock" }],
    }),
    pkg({
      type: "nuget",
      name: "Newtonsoft.Json",
      version: "13.0.3",
      purl: "pkg:nuget/Newtonsoft.Json@13.0.3",
      licenses: ["MIT"],
      cataloger: "dotnet",
      locations: [{ path: "/app/app.deps.json" }],
    }),
    pkg({
      type: "composer",
      name: "symfony/console",
      version: "v6.4.4",
      purl: "pkg:composer/symfony/console@v6.4.4",
      licenses: ["MIT"],
      cataloger: "php",
      locations: [{ path: "/app/vendor/composer/installed.json" }],
      dependsOn: ["psr/log"],
    }),
  ];
}

/** A full image document around `packages`, at a fixed time. */
export function sampleDocument(packages: Package[] = samplePackages()): SbomDocument {
  return {
    subject: {
      kind: "image",
      name: "registry.example.com/team/app:1.0",
      digest: `sha256:${"c".repeat(64)}`,
      indexDigest: `sha256:${"d".repeat(64)}`,
      platform: { os: "linux", architecture: "amd64" },
      labels: { "org.opencontainers.image.source": "https://github.com/example/app" },
      layers: [
        { index: 0, digest: LAYER0, size: 29_123_456 },
        { index: 1, digest: LAYER1, size: 1024 },
      ],
    },
    distro: {
      id: "debian",
      versionId: "12",
      versionCodename: "bookworm",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
    },
    packages,
    createdAt: new Date("2026-01-02T03:04:05.678Z"),
    tool: { name: "portcullis", version: "0.1.0" },
  };
}
