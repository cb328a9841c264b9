import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fileInfoOf, runCataloger, type TestFiles } from "../testing.js";
import { stripConstraint } from "./dependencies.js";
import { apkCataloger } from "./index.js";

const read = (path: string): string => readFileSync(new URL(`testdata/${path}`, import.meta.url), "utf8");
/** The distro reaches the cataloger as in a scan: detected from the image's os-release. */
const alpine: TestFiles = { "/etc/os-release": "ID=alpine\nVERSION_ID=3.16.2\n" };

const run = (installed: string, os: TestFiles = {}) =>
  runCataloger(apkCataloger, { ...os, "/lib/apk/db/installed": installed });

describe("apkCataloger.wants", () => {
  const info = (path: string) => fileInfoOf(path, { size: 10 });
  it.each([
    ["/lib/apk/db/installed", true],
    ["/lib/apk/db/scripts.tar", false],
    ["/usr/lib/apk/db/installed", false],
    ["/etc/apk/world", false],
  ])("%s -> %s", (path, wanted) => {
    expect(apkCataloger.wants(info(path))).toBe(wanted);
  });
});

describe("apkCataloger", () => {
  it("reads syft's multiple-2 database and resolves so:, cmd: and /bin/sh dependencies", async () => {
    const { packages, warnings } = await run(read("syft/multiple-2/lib/apk/db/installed"), alpine);
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(14);
    const byName = new Map(packages.map((p) => [p.name, p]));
    expect(byName.get("alpine-baselayout")).toMatchObject({
      version: "3.2.0-r22",
      arch: "x86_64",
      licenses: ["GPL-2.0-only"],
      source: { name: "alpine-baselayout", version: "3.2.0-r22" },
      dependsOn: ["alpine-baselayout-data", "busybox", "musl"],
      purl: "pkg:apk/alpine/alpine-baselayout@3.2.0-r22?arch=x86_64&distro=alpine-3.16.2",
    });
    expect(byName.get("ssl_client")).toMatchObject({
      source: { name: "busybox", version: "1.35.0-r17" },
      dependsOn: ["musl", "libcrypto1.1", "libssl1.1"],
      purl: "pkg:apk/alpine/ssl_client@1.35.0-r17?arch=x86_64&distro=alpine-3.16.2&upstream=busybox",
    });
    expect(byName.get("ca-certificates-bundle")?.licenses).toEqual(["MPL-2.0 AND MIT"]);
    expect(byName.get("musl")?.dependsOn).toBeUndefined();
    expect(byName.get("musl")?.locations).toEqual([
      { path: "/lib/apk/db/installed", layerIndex: 0, layerDigest: expect.any(String) },
    ]);
  });

  it("takes the distro from os-release when the context has none", async () => {
    const { packages } = await run(read("syft/single"), {
      "/etc/os-release": "ID=wolfi\nVERSION_ID=20230201\n",
    });
    expect(packages[0]!.purl).toBe(
      "pkg:apk/wolfi/musl-utils@1.1.24-r2?arch=x86_64&distro=wolfi-20230201&upstream=musl",
    );
    // musl-utils depends on scanelf and so:libc.musl..., neither installed here.
    expect(packages[0]!.dependsOn).toBeUndefined();
  });

  it("keeps empty D: and p: lines harmless", async () => {
    const { packages, warnings } = await run(read("syft/empty-deps-and-provides"), alpine);
    expect(warnings).toEqual([]);
    expect(packages.map((p) => [p.name, p.version])).toEqual([["alpine-baselayout-data", "3.4.0-r0"]]);
  });

  it("warns about trivy's record without a version and keeps the rest", async () => {
    const { packages, warnings } = await run(read("trivy/apk"), alpine);
    expect(packages).toHaveLength(15);
    expect(warnings).toEqual([expect.stringContaining("invalidPackageWithoutAVersion has no version")]);
  });

  it("warns about a corrupt database and keeps what it can read", async () => {
    const { packages, warnings } = await run(read("syft/corrupt/lib/apk/db/installed"), alpine);
    expect(packages.map((p) => p.name)).toEqual(["alpine-baselayout-data"]);
    expect(warnings).toHaveLength(1);
  });

  it.each([
    ["installed", 15, 0],
    ["single", 1, 0],
    ["empty", 0, 0],
    ["invalid", 0, 2],
    ["different-arch", 1, 0],
    ["no-origin", 1, 0],
    ["../syft/base", 1, 0],
    ["../syft/extra-file-attributes", 1, 0],
    ["../syft/multiple-1/lib/apk/db/installed", 4, 0],
  ])("osv-scalibr %s: %i packages, %i warnings", async (name, count, warningCount) => {
    const { packages, warnings } = await run(read(`osv-scalibr/${name}`), alpine);
    expect(packages).toHaveLength(count);
    expect(warnings).toHaveLength(warningCount);
  });

  it("uses the package itself as source when there is no origin", async () => {
    const { packages } = await run(read("osv-scalibr/no-origin"), alpine);
    expect(packages[0]!.source).toEqual({ name: "pkgname", version: "1.2.3" });
    expect(packages[0]!.purl).toBe("pkg:apk/alpine/pkgname@1.2.3?arch=x86_64&distro=alpine-3.16.2");
  });
});

describe("stripConstraint", () => {
  it.each([
    ["musl", "musl"],
    ["musl>=1.2.3-r0", "musl"],
    ["so:libz.so.1=1.3", "so:libz.so.1"],
    ["busybox~1.36", "busybox"],
    ["py3-foo<2", "py3-foo"],
    ["foo@edge", "foo"],
    ["/bin/sh", "/bin/sh"],
  ])("%s -> %s", (dependency, name) => {
    expect(stripConstraint(dependency)).toBe(name);
  });
});
