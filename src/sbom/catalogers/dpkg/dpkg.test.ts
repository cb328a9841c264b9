import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { fileInfoOf, filesFromDir, runCataloger, type TestFiles } from "../testing.js";
import { dpkgCataloger } from "./index.js";

const testdata = (path: string): string => new URL(`testdata/${path}`, import.meta.url).pathname;
const read = (path: string): string => readFileSync(testdata(path), "utf8");
/** The distro reaches the cataloger as in a scan: detected from the image's os-release. */
const bookworm: TestFiles = { "/etc/os-release": "ID=debian\nVERSION_ID=12\n" };

const run = (files: TestFiles, os: TestFiles = {}) => runCataloger(dpkgCataloger, { ...os, ...files });

/** Sections of a txtar archive (golang.org/x/tools/txtar), as trivy stores its fixtures. */
function txtar(path: string): Record<string, string> {
  const files: Record<string, string> = {};
  let current: string | undefined;
  for (const line of read(path).split("\n")) {
    const header = /^-- (.+) --$/.exec(line);
    if (header) {
      current = `/${header[1]}`;
      files[current] = "";
    } else if (current) files[current] += `${line}\n`;
  }
  return files;
}

describe("dpkgCataloger.wants", () => {
  const info = (path: string) => fileInfoOf(path, { size: 10 });
  it.each([
    ["/var/lib/dpkg/status", true],
    ["/var/lib/dpkg/status.d/libc6", true],
    ["/var/lib/dpkg/status.d/libgtk2.0-0", true],
    ["/var/lib/dpkg/status.d/libc6.md5sums", false],
    ["/var/lib/dpkg/status.d/libc6.preinst", false],
    ["/var/lib/dpkg/status-old", false],
    ["/var/lib/dpkg/available", false],
    ["/var/lib/dpkg/info/libc6.list", false],
    ["/usr/share/doc/libc6/copyright", true],
    ["/usr/share/doc/libc6/changelog.Debian.gz", false],
    ["/usr/share/doc/libc6/examples/copyright", false],
  ])("%s -> %s", (path, wanted) => {
    expect(dpkgCataloger.wants(info(path))).toBe(wanted);
  });
});

describe("dpkgCataloger on real images", () => {
  it("reads the syft image-dpkg fixture with its copyright and os-release", async () => {
    const { packages, warnings } = await run(filesFromDir(testdata("syft/image-dpkg")));
    expect(packages).toHaveLength(1);
    expect(packages[0]).toMatchObject({
      type: "deb",
      name: "libpam-runtime",
      version: "1.1.8-3.6",
      arch: "all",
      source: { name: "pam", version: "1.1.8-3.6" },
      licenses: ["GPL-2", "LGPL-2.1"],
      dependsOn: ["debconf", "debconf-2.0", "cdebconf", "libpam-modules"],
      cataloger: "dpkg",
    });
    expect(packages[0]!.purl).toBe(
      "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12&upstream=pam",
    );
    expect(packages[0]!.locations.map((l) => l.path)).toEqual([
      "/var/lib/dpkg/status",
      "/usr/share/doc/libpam-runtime/copyright",
    ]);
    // The fixture starts with an empty "Package:" paragraph.
    expect(warnings).toHaveLength(1);
  });

  it("reads a distroless status.d entry and ignores its md5sums", async () => {
    const { packages, warnings } = await run(filesFromDir(testdata("syft/image-distroless-deb")), bookworm);
    expect(warnings).toEqual([]);
    expect(packages).toEqual([
      {
        type: "deb",
        name: "libsqlite3-0",
        version: "3.34.1-3",
        purl: "pkg:deb/debian/libsqlite3-0@3.34.1-3?arch=arm64&distro=debian-12&upstream=sqlite3",
        licenses: ["public-domain", "GPL-2+"],
        source: { name: "sqlite3", version: "3.34.1-3" },
        arch: "arm64",
        cataloger: "dpkg",
        locations: [
          { path: "/var/lib/dpkg/status.d/libsqlite3-0", layerIndex: 0, layerDigest: expect.any(String) },
          { path: "/usr/share/doc/libsqlite3-0/copyright", layerIndex: 0, layerDigest: expect.any(String) },
        ],
        dependsOn: ["libc6"],
      },
    ]);
  });

  it("reads every status.d file, skipping deinstalled and unreadable entries", async () => {
    const { packages, warnings } = await run(
      filesFromDir(testdata("syft/var/lib/dpkg/status.d"), "/var/lib/dpkg/status.d"),
      bookworm,
    );
    const names = packages.map((p) => `${p.name}@${p.version}`).sort();
    expect(names).toContain("tzdata@2020a-0+deb10u1");
    expect(names).toContain("libselinux1@3.4-1+b6");
    expect(names).not.toContain("linux-image-6.8.0-1029-aws@");
    expect(names.some((n) => n.startsWith("linux-image-6.8.0-1029-aws"))).toBe(false);
    const selinux = packages.find((p) => p.name === "libselinux1")!;
    expect(selinux.source).toEqual({ name: "libselinux", version: "3.4-1" });
    expect(selinux.purl).toBe(
      "pkg:deb/debian/libselinux1@3.4-1+b6?arch=arm64&distro=debian-12&upstream=libselinux%403.4-1",
    );
    const attr = packages.find((p) => p.name === "libattr1")!;
    expect(attr.version).toBe("1:2.5.1-4");
    const coreutils = packages.find((p) => p.name === "coreutils")!;
    expect(coreutils.dependsOn).toEqual(["libacl1", "libattr1", "libc6", "libgmp10", "libselinux1"]);
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^dpkg: \/var\/lib\/dpkg\/status\.d\//);
  });

  it("uses the ubuntu namespace on Ubuntu (trivy valid.txtar)", async () => {
    const ubuntu: TestFiles = { "/etc/os-release": "ID=ubuntu\nVERSION_ID=18.04\n" };
    const { packages, warnings } = await run(txtar("trivy/valid.txtar"), ubuntu);
    expect(warnings).toEqual([]);
    const fdisk = packages.find((p) => p.name === "fdisk")!;
    expect(fdisk.purl).toBe(
      "pkg:deb/ubuntu/fdisk@2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04&upstream=util-linux",
    );
    expect(fdisk.dependsOn).toEqual([
      "libc6",
      "libfdisk1",
      "libmount1",
      "libncursesw5",
      "libsmartcols1",
      "libtinfo5",
    ]);
  });

  it("survives trivy's corrupted status file", async () => {
    const { packages } = await run(txtar("trivy/corrupsed.txtar"), bookworm);
    expect(packages.length).toBeGreaterThan(0);
  });
});

