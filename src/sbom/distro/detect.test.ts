import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fileInfoOf, scanImage, type TestFiles } from "../catalogers/testing.js";
import type { Distro } from "../model.js";
import { distroFileSelector } from "./detect.js";
import { distroQualifier } from "./purl-qualifier.js";

const fixture = (name: string): string => readFileSync(new URL(`testdata/${name}`, import.meta.url), "utf8");

/**
 * detectDistro as a scan runs it: the files become an image layer, the walker keeps what
 * distroFileSelector selects, and catalogFileSystem detects the distro from that.
 */
async function distroOf(files: TestFiles): Promise<Distro | undefined> {
  return (await scanImage(files, [])).distro;
}

/** An image as it usually is: /etc/os-release a relative symlink to the file in /usr/lib. */
function imageWithOsRelease(text: string): TestFiles {
  return { "/etc/os-release": { symlink: "../usr/lib/os-release" }, "/usr/lib/os-release": text };
}

describe("detectDistro from os-release", () => {
  const cases: Array<[string, Distro]> = [
    [
      "debian-12.os-release",
      {
        id: "debian",
        versionId: "12",
        versionCodename: "bookworm",
        prettyName: "Debian GNU/Linux 12 (bookworm)",
      },
    ],
    [
      "ubuntu-22.04.os-release",
      {
        id: "ubuntu",
        versionId: "22.04",
        versionCodename: "jammy",
        prettyName: "Ubuntu 22.04.4 LTS",
        idLike: ["debian"],
      },
    ],
    ["alpine-3.19.os-release", { id: "alpine", versionId: "3.19.1", prettyName: "Alpine Linux v3.19" }],
    [
      "ubi-9.os-release",
      { id: "rhel", versionId: "9.3", prettyName: "Red Hat Enterprise Linux 9.3 (Plow)", idLike: ["fedora"] },
    ],
    [
      "rocky-9.os-release",
      {
        id: "rocky",
        versionId: "9.3",
        prettyName: "Rocky Linux 9.3 (Blue Onyx)",
        idLike: ["rhel", "centos", "fedora"],
      },
    ],
    [
      "amazonlinux-2023.os-release",
      { id: "amzn", versionId: "2023", prettyName: "Amazon Linux 2023.3.20240131", idLike: ["fedora"] },
    ],
    ["distroless.os-release", { id: "debian", versionId: "12", prettyName: "Distroless" }],
  ];
  it.each(cases)("%s", async (name, expected) => {
    expect(await distroOf(imageWithOsRelease(fixture(name)))).toEqual(expected);
  });

  it("prefers /etc/os-release over /usr/lib/os-release when both are files", async () => {
    const distro = await distroOf({
      "/etc/os-release": "ID=custom\nVERSION_ID=1\n",
      "/usr/lib/os-release": fixture("debian-12.os-release"),
    });
    expect(distro).toEqual({ id: "custom", versionId: "1" });
  });

  it("reads /usr/lib/os-release when /etc/os-release is missing", async () => {
    const distro = await distroOf({ "/usr/lib/os-release": fixture("alpine-3.19.os-release") });
    expect(distro?.id).toBe("alpine");
  });

  it("follows an absolute symlink", async () => {
    const distro = await distroOf({
      "/etc/os-release": { symlink: "/usr/lib/os-release" },
      "/usr/lib/os-release": "ID=wolfi\nVERSION_ID=20230201\n",
    });
    expect(distro).toEqual({ id: "wolfi", versionId: "20230201" });
  });

  it("gives up on a symlink loop instead of hanging", async () => {
    const distro = await distroOf({
      "/etc/os-release": { symlink: "os-release2" },
      "/etc/os-release2": { symlink: "os-release" },
    });
    expect(distro).toBeUndefined();
  });

  it("falls through an os-release without ID to the release files", async () => {
    const distro = await distroOf({ "/etc/os-release": "NAME=Linux\n", "/etc/alpine-release": "3.4.6\n" });
    expect(distro).toEqual({ id: "alpine", versionId: "3.4.6" });
  });
});

describe("detectDistro from older release files", () => {
  const cases: Array<[string, Record<string, string>, Distro | undefined]> = [
    ["Debian 6", { "/etc/debian_version": "6.0.10\n" }, { id: "debian", versionId: "6" }],
    ["Debian sid", { "/etc/debian_version": "trixie/sid\n" }, { id: "debian", versionCodename: "trixie" }],
    [
      "CentOS 6",
      {
        "/etc/centos-release": "CentOS release 6.10 (Final)\n",
        "/etc/redhat-release": "CentOS release 6.10 (Final)\n",
      },
      { id: "centos", versionId: "6", prettyName: "CentOS release 6.10 (Final)" },
    ],
    [
      "CentOS 7",
      { "/etc/redhat-release": "CentOS Linux release 7.9.2009 (Core)\n" },
      { id: "centos", versionId: "7", prettyName: "CentOS Linux release 7.9.2009 (Core)" },
    ],
    [
      "RHEL 6",
      { "/etc/redhat-release": "Red Hat Enterprise Linux Server release 6.10 (Santiago)\n" },
      {
        id: "rhel",
        versionId: "6.10",
        prettyName: "Red Hat Enterprise Linux Server release 6.10 (Santiago)",
      },
    ],
    [
      "Amazon Linux AMI",
      { "/etc/system-release": "Amazon Linux AMI release 2018.03\n" },
      { id: "amzn", versionId: "2018.03", prettyName: "Amazon Linux AMI release 2018.03" },
    ],
    [
      "Ubuntu 14.04 lsb-release",
      {
        "/etc/lsb-release":
          'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\nDISTRIB_CODENAME=trusty\nDISTRIB_DESCRIPTION="Ubuntu 14.04.6 LTS"\n',
        "/etc/debian_version": "jessie/sid\n",
      },
      { id: "ubuntu", versionId: "14.04", versionCodename: "trusty", prettyName: "Ubuntu 14.04.6 LTS" },
    ],
    ["unknown vendor", { "/etc/redhat-release": "Foo release 1\n" }, undefined],
    ["nothing", {}, undefined],
  ];
  it.each(cases)("%s", async (_name, files, expected) => {
    expect(await distroOf(files)).toEqual(expected);
  });
});

describe("distroFileSelector", () => {
  const info = (path: string, size = 100) => fileInfoOf(path, { size });
  it.each([
    ["/etc/os-release", true],
    ["/usr/lib/os-release", true],
    ["/etc/debian_version", true],
    ["/etc/alpine-release", true],
    ["/etc/redhat-release", true],
    ["/etc/lsb-release", true],
    ["/etc/passwd", false],
    ["/usr/etc/os-release", false],
  ])("%s -> %s", (path, wanted) => {
    expect(distroFileSelector(info(path))).toBe(wanted);
  });
  it("refuses an oversized file", () => {
    expect(distroFileSelector(info("/etc/os-release", 10 * 1024 * 1024))).toBe(false);
  });
});

describe("distroQualifier", () => {
  it.each([
    [undefined, undefined],
    [{ id: "debian", versionId: "12" }, "debian-12"],
    [{ id: "debian" }, "debian"],
  ])("%j -> %s", (distro, expected) => {
    expect(distroQualifier(distro)).toBe(expected);
  });
});
