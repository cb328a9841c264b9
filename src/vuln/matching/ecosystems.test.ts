import { describe, expect, it } from "vitest";
import type { MatchableDistro, MatchablePackage } from "../model.js";
import { advisoryQueries } from "./ecosystems.js";

function pkg(
  type: string,
  name: string,
  version: string,
  extra: Partial<MatchablePackage> = {},
): MatchablePackage {
  return { type, name, version, purl: `pkg:${type}/${name}@${version}`, locations: [], ...extra };
}

const debian12: MatchableDistro = { id: "debian", versionId: "12", versionCodename: "bookworm" };

describe("advisoryQueries", () => {
  it.each<
    [
      string,
      MatchablePackage,
      MatchableDistro | undefined,
      { ecosystem: string; name: string; version: string }[],
    ]
  >([
    [
      "deb by source name",
      pkg("deb", "libssl3", "3.0.11-1~deb12u2", { source: { name: "openssl" } }),
      debian12,
      [{ ecosystem: "Debian:12", name: "openssl", version: "3.0.11-1~deb12u2" }],
    ],
    [
      "deb without source",
      pkg("deb", "bash", "5.2.15-2+b2"),
      debian12,
      [{ ecosystem: "Debian:12", name: "bash", version: "5.2.15-2+b2" }],
    ],
    [
      "deb binNMU uses the source version",
      pkg("deb", "bash", "5.2.15-2+b2", { source: { name: "bash", version: "5.2.15-2" } }),
      debian12,
      [{ ecosystem: "Debian:12", name: "bash", version: "5.2.15-2" }],
    ],
    [
      "deb, codename only",
      pkg("deb", "bash", "5.2.15-2"),
      { id: "debian", versionCodename: "trixie" },
      [{ ecosystem: "Debian:13", name: "bash", version: "5.2.15-2" }],
    ],
    [
      "deb, Debian point release",
      pkg("deb", "bash", "4.2"),
      { id: "debian", versionId: "7.11" },
      [{ ecosystem: "Debian:7", name: "bash", version: "4.2" }],
    ],
    [
      "ubuntu LTS and interim spellings",
      pkg("deb", "libc6", "2.35-0ubuntu3.6", { source: { name: "glibc" } }),
      { id: "ubuntu", versionId: "22.04" },
      [
        { ecosystem: "Ubuntu:22.04:LTS", name: "glibc", version: "2.35-0ubuntu3.6" },
        { ecosystem: "Ubuntu:22.04", name: "glibc", version: "2.35-0ubuntu3.6" },
      ],
    ],
    [
      "apk by origin",
      pkg("apk", "libcrypto3", "3.1.3-r0", { source: { name: "openssl" } }),
      { id: "alpine", versionId: "3.18.4" },
      [{ ecosystem: "Alpine:v3.18", name: "openssl", version: "3.1.3-r0" }],
    ],
    [
      "apk on wolfi",
      pkg("apk", "glibc", "2.38-r1"),
      { id: "wolfi", versionId: "20230201" },
      [{ ecosystem: "Wolfi", name: "glibc", version: "2.38-r1" }],
    ],
    [
      "rpm on Rocky, binary then source name",
      pkg("rpm", "openssl-libs", "3.0.7-24.el9", { source: { name: "openssl" }, metadata: { epoch: "1" } }),
      { id: "rocky", versionId: "9.3" },
      [
        { ecosystem: "Rocky Linux:9", name: "openssl-libs", version: "1:3.0.7-24.el9" },
        { ecosystem: "Rocky Linux:9", name: "openssl", version: "1:3.0.7-24.el9" },
      ],
    ],
    [
      "rpm on AlmaLinux",
      pkg("rpm", "bash", "5.1.8-6.el9"),
      { id: "almalinux", versionId: "9.3" },
      [{ ecosystem: "AlmaLinux:9", name: "bash", version: "5.1.8-6.el9" }],
    ],
    ["distro package without a distro", pkg("deb", "bash", "5.2"), undefined, []],
    ["deb on an unknown distro", pkg("deb", "bash", "5.2"), { id: "kali" }, []],
    [
      "npm scoped",
      pkg("npm", "@babel/core", "7.0.0"),
      undefined,
      [{ ecosystem: "npm", name: "@babel/core", version: "7.0.0" }],
    ],
    [
      "pypi",
      pkg("pypi", "Jinja2", "2.10"),
      undefined,
      [{ ecosystem: "PyPI", name: "Jinja2", version: "2.10" }],
    ],
    [
      "go module, v dropped",
      pkg("golang", "golang.org/x/net", "v0.17.0"),
      undefined,
      [{ ecosystem: "Go", name: "golang.org/x/net", version: "0.17.0" }],
    ],
    [
      "go standard library",
      pkg("golang", "stdlib", "go1.21.4"),
      undefined,
      [{ ecosystem: "Go", name: "stdlib", version: "1.21.4" }],
    ],
    [
      "go toolchain .0 release",
      pkg("golang", "stdlib", "go1.21"),
      undefined,
      [{ ecosystem: "Go", name: "stdlib", version: "1.21.0" }],
    ],
    [
      "go release candidate",
      pkg("golang", "stdlib", "go1.22rc2"),
      undefined,
      [{ ecosystem: "Go", name: "stdlib", version: "1.22.0-rc.2" }],
    ],
    [
      "go pseudo-version",
      pkg("golang", "example.com/m", "v0.0.0-20210101000000-abcdefabcdef"),
      undefined,
      [{ ecosystem: "Go", name: "example.com/m", version: "0.0.0-20210101000000-abcdefabcdef" }],
    ],
    [
      "maven name from purl",
      {
        ...pkg("maven", "log4j-core", "2.14.1"),
        purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      },
      undefined,
      [{ ecosystem: "Maven", name: "org.apache.logging.log4j:log4j-core", version: "2.14.1" }],
    ],
    [
      "maven group:artifact",
      pkg("maven", "org.yaml:snakeyaml", "1.33"),
      undefined,
      [{ ecosystem: "Maven", name: "org.yaml:snakeyaml", version: "1.33" }],
    ],
    [
      "cargo",
      pkg("cargo", "openssl", "0.8.0"),
      undefined,
      [{ ecosystem: "crates.io", name: "openssl", version: "0.8.0" }],
    ],
    [
      "gem",
      pkg("gem", "rack", "2.2.3"),
      undefined,
      [{ ecosystem: "RubyGems", name: "rack", version: "2.2.3" }],
    ],
    [
      "nuget",
      pkg("nuget", "Newtonsoft.Json", "12.0.1"),
      undefined,
      [{ ecosystem: "NuGet", name: "Newtonsoft.Json", version: "12.0.1" }],
    ],
    [
      "composer from purl",
      { ...pkg("composer", "framework", "8.0.0"), purl: "pkg:composer/laravel/framework@8.0.0" },
      undefined,
      [{ ecosystem: "Packagist", name: "laravel/framework", version: "8.0.0" }],
    ],
  ])("%s", (_name, input, distro, want) => {
    expect(advisoryQueries(input, distro)).toEqual(want);
  });

  it("takes the Red Hat ecosystems of the release from those the database holds", () => {
    const known = [
      "Red Hat:enterprise_linux:9::appstream",
      "Red Hat:enterprise_linux:8::baseos",
      "Red Hat:rhel_eus:9.2::baseos",
      "Rocky Linux:9",
    ];
    expect(
      advisoryQueries(pkg("rpm", "bash", "5.1.8-6.el9"), { id: "rhel", versionId: "9.3" }, known).map(
        (q) => q.ecosystem,
      ),
    ).toEqual(["Red Hat:enterprise_linux:9::appstream", "Red Hat:rhel_eus:9.2::baseos"]);
  });
});

describe("names from packages never meet Object.prototype (issue 22, item 14)", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "a package type or Debian codename %s finds no ecosystem",
    (word) => {
      expect(advisoryQueries(pkg(word, "x", "1"), undefined)).toEqual([]);
      expect(advisoryQueries(pkg("deb", "bash", "5.2"), { id: "debian", versionCodename: word })).toEqual([]);
    },
  );
});
