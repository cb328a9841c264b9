import { describeScheme } from "../conformance.js";
import { go } from "./index.js";

describeScheme({
  scheme: go,
  files: ["semver-versions.txt"],
  // Go's semver refuses five-part versions, and node-semver numbers beyond 2^53 (3 lines).
  maxRefusedPairs: 3,
  valid: [
    "v1.2.3",
    "1.2.3",
    "v2.0.0+incompatible",
    "v0.0.0-20191109021931-daa7c04131f5",
    "v1.2.4-0.20191109021931-daa7c04131f5",
    "v1",
    "v1.2",
    "1.21.5",
  ],
  invalid: ["", "v", "vv1.2.3", "=1.2.3", "v1.2-pre", "v01.2.3", "v1.2.3.4", "latest", "v1.2.3-01"],
  cases: [
    ["v1.2.3", "1.2.3", 0],
    ["v1", "v1.0.0", 0],
    ["v1.2", "v1.2.0", 0],
    ["v2.0.0+incompatible", "v2.0.0", 0],
    ["v2.0.0+incompatible", "v1.9.9", 1],
    ["v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa", -1],
    ["v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", -1],
    ["v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", 1],
    ["v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1],
    ["v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4-pre", 1],
    ["1.21.5", "1.21.10", -1],
  ],
});
