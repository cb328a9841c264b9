import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fileInfoOf, runCataloger, type TestFiles } from "../testing.js";
import { readRpmDatabase } from "./database.js";
import { parseSourceRpm, type RpmEntry, rpmEvr } from "./entry.js";
import { rpmCataloger } from "./index.js";

const fixture = (path: string): Buffer => readFileSync(new URL(`testdata/${path}`, import.meta.url));

/** `os` is an os-release file: the distro reaches the cataloger as in a scan, detected from it. */
const run = (files: TestFiles, os: TestFiles = {}) => runCataloger(rpmCataloger, { ...os, ...files });

describe("rpmCataloger.wants", () => {
  const info = (path: string) => fileInfoOf(path, { size: 10 });
  it.each([
    ["/var/lib/rpm/Packages", true],
    ["/var/lib/rpm/Packages.db", true],
    ["/var/lib/rpm/rpmdb.sqlite", true],
    ["/usr/lib/sysimage/rpm/rpmdb.sqlite", true],
    ["/usr/share/rpm/Packages", true],
    ["/var/lib/rpm/Name", false],
    ["/var/lib/rpm/rpmdb.sqlite-shm", false],
    ["/var/lib/rpm/__db.001", false],
    ["/tmp/Packages", false],
  ])("%s -> %s", (path, wanted) => {
    expect(rpmCataloger.wants(info(path))).toBe(wanted);
  });
});

/**
 * go-rpmdb's sle15-bci/packages.csv names these packages, in this order. The Packages.db stored
 * beside it is an older snapshot of the same image (bci-minimal:15.3): the same packages, older
 * releases. So names are compared with the list, and every release with its own source rpm (a
 * subpackage can have its own version, libreadline7 7.0 from bash 4.4, but shares the release).
 */
const SLE15_NAMES = [
  "system-user-root",
  "filesystem",
  "glibc",
  "libpcre1",
  "libgmp10",
  "libgcc_s1",
  "libcap2",
  "libstdc++6",
  "libncurses6",
  "terminfo-base",
  "libattr1",
  "libselinux1",
  "libreadline7",
  "bash",
  "libacl1",
  "coreutils",
  "sles-release",
  "ca-certificates-mozilla-prebuilt",
  "libpopt0",
  "file-magic",
  "libbz2-1",
  "liblua5_3-5",
  "liblzma5",
  "libz1",
  "libzstd1",
  "libmagic1",
  "libcrypt1",
  "libgpg-error0",
  "libdw1",
  "libebl-plugins",
  "libelf1",
  "perl-base",
  "libgcrypt20",
  "rpm-config-SUSE",
  "rpm-ndb",
];

/**
 * The expected lists beside the databases were written by rpm 4.18.0 itself (Debian's package,
 * backends sqlite and bdb_ro), with go-rpmdb's query format:
 * rpm --dbpath DIR -qa --queryformat '%|EPOCH?{%{EPOCH}}:{}|¶%{NAME}¶%{VERSION}¶%{RELEASE}¶
 * %|ARCH?{%{ARCH}}:{}|¶%|SOURCERPM?{%{SOURCERPM}}:{}|¶%{SIZE}¶%{LICENSE}¶%|VENDOR?{%{VENDOR}}:{}|¶%{SUMMARY}\n'
 */
function expectedRows(path: string): string[] {
  return fixture(path).toString("utf8").split("\n").filter(Boolean).sort();
}

function rowsOf(entries: RpmEntry[]): string[] {
  return entries
    .map((e) =>
      [
        e.epoch ?? "",
        e.name,
        e.version,
        e.release,
        e.arch ?? "",
        e.sourceRpm ?? "",
        e.size ?? "",
        e.license ?? "",
        e.vendor ?? "",
        e.summary ?? "",
      ].join("¶"),
    )
    .sort();
}

describe("rpm databases equal rpm's own listing", () => {
  it.each([
    [
      "sqlite",
      "go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
      "go-rpmdb/cbl-mariner-2.0/packages.rpm-4.18.csv",
      129,
    ],
    ["bdb", "go-rpmdb/libuuid/Packages", "go-rpmdb/libuuid/packages.rpm-4.18.csv", 1],
    ["bdb", "syft/Packages", "syft/Packages.rpm-4.18.csv", 1],
  ] as const)("%s %s", (format, database, expected, count) => {
    const { entries, warnings } = readRpmDatabase(format, fixture(database));
    expect(warnings).toEqual([]);
    expect(entries).toHaveLength(count);
    expect(rowsOf(entries)).toEqual(expectedRows(expected));
  });
});

