import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { describeScheme } from "../conformance.js";
import { readPairs, testdataDir } from "../testing.js";
import { dpkg } from "./index.js";

describeScheme({
  scheme: dpkg,
  files: ["debian-versions.txt", "debian-versions-generated-sample.txt"],
  sharedFiles: ["debian-versions-generated.txt"],
  valid: ["1.0", "1:2.3-4", "2.4.2-6+lenny1", "1.0~rc1", "7:4.4.2-1ubuntu1~22.04", "1.0-1-1", "2:1.0:1-3"],
  invalid: ["", "a1.0", "1.0-", ":1.0", "x:1.0", "1:", "1.0 beta", "1.0_1", "1:-1", "1.0-1:2", " 1.0"],
  cases: [
    ["1.0~rc1", "1.0", -1],
    ["1.0", "1.0+b1", -1],
    ["1:0.1", "2.0", 1],
    ["1.0-1~bpo1", "1.0-1", -1],
    ["1.0a", "1.0+", -1],
    ["1.0~~", "1.0~", -1],
    ["1.0~~a", "1.0~~", 1],
    ["2.30-1ubuntu1", "2.30-1", 1],
    ["0:1.2", "1.2-0", 0],
    ["1.02", "1.2", 0],
    ["99999999999999999999", "100000000000000000000", -1],
    ["1.0-1-1", "1.0-1-2", -1],
    ["1.2.3-1~deb12u1", "1.2.3-1+deb12u1", -1],
  ],
  arbitrary: fc
    .tuple(
      fc.option(fc.nat(3), { nil: undefined }),
      fc.stringMatching(/^[0-9][0-9a-z.+~]{0,6}$/),
      fc.option(fc.stringMatching(/^[0-9a-z.+~]{1,5}$/), { nil: undefined }),
    )
    .map(([e, u, r]) => `${e === undefined ? "" : `${e}:`}${u}${r === undefined ? "" : `-${r}`}`),
});

/**
 * Asks the real dpkg about many pairs at once: one shell, fed the script on stdin (too long for
 * argv), prints one answer a line; `dpkg --compare-versions` answers by its exit status. Callers
 * pass only versions our parser accepts, so they hold no quote characters.
 */
function disagreementsWithDpkg(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const script = pairs
    .map(
      ([a, b]) =>
        `if dpkg --compare-versions '${a}' lt '${b}'; then echo '<'; elif dpkg --compare-versions '${a}' eq '${b}'; then echo '='; else echo '>'; fi`,
    )
    .join("\n");
  const run = spawnSync("sh", ["-s"], { input: script, encoding: "utf8", maxBuffer: 1 << 24 });
  const answers = run.stdout.trim().split("\n");
  expect(answers).toHaveLength(pairs.length);
  return pairs.flatMap(([a, b], i) => {
    const ours = ["<", "=", ">"][Math.sign(dpkg.compare(a, b)) + 1];
    return ours === answers[i] ? [] : [`${a} vs ${b}: dpkg says ${answers[i]}, we say ${ours}`];
  });
}

describe("dpkg against the real dpkg", () => {
  const hasDpkg = spawnSync("dpkg", ["--version"]).status === 0;

  it.skipIf(unavailable("the dpkg tool", hasDpkg))(
    "agrees with dpkg --compare-versions on the generated sample",
    () => {
      const pairs = readPairs(`${testdataDir}debian-versions-generated-sample.txt`).map(
        ({ a, b }) => [a, b] as const,
      );
      expect(pairs.every(([a, b]) => dpkg.isValid(a) && dpkg.isValid(b))).toBe(true);
      expect(pairs.length).toBeGreaterThan(2500);
      expect(disagreementsWithDpkg(pairs)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(unavailable("the dpkg tool", hasDpkg))(
    "agrees with dpkg on 2,000 generated edge cases (tildes, epochs, letters, symbols)",
    () => {
      const versions = fc.sample(
        fc
          .tuple(
            fc.option(fc.nat(2), { nil: undefined }),
            fc.stringMatching(/^[0-9][0-9a-c.+~]{0,5}$/),
            fc.option(fc.stringMatching(/^[0-9a-c.+~]{1,4}$/), { nil: undefined }),
          )
          .map(([e, u, r]) => `${e === undefined ? "" : `${e}:`}${u}${r === undefined ? "" : `-${r}`}`),
        { numRuns: 4000, seed: 42 },
      );
      const pairs: Array<readonly [string, string]> = [];
      for (let i = 0; i + 1 < versions.length; i += 2) pairs.push([versions[i]!, versions[i + 1]!]);
      expect(disagreementsWithDpkg(pairs)).toEqual([]);
    },
    120_000,
  );
});
