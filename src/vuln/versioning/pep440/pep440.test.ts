import fc from "fast-check";
import { describeScheme } from "../conformance.js";
import { pep440 } from "./index.js";

describeScheme({
  scheme: pep440,
  files: ["pypi-versions.txt", "pypi-versions-generated-sample.txt"],
  sharedFiles: ["pypi-versions-generated.txt"],
  // Pre-PEP 440 ("legacy") strings such as "0.1-bulbasaur" or "trunk", which pip no longer
  // orders either; osv-scalibr keeps them in its cases. They are refused here.
  maxRefusedPairs: 80,
  valid: [
    "1.0",
    "1!2.0",
    "1.0.post1",
    "1.0.dev3",
    "1.0a1",
    "1.0rc2.post1.dev3",
    "1.0+local.7",
    "v1.0",
    "1.0-1",
  ],
  invalid: ["", "trunk", "1.0-bulbasaur", "1..0", "1.0 beta", "2013-02-01T20:50:46+0100"],
  cases: [
    ["1.0.dev1", "1.0a1", -1],
    ["1.0a1", "1.0b1", -1],
    ["1.0rc1", "1.0", -1],
    ["1.0", "1.0.post1", -1],
    ["1.0", "1.0+local", -1],
    ["1!0.1", "2.0", 1],
    ["1.0", "1.0.0", 0],
    ["1.0-1", "1.0.post1", 0],
    ["1.0alpha1", "1.0a1", 0],
    ["1.0+abc", "1.0+1", -1],
    ["1.0+1", "1.0+1.0", -1],
    ["1.0+ABC", "1.0+abc", 0],
    ["1.0.post1.dev1", "1.0.post1", -1],
    ["1.0a1.post1", "1.0a2", -1],
    ["1.0.dev1", "1.0a1.dev1", -1],
    ["1.0rc1", "1.0c1", 0],
    ["2024.1", "2024.1.0.0", 0],
  ],
  arbitrary: fc
    .tuple(
      fc.option(fc.nat(2), { nil: undefined }),
      fc.array(fc.nat(11), { minLength: 1, maxLength: 4 }),
      fc.option(fc.tuple(fc.constantFrom("a", "b", "rc"), fc.nat(3)), { nil: undefined }),
      fc.option(fc.nat(3), { nil: undefined }),
      fc.option(fc.nat(3), { nil: undefined }),
      fc.option(fc.constantFrom("1", "abc", "1.abc", "abc.2"), { nil: undefined }),
    )
    .map(
      ([epoch, release, pre, post, dev, local]) =>
        `${epoch === undefined ? "" : `${epoch}!`}${release.join(".")}${pre ? pre.join("") : ""}${post === undefined ? "" : `.post${post}`}${dev === undefined ? "" : `.dev${dev}`}${local === undefined ? "" : `+${local}`}`,
    ),
});