describe("dpkg status edge cases (osv-scalibr fixtures)", () => {
  const cases: Array<[string, string[]]> = [
    [
      "statusfield",
      ["wantinstall_installed", "wantdeinstall_installed", "wantpurge_installed", "wantnostatus"],
    ],
    ["single", ["acl"]],
    ["empty", []],
    ["invalid", []],
    ["nopackage", ["foo", "bar"]],
    ["noversion", ["foo", "bar"]],
  ];
  it.each(cases)("%s", async (name, expected) => {
    const { packages } = await run({ "/var/lib/dpkg/status": read(`osv-scalibr/dpkg/${name}`) }, bookworm);
    expect(packages.map((p) => p.name)).toEqual(expected);
  });

  it("status.d: an entry without Status counts, a deinstalled one does not, md5sums is not read", async () => {
    const { packages } = await run({
      "/var/lib/dpkg/status.d/foo": read("osv-scalibr/dpkg/status.d/foo"),
      "/var/lib/dpkg/status.d/foo.md5sums": read("osv-scalibr/dpkg/status.d/foo.md5sums"),
    });
    expect(packages.map((p) => [p.name, p.version, p.purl])).toEqual([
      ["foo", "1.2.3", "pkg:deb/debian/foo@1.2.3?arch=amd64"],
    ]);
  });

  it("valid: seven installed packages", async () => {
    const { packages, warnings } = await run(
      { "/var/lib/dpkg/status": read("osv-scalibr/dpkg/valid") },
      bookworm,
    );
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(7);
  });

  it("trailing newlines do not make empty packages", async () => {
    const text = read("osv-scalibr/dpkg/trailingnewlines");
    const { packages, warnings } = await run({ "/var/lib/dpkg/status": text }, bookworm);
    expect(warnings).toEqual([]);
    expect(packages.length).toBe((text.match(/^Package:/gm) ?? []).length);
  });
});

describe("large real status files (claircore)", () => {
  it.each([
    ["texlive.status", 357, 0],
    // vcpkg writes dpkg-shaped files without Version for its "features": warned about and skipped.
    ["vcpkg.status", 15, 9],
    ["postgresql.status", 3, 0],
    ["debian-only.status", 1, 0],
  ])("%s has %i packages", async (name, count, warningCount) => {
    const { packages, warnings } = await run({ "/var/lib/dpkg/status": read(`claircore/${name}`) }, bookworm);
    expect(warnings).toHaveLength(warningCount);
    expect(packages).toHaveLength(count);
    for (const pkg of packages) expect(pkg.purl).toMatch(/^pkg:deb\/debian\//);
  });

  const shared = `${import.meta.dirname}/../../../../../shared/testdata/packages/dpkg/claircore/texlive.status`;
  it.skipIf(unavailable(`the shared data set ${shared}`, existsSync(shared)))(
    "matches the shared copy",
    () => {
      expect(readFileSync(shared, "utf8")).toBe(read("claircore/texlive.status"));
    },
  );
});
