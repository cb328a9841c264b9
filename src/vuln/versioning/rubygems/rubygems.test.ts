import { describeScheme } from "../conformance.js";
import { rubygems } from "./index.js";

describeScheme({
  scheme: rubygems,
  files: ["rubygems-versions.txt", "rubygems-versions-generated-sample.txt"],
  sharedFiles: ["rubygems-versions-generated.txt"],
  valid: ["1.0", "1.2.4.beta", "3.0.0.rc1", "1.0.0-alpha", "7.0.8.1", " 2.1 "],
  invalid: ["", "a", "1..0", "1.0.", "1.0 beta", ".1", "1.0_1"],
  cases: [
    ["1.0.a", "1.a", 0],
    ["1.0.0", "1", 0],
    ["1.0.0.pre", "1.0.0", -1],
    ["1.0.0-1", "1.0.0.pre.1", 0],
    ["1.0.0.pre.1", "1.0.0.pre.2", -1],
    ["1.0.0.rc1", "1.0.0.beta2", 1],
    ["1.10", "1.9", 1],
    ["7.0.8.1", "7.0.8", 1],
  ],
});
