import fc from "fast-check";
import { describeScheme } from "../conformance.js";
import { rpm } from "./index.js";

describeScheme({
  scheme: rpm,
  files: ["redhat-versions.txt"],
  valid: ["1.0", "0:3.10.0-229.el7", "1.0~rc1^git1", "2.4.21-9.EL", "1:2.3-4.fc39", "1.1.α"],
  invalid: ["", "1.0 1", "1.0\t", "\n", "1.0\u0000"],
  cases: [
    ["1.0~rc1", "1.0", -1],
    ["1.0^git1", "1.0", 1],
    ["1.0^git1", "1.0.1", -1],
    ["1.0~rc1", "1.0^git1", -1],
    ["1:1.0", "2.0", 1],
    ["1.0-1.el9", "1.0-1.el9_2", -1],
    ["1.0a", "1.0.1", -1],
    ["2.0", "2.a", 1],
    ["1.01", "1.1", 0],
    ["3.10.0-229.el7", "3.10.0-229.1.2.el7", -1],
    ["12345678901234567890", "12345678901234567891", -1],
  ],
  arbitrary: fc
    .tuple(
      fc.option(fc.nat(3), { nil: undefined }),
      fc.stringMatching(/^[0-9a-z.~^_+]{1,7}$/),
      fc.option(fc.stringMatching(/^[0-9a-z.~^]{1,5}$/), { nil: undefined }),
    )
    .map(([e, v, r]) => `${e === undefined ? "" : `${e}:`}${v}${r === undefined ? "" : `-${r}`}`),
});