describe("rpm databases (go-rpmdb fixtures)", () => {
  it("NDB: sle15-bci Packages.db", () => {
    const { entries, warnings } = readRpmDatabase("ndb", fixture("go-rpmdb/sle15-bci/Packages.db"));
    expect(warnings).toEqual([]);
    expect([...entries.map((e) => e.name)].sort()).toEqual([...SLE15_NAMES].sort());
    for (const entry of entries) {
      expect(entry.sourceRpm).toMatch(new RegExp(`-${escapeRegExp(entry.release)}\\.src\\.rpm$`));
      expect(entry.vendor).toBe("SUSE LLC <https://www.suse.com/>");
    }
    expect(entries.find((e) => e.name === "glibc")).toMatchObject({
      version: "2.31",
      release: "9.3.2",
      arch: "x86_64",
      sourceRpm: "glibc-2.31-9.3.2.src.rpm",
      license: "LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later",
      summary: "Standard Shared Libraries (from the GNU C Library)",
    });
    expect(entries.find((e) => e.name === "liblzma5")?.summary).toBe(
      "Lempel–Ziv–Markov chain algorithm compression library",
    );
  });

  it("SQLite: cbl-mariner-2.0 rpmdb.sqlite, curl as go-rpmdb's curl.json describes it", () => {
    const { entries, warnings } = readRpmDatabase("sqlite", fixture("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite"));
    expect(warnings).toEqual([]);
    expect(entries).toHaveLength(129);
    const curl = entries.find((e) => e.name === "curl")!;
    expect(curl).toMatchObject({
      name: "curl",
      version: "7.76.0",
      release: "6.cm2",
      arch: "x86_64",
      sourceRpm: "curl-7.76.0-6.cm2.src.rpm",
      size: 326023,
      license: "MIT",
      vendor: "Microsoft Corporation",
      summary: "An URL retrieval utility and library",
      provides: ["curl", "curl(x86-64)"],
    });
    expect(curl.epoch).toBeUndefined();
    expect(curl.requires).toContain("libcurl.so.4()(64bit)");
    for (const entry of entries) expect(entry.sourceRpm).toMatch(/\.src\.rpm$/);
  });

  it("Berkeley DB: libuuid Packages", () => {
    const { entries, warnings } = readRpmDatabase("bdb", fixture("go-rpmdb/libuuid/Packages"));
    expect(warnings).toEqual([]);
    expect(entries.map((e) => [e.name, rpmEvr(e), e.arch, e.sourceRpm, e.license, e.vendor])).toEqual([
      ["libuuid", "2.32.1-42.el8_8", "x86_64", "util-linux-2.32.1-42.el8_8.src.rpm", "BSD", "Red Hat, Inc."],
    ]);
  });

  it("Berkeley DB: syft's Packages (dive)", () => {
    const { entries, warnings } = readRpmDatabase("bdb", fixture("syft/Packages"));
    expect(warnings).toEqual([]);
    expect(entries.map((e) => [e.name, rpmEvr(e), e.arch, e.sourceRpm, e.license])).toEqual([
      ["dive", "0.9.2-1", "x86_64", "dive-0.9.2-1.src.rpm", "MIT"],
    ]);
  });

  it("a file that is no database is one warning", async () => {
    const { packages, warnings } = await run({ "/var/lib/rpm/Packages": fixture("syft/bad/bad.rpm") });
    expect(packages).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^rpm: \/var\/lib\/rpm\/Packages: Berkeley DB:/)]);
  });
});

describe("rpmCataloger", () => {
  const mariner: TestFiles = { "/etc/os-release": "ID=mariner\nVERSION_ID=2.0\n" };
  it("builds packages with EVR versions, purls, sources and resolved dependencies", async () => {
    const { packages, warnings } = await run(
      { "/var/lib/rpm/rpmdb.sqlite": fixture("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite") },
      mariner,
    );
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(129);
    const curl = packages.find((p) => p.name === "curl")!;
    expect(curl).toMatchObject({
      type: "rpm",
      version: "7.76.0-6.cm2",
      arch: "x86_64",
      licenses: ["MIT"],
      source: { name: "curl", version: "7.76.0-6.cm2" },
      purl: "pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0&upstream=curl-7.76.0-6.cm2.src.rpm",
      metadata: { release: "6.cm2", sourceRpm: "curl-7.76.0-6.cm2.src.rpm", vendor: "Microsoft Corporation" },
      cataloger: "rpm",
    });
    expect(curl.dependsOn).toEqual(expect.arrayContaining(["curl-libs", "krb5", "glibc", "openssl", "zlib"]));
    expect(packages.some((p) => p.name === "gpg-pubkey")).toBe(false);
  });

  it("writes the epoch into version and purl", async () => {
    const withEpoch = (
      await run({ "/var/lib/rpm/rpmdb.sqlite": fixture("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite") }, mariner)
    ).packages.filter((p) => p.metadata?.epoch !== undefined);
    for (const pkg of withEpoch) {
      expect(pkg.version.startsWith(`${pkg.metadata!.epoch}:`)).toBe(true);
      expect(pkg.purl).toContain(`epoch=${pkg.metadata!.epoch}`);
    }
  });

  it("merges a package found in two databases into one with two locations", async () => {
    const db = fixture("go-rpmdb/libuuid/Packages");
    const { packages } = await run({ "/var/lib/rpm/Packages": db, "/usr/share/rpm/Packages": db });
    expect(packages).toHaveLength(1);
    expect(packages[0]!.locations.map((l) => l.path)).toEqual([
      "/usr/share/rpm/Packages",
      "/var/lib/rpm/Packages",
    ]);
    expect(packages[0]!.purl).toBe(
      "pkg:rpm/libuuid@2.32.1-42.el8_8?arch=x86_64&upstream=util-linux-2.32.1-42.el8_8.src.rpm",
    );
  });
});

describe("parseSourceRpm", () => {
  it.each([
    ["bash-5.1.8-6.el9.src.rpm", { name: "bash", version: "5.1.8-6.el9" }],
    ["util-linux-2.32.1-42.el8_8.src.rpm", { name: "util-linux", version: "2.32.1-42.el8_8" }],
    ["gcc12-12.2.1+git416-150000.1.5.1.src.rpm", { name: "gcc12", version: "12.2.1+git416-150000.1.5.1" }],
    ["foo-1-1.nosrc.rpm", { name: "foo", version: "1-1" }],
    ["foo.src.rpm", undefined],
    ["foo-1.src.rpm", undefined],
    ["bash-5.1.8-6.el9.x86_64.rpm", undefined],
  ])("%s", (sourceRpm, expected) => {
    expect(parseSourceRpm(sourceRpm)).toEqual(expected);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
