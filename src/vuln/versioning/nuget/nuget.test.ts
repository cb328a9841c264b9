import { describeScheme } from "../conformance.js";
import { nuget } from "./index.js";

describeScheme({
  scheme: nuget,
  files: ["nuget-versions.txt"],
  valid: ["1.0", "1.0.0", "1.0.0.1", "1.0.0-beta.1", "1.0.0-BETA+build.5", "6.0.0-preview.7.21377.19", "1"],
  invalid: ["", "1.0.0.0.0", "1.0.0-", "v1.0.0", "1.0.0-beta_1", "a.b", "1.0.0+"],
  cases: [
    ["1.0.0-alpha", "1.0.0", -1],
    ["1.0.0-ALPHA", "1.0.0-alpha", 0],
    ["1.0.0-alpha.2", "1.0.0-alpha.10", -1],
    ["1.0.0-alpha.1", "1.0.0-alpha.a", -1],
    ["1.0", "1.0.0.0", 0],
    ["1.0.0.1", "1.0.0", 1],
    ["1.0.0.1-alpha", "1.0.0", 1],
    ["1.0.0+a", "1.0.0+b", 0],
    ["1.0.01", "1.0.1", 0],
  ],
});
