import fc from "fast-check";
import { describeScheme } from "../conformance.js";
import { semver } from "./index.js";

describeScheme({
  scheme: semver,
  files: ["semver-versions.txt"],
  // node-semver, like npm, refuses numbers beyond 2^53 and five-part versions (3 lines).
  maxRefusedPairs: 3,
  valid: ["1.2.3", "0.0.0-alpha.1", "1.0.0-rc.1+build.5", "v2.0.0", "=3.1.4", "10.20.30"],
  invalid: ["", "1.2", "1", "1.2.3.4", "a.b.c", "1.2.x", "99999999999999999999.0.0", "latest"],
  cases: [
    ["1.0.0-alpha", "1.0.0", -1],
    ["1.0.0-alpha.1", "1.0.0-alpha.beta", -1],
    ["1.0.0-2", "1.0.0-10", -1],
    ["1.0.0-rc.1", "1.0.0-RC.1", 1],
    ["1.0.0+build1", "1.0.0+build2", 0],
    ["v1.2.3", "1.2.3", 0],
    ["1.10.0", "1.9.0", 1],
  ],
  arbitrary: fc
    .tuple(
      fc.tuple(fc.nat(12), fc.nat(12), fc.nat(12)),
      fc.option(
        fc.array(fc.oneof(fc.nat(20).map(String), fc.constantFrom("alpha", "beta", "rc", "A")), {
          minLength: 1,
          maxLength: 3,
        }),
        { nil: undefined },
      ),
    )
    .map(([[a, b, c], pre]) => `${a}.${b}.${c}${pre === undefined ? "" : `-${pre.join(".")}`}`),
});
