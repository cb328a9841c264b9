import { describeScheme } from "../conformance.js";
import { packagist } from "./index.js";

describeScheme({
  scheme: packagist,
  files: ["packagist-versions.txt", "packagist-versions-generated-sample.txt"],
  sharedFiles: ["packagist-versions-generated.txt"],
  valid: ["1.0.0", "v2.3.4", "1.0.0-beta2", "1.0.0-RC1", "dev-main", "1.0.0-p1", "4.3-2RC1"],
  invalid: ["", "1.0 beta", "1.0\n"],
  cases: [
    ["1.0.0-dev", "1.0.0-alpha", -1],
    ["1.0.0-alpha1", "1.0.0-beta1", -1],
    ["1.0.0-beta1", "1.0.0-RC1", -1],
    ["1.0.0-RC1", "1.0.0", -1],
    ["1.0.0", "1.0.0-p1", -1],
    ["v1.0.0", "1.0.0", 0],
    ["1.0", "1.0.0", -1],
    ["1.0rc1", "1.0.RC1", 0],
    ["1.10.0", "1.9.0", 1],
  ],
});
