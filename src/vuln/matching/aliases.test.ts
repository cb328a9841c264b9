import { describe, expect, it } from "vitest";
import { type AliasIds, mergeByAlias } from "./aliases.js";

const ids = (id: string, aliases: string[] = [], upstream: string[] = []): AliasIds => ({
  id,
  aliases,
  upstream,
});

function merged(items: AliasIds[]) {
  return mergeByAlias(items, (x) => x)
    .map((g) => ({ id: g.id, aliases: g.aliases, members: g.members.map((m) => m.id).sort() }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe("mergeByAlias", () => {
  it("merges PYSEC and GHSA records sharing a CVE, CVE first", () => {
    expect(
      merged([
        ids("PYSEC-2019-217", ["CVE-2019-10906", "GHSA-462w-v97r-4m45"]),
        ids("GHSA-462w-v97r-4m45", ["CVE-2019-10906"]),
      ]),
    ).toEqual([
      {
        id: "CVE-2019-10906",
        aliases: ["GHSA-462w-v97r-4m45", "PYSEC-2019-217"],
        members: ["GHSA-462w-v97r-4m45", "PYSEC-2019-217"],
      },
    ]);
  });

  it("merges through a chain (GO → GHSA → CVE)", () => {
    expect(merged([ids("GO-2022-0001", ["GHSA-aaaa"]), ids("GHSA-aaaa", ["CVE-2022-1"])])[0]).toMatchObject({
      id: "CVE-2022-1",
      members: ["GHSA-aaaa", "GO-2022-0001"],
    });
  });

  it("keeps records without a shared id apart, with their own ids", () => {
    expect(merged([ids("RUSTSEC-2020-0001"), ids("GHSA-bbbb", ["CVE-2021-2"])]).map((g) => g.id)).toEqual([
      "CVE-2021-2",
      "RUSTSEC-2020-0001",
    ]);
  });

  it("merges a distribution wrapper and a single-CVE DSA into the CVE", () => {
    expect(
      merged([ids("DEBIAN-CVE-2014-6271", [], ["CVE-2014-6271"]), ids("DSA-3032-1", [], ["CVE-2014-6271"])]),
    ).toEqual([
      {
        id: "CVE-2014-6271",
        aliases: ["DEBIAN-CVE-2014-6271", "DSA-3032-1"],
        members: ["DEBIAN-CVE-2014-6271", "DSA-3032-1"],
      },
    ]);
  });

  it("folds a multi-CVE DSA into the aliases of the CVEs it lists", () => {
    const groups = merged([
      ids("DEBIAN-CVE-2014-6271", [], ["CVE-2014-6271"]),
      ids("DEBIAN-CVE-2014-7169", [], ["CVE-2014-7169"]),
      ids("DSA-3035-1", [], ["CVE-2014-6271", "CVE-2014-7169"]),
    ]);
    expect(groups.map((g) => [g.id, g.aliases])).toEqual([
      ["CVE-2014-6271", ["DEBIAN-CVE-2014-6271", "DSA-3035-1"]],
      ["CVE-2014-7169", ["DEBIAN-CVE-2014-7169", "DSA-3035-1"]],
    ]);
  });

  it("keeps a multi-CVE DSA on its own when none of its CVEs is a finding", () => {
    expect(merged([ids("DSA-3035-1", [], ["CVE-2014-6271", "CVE-2014-7169"])]).map((g) => g.id)).toEqual([
      "DSA-3035-1",
    ]);
  });

  it("picks the lowest CVE when aliases name several", () => {
    expect(merged([ids("GHSA-cccc", ["CVE-2021-10000", "CVE-2021-9999"])])[0]?.id).toBe("CVE-2021-9999");
  });
});
