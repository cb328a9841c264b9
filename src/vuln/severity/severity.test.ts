import { describe, expect, it } from "vitest";
import { ratingFromScore, scoreVector } from "./cvss.js";
import { assessSeverity } from "./severity.js";
import { ratingFromWord } from "./words.js";

describe("scoreVector", () => {
  // Base scores from the CVSS v3.1 specification's examples document (CVE-2013-1937, CVE-2013-0375,
  // CVE-2014-0160, CVE-2014-6271), the v4.0 calculator and the v2 guide.
  it.each([
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "3.1", 6.1, "MEDIUM"],
    ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", "3.1", 6.4, "MEDIUM"],
    ["CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.0", 7.5, "HIGH"],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8, "CRITICAL"],
    ["CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0", 8.1, "HIGH"],
    ["CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0, "LOW"],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3, "CRITICAL"],
    ["CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", "4.0", 2.3, "LOW"],
    ["AV:N/AC:L/Au:N/C:C/I:C/A:C", "2.0", 10, "HIGH"],
    ["AV:N/AC:M/Au:N/C:N/I:P/A:N", "2.0", 4.3, "MEDIUM"],
  ])("%s → %s %s", (vector, version, score, rating) => {
    const cvss = scoreVector(vector);
    expect(cvss).toEqual({ version, vector, score });
    expect(ratingFromScore(cvss!)).toBe(rating);
  });

  it.each(["CVSS:3.1/AV:X/garbage", "CVSS:9.9/AV:N", "", "HIGH"])("gives undefined for %j", (vector) => {
    expect(scoreVector(vector)).toBeUndefined();
  });
});

describe("ratingFromWord", () => {
  it.each([
    ["HIGH", "HIGH"],
    ["MODERATE", "MEDIUM"],
    ["Critical", "CRITICAL"],
    ["unimportant", "LOW"],
    ["negligible", "LOW"],
    ["Important", "HIGH"],
    ["not yet assigned", "UNKNOWN"],
    [undefined, "UNKNOWN"],
  ] as const)("%s → %s", (word, rating) => {
    expect(ratingFromWord(word)).toBe(rating);
  });
});

describe("assessSeverity", () => {
  it("prefers a v3 vector, then v4, and scores it", () => {
    const got = assessSeverity({
      vectors: [
        { type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N" },
        { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
      ],
      word: "LOW",
    });
    expect(got).toMatchObject({ rating: "CRITICAL", cvss: { score: 9.8, version: "3.1" } });
  });

  it("takes the package-level severity over the record's", () => {
    const got = assessSeverity({ vectors: [], word: "low" }, { vectors: [], word: "HIGH" });
    expect(got).toEqual({ rating: "LOW" });
  });

  it("falls back to a word when no vector parses, else UNKNOWN", () => {
    expect(assessSeverity({ vectors: [{ type: "CVSS_V3", score: "broken" }], word: "MODERATE" })).toEqual({
      rating: "MEDIUM",
    });
    expect(assessSeverity(undefined, { vectors: [] })).toEqual({ rating: "UNKNOWN" });
  });
});

describe("severity words from feeds never meet Object.prototype (issue 22, item 14)", () => {
  it.each(["constructor", "__proto__", "toString", "valueOf"])("%s is UNKNOWN", (word) => {
    expect(ratingFromWord(word)).toBe("UNKNOWN");
  });
});
