import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdvisoryDatabase } from "../db/database.js";
import type { MatchableDistro, MatchablePackage } from "../model.js";
import { fixtureDatabase } from "../testing.js";
import { matchPackages } from "./match.js";

function pkg(
  type: string,
  name: string,
  version: string,
  extra: Partial<MatchablePackage> = {},
): MatchablePackage {
  return {
    type,
    name,
    version,
    purl: `pkg:${type}/${name}@${version}`,
    locations: [{ path: "/x", layerIndex: 2 }],
    ...extra,
  };
}

const wheezy: MatchableDistro = { id: "debian", versionId: "7" };
const alpine: MatchableDistro = { id: "alpine", versionId: "3.18.4" };

let db: AdvisoryDatabase;
beforeAll(async () => {
  db = await fixtureDatabase();
});
afterAll(() => db.close());

function summary(packages: MatchablePackage[], distro?: MatchableDistro) {
  return matchPackages(db, packages, distro).findings.map((f) => ({
    id: f.id,
    aliases: f.aliases,
    version: f.installedVersion,
    fixed: f.fixedVersion,
    severity: f.severity,
    score: f.cvss?.score,
  }));
}

describe("matchPackages", () => {
  it("matches a Debian binary package through its source, merging DEBIAN-CVE and DSA records into the CVE", () => {
    const found = summary([pkg("deb", "bash", "4.2+dfsg-0.1", { source: { name: "bash" } })], wheezy);
    expect(found).toEqual([
      {
        id: "CVE-2014-6271",
        aliases: ["DEBIAN-CVE-2014-6271", "DSA-3032-1", "DSA-3035-1"],
        version: "4.2+dfsg-0.1",
        fixed: "4.2+dfsg-0.1+deb7u1",
        severity: "HIGH",
        score: undefined,
      },
      {
        id: "CVE-2014-7169",
        aliases: ["DEBIAN-CVE-2014-7169", "DSA-3035-1"],
        version: "4.2+dfsg-0.1",
        fixed: "4.2+dfsg-0.1+deb7u3",
        severity: "UNKNOWN",
        score: undefined,
      },
    ]);
  });

  it("stops reporting a CVE at its fixed version, and uses the source version of a binNMU", () => {
    expect(summary([pkg("deb", "bash", "4.2+dfsg-0.1+deb7u1")], wheezy).map((f) => f.id)).toEqual([
      "CVE-2014-7169",
    ]);
    expect(summary([pkg("deb", "bash", "4.2+dfsg-0.1+deb7u3")], wheezy)).toEqual([]);
    const binNmu = pkg("deb", "bash", "4.2+dfsg-0.1+deb7u3+b1", {
      source: { name: "bash", version: "4.2+dfsg-0.1+deb7u3" },
    });
    expect(summary([binNmu], wheezy)).toEqual([]);
  });

  it("matches only the image's release, and no distro package without a distro", () => {
    expect(summary([pkg("deb", "bash", "4.2+dfsg-0.1")], { id: "debian", versionId: "12" })).toEqual([]);
    expect(summary([pkg("deb", "bash", "4.2+dfsg-0.1")])).toEqual([]);
  });

  it("matches an Alpine package by origin with its CVSS score", () => {
    const libcrypto = pkg("apk", "libcrypto3", "3.1.3-r0", { source: { name: "openssl" } });
    expect(summary([libcrypto], alpine)).toEqual([
      {
        id: "CVE-2023-5363",
        aliases: ["ALPINE-CVE-2023-5363"],
        version: "3.1.3-r0",
        fixed: "3.1.4-r0",
        severity: "HIGH",
        score: 7.5,
      },
    ]);
    expect(summary([{ ...libcrypto, version: "3.1.4-r0" }], alpine)).toEqual([]);
  });

  it("merges PYSEC and GHSA records of one CVE into one finding, taking the scored severity", () => {
    const [finding, ...rest] = matchPackages(db, [pkg("pypi", "Jinja2", "2.10")]).findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      id: "CVE-2019-10906",
      aliases: ["GHSA-462w-v97r-4m45", "PYSEC-2019-217"],
      fixedVersion: "2.10.1",
      severity: "HIGH",
      cvss: { version: "3.1", score: 8.6 },
      summary: "Jinja2 sandbox escape via string formatting",
      package: {
        index: 0,
        ecosystem: "PyPI",
        advisoryName: "Jinja2",
        locations: [{ path: "/x", layerIndex: 2 }],
      },
    });
    expect(finding?.references).toContain("https://palletsprojects.com/blog/jinja-2-10-1-released");
  });

  it("handles last_affected (no fixed version), withdrawn records, Go's stdlib and crates", () => {
    expect(summary([pkg("pypi", "py", "1.11.0")])).toMatchObject([
      { id: "CVE-2022-42969", fixed: undefined },
    ]);
    expect(summary([pkg("pypi", "py", "1.11.1")])).toEqual([]);
    expect(summary([pkg("pypi", "arrayfire", "3.5.20170817")])).toEqual([]);
    expect(summary([pkg("golang", "stdlib", "go1.16.0")])).toMatchObject([
      { id: "CVE-2021-27919", version: "1.16.0", fixed: "1.16.1" },
    ]);
    expect(summary([pkg("golang", "stdlib", "go1.16.1")])).toEqual([]);
    expect(summary([pkg("golang", "stdlib", "go1.16")])).toMatchObject([
      { id: "CVE-2021-27919", version: "1.16.0" },
    ]);
    expect(summary([pkg("cargo", "openssl", "0.8.0")])).toMatchObject([
      { id: "CVE-2016-10931", fixed: "0.9.0", severity: "HIGH", score: 8.1 },
    ]);
    expect(summary([pkg("cargo", "cap-primitives", "3.4.0")])).toMatchObject([
      { id: "CVE-2024-51756", severity: "LOW", score: 2.3 },
    ]);
  });

  it("keeps each package's index and warns about versions it cannot read", () => {
    const result = matchPackages(db, [
      pkg("npm", "left-pad", "1.0.0"),
      pkg("cargo", "openssl", "not-a-version"),
      pkg("cargo", "openssl", "0.1.0"),
    ]);
    expect(result.findings.map((f) => f.package.index)).toEqual([2]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("not-a-version");
  });
});
