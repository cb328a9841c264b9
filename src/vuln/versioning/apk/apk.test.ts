import fc from "fast-check";
import { describeScheme } from "../conformance.js";
import { apk } from "./index.js";

describeScheme({
  scheme: apk,
  files: ["alpine-versions.txt", "alpine-versions-generated-sample.txt"],
  sharedFiles: ["alpine-versions-generated.txt"],
  valid: ["1.2.3-r0", "1.2.3_rc1-r2", "3.0.8a-r1", "1.36.1-r31", "2.6.2_p20230715-r0", "1.0~abc123-r1"],
  invalid: ["", "1.0 -r1", "1.0\n", " 1"],
  cases: [
    ["1.2.3-r0", "1.2.3-r1", -1],
    ["1.2.3_rc1", "1.2.3", -1],
    ["1.2.3_alpha", "1.2.3_beta", -1],
    ["1.2.3_pre1", "1.2.3_rc1", -1],
    ["1.2.3_p1", "1.2.3", 1],
    ["1.2.3_git20230101", "1.2.3_p1", -1],
    ["1.2.3a", "1.2.3", 1],
    ["1.2.3a", "1.2.3b", -1],
    ["1.2.3a", "1.2.4", -1],
    ["1.10", "1.9", 1],
    ["1.05", "1.5", -1],
    ["3.0.13-r0", "3.0.8-r1", 1],
    ["1.0~abc-r1", "1.0~def-r1", 0],
    ["99999999999999999999-r0", "99999999999999999998-r9", 1],
  ],
  arbitrary: fc
    .tuple(
      fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$/),
      fc.option(fc.constantFrom("a", "b", "z"), { nil: "" }),
      fc.array(
        fc.tuple(
          fc.constantFrom("alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"),
          fc.option(fc.nat(20), { nil: undefined }),
        ),
        { maxLength: 2 },
      ),
      fc.option(fc.nat(12), { nil: undefined }),
    )
    .map(
      ([n, l, s, r]) =>
        `${n}${l}${s.map(([x, k]) => `_${x}${k ?? ""}`).join("")}${r === undefined ? "" : `-r${r}`}`,
    ),
});
