import { describe, expect, it } from "vitest";
import { distroFromQualifier, purlIdentity, subjectPurl, upstreamSource } from "./purl.js";

describe("purlIdentity", () => {
  it.each([
    ["pkg:npm/%40babel/core@7.24.0", "npm", "@babel/core", "7.24.0"],
    ["pkg:npm/left-pad@1.3.0", "npm", "left-pad", "1.3.0"],
    [
      "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar",
      "maven",
      "org.apache.logging.log4j:log4j-core",
      "2.14.1",
    ],
    ["pkg:golang/github.com/sirupsen/logrus@v1.9.3", "golang", "github.com/sirupsen/logrus", "v1.9.3"],
    ["pkg:golang/stdlib@go1.22.1", "golang", "stdlib", "go1.22.1"],
    ["pkg:composer/symfony/console@v6.4.4", "composer", "symfony/console", "v6.4.4"],
    ["pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64", "deb", "libc6", "2.36-9+deb12u4"],
    ["pkg:rpm/redhat/openssl-libs@3.0.7-25.el9_3?epoch=1", "rpm", "openssl-libs", "3.0.7-25.el9_3"],
    ["pkg:pypi/django@5.0.2", "pypi", "django", "5.0.2"],
    ["pkg:nuget/Newtonsoft.Json@13.0.3", "nuget", "Newtonsoft.Json", "13.0.3"],
    ["pkg:gem/rack@3.0.9?platform=ruby", "gem", "rack", "3.0.9"],
    ["pkg:cargo/serde@1.0.197", "cargo", "serde", "1.0.197"],
    ["pkg:apk/alpine/musl", "apk", "musl", undefined],
    // packageurl-js 2.0.1 crashes (ReferenceError) on a golang "v" version that is not semver.
    ["pkg:golang/example.com/mod@v1.2", "golang", "example.com/mod", "v1.2"],
    ["pkg:golang/example.com/mod@v1.2?type=module#sub", "golang", "example.com/mod", "v1.2"],
  ])("%s", (purl, type, name, version) => {
    const identity = purlIdentity(purl);
    expect(identity).toMatchObject({ type, name });
    expect(identity?.version).toBe(version);
  });

  it.each(["pkg:generic/thing@1", "pkg:oci/alpine@sha256:abc", "not a purl", "pkg:", ""])(
    "refuses %j",
    (purl) => {
      expect(purlIdentity(purl)).toBeUndefined();
    },
  );
});

describe("qualifiers", () => {
  it.each([
    ["debian-12", "debian", { id: "debian", versionId: "12" }],
    ["debian-12.5", "debian", { id: "debian", versionId: "12.5" }],
    ["3.19.1", "alpine", { id: "alpine", versionId: "3.19.1" }],
    ["rhel-9.3", "redhat", { id: "rhel", versionId: "9.3" }],
    ["opensuse-leap-15.5", "opensuse", { id: "opensuse-leap", versionId: "15.5" }],
    ["bookworm", "debian", { id: "bookworm" }],
    [undefined, "debian", undefined],
  ])("distro %j", (value, namespace, expected) => {
    expect(distroFromQualifier(value, namespace)).toEqual(expected);
  });

  it.each([
    ["glibc", { name: "glibc" }],
    ["gcc-12@12.2.0-14", { name: "gcc-12", version: "12.2.0-14" }],
    ["@weird", { name: "@weird" }],
    [undefined, undefined],
  ])("upstream %j", (value, expected) => {
    expect(upstreamSource(value)).toEqual(expected);
  });
});

describe("subjectPurl", () => {
  const digest = `sha256:${"e".repeat(64)}`;
  it.each([
    ["alpine:3.19", `pkg:oci/alpine@${digest}?repository_url=docker.io%2Flibrary%2Falpine&tag=3.19`],
    [
      `localhost:5000/team/app@${digest}`,
      `pkg:oci/app@${digest}?repository_url=localhost%3A5000%2Fteam%2Fapp`,
    ],
    [`Not/A Ref@${digest}`, `pkg:oci/a%20ref@${digest}`],
    ["./oci-layout dir", `pkg:oci/oci-layout%20dir@${digest}`],
  ])("%s", (name, expected) => {
    expect(subjectPurl({ kind: "image", name, digest })).toBe(expected);
  });

  it("needs an image with a digest", () => {
    expect(subjectPurl({ kind: "image", name: "alpine" })).toBeUndefined();
    expect(subjectPurl({ kind: "directory", name: "/src", digest })).toBeUndefined();
  });
});
