import fc from "fast-check";
import { describeScheme } from "../conformance.js";
import { maven } from "./index.js";

describeScheme({
  scheme: maven,
  files: ["maven-versions.txt", "maven-versions-generated-sample.txt"],
  sharedFiles: ["maven-versions-generated.txt"],
  valid: ["1.0", "2.3.0.Final", "1.0-SNAPSHOT", "9.4.7.v20170914", "1.0-alpha-1", "5.1.1.RELEASE", "1.0-sp1"],
  invalid: ["", "1.0 beta", "1.0\n"],
  cases: [
    ["1.0-alpha", "1.0-beta", -1],
    ["1.0-beta", "1.0-milestone", -1],
    ["1.0-milestone", "1.0-rc", -1],
    ["1.0-rc", "1.0-cr", 0],
    ["1.0-rc", "1.0-SNAPSHOT", -1],
    ["1.0-SNAPSHOT", "1.0", -1],
    ["1.0", "1.0-ga", 0],
    ["1.0", "1.0.final", 0],
    ["1.0", "1.0-sp", -1],
    ["1.0-sp", "1.0-foo", -1],
    ["1.0-foo", "1.0-1", -1],
    ["1.0", "1.0.0.0", 0],
    ["1.0.1", "1.0-1", 1],
    ["1a1", "1-alpha-1", 0],
    ["2.0.0.RELEASE", "2.0.0", 0],
    ["1.0.Final", "1.0.SP1", -1],
  ],
  // Maven's own order is not transitive once a qualifier follows a "." (1.m > 1 > 1-alpha > 1.m;
  // 1-sp < 1.0.0.Beta28 < 1 < 1-sp: a string item sorts below a list item, an int above it), and
  // we keep Maven's order. So the properties draw only versions with qualifiers after "-".
  propertiesOnRealVersions: false,
  arbitrary: fc
    .array(
      fc.oneof(
        fc.tuple(fc.constantFrom(".", "-"), fc.nat(12).map(String)),
        fc.tuple(
          fc.constant("-"),
          fc.constantFrom("alpha", "beta", "milestone", "rc", "cr", "snapshot", "ga", "final", "sp", "foo"),
        ),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((parts) => `1${parts.map(([sep, value]) => sep + value).join("")}`),
});
