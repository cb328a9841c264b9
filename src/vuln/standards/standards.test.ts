import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../../test/support/errors.js";
import { VulnError } from "../errors.js";
import { schemeForPackageType } from "../versioning/index.js";
import { checkStandards, loadStandards, parseStandards, type StandardsPackage } from "./index.js";

const EXAMPLE = fileURLToPath(new URL("../../../examples/standards/production.yaml", import.meta.url));

const pkg = (
  type: string,
  name: string,
  version: string,
  path = "/var/lib/dpkg/status",
): StandardsPackage => ({
  type,
  name,
  version,
  locations: [{ path, layerIndex: 0 }],
});

describe("standards file", () => {
  it("loads the shipped example", () => {
    const standards = loadStandards(EXAMPLE);
    expect(standards.forbiddenPackages.length).toBeGreaterThan(3);
    expect(standards.minimumVersions.find((m) => m.name === "bash" && m.type === "deb")?.version).toBe(
      "4.3-7",
    );
    expect(standards.approvedBaseImages[0]?.name).toBe("docker.io/library/debian");
  });

  it("an empty file holds no standards", () => {
    expect(parseStandards("", "s.yaml")).toEqual({
      forbiddenPackages: [],
      minimumVersions: [],
      approvedBaseImages: [],
      requireKnownBase: false,
    });
  });

  it.each([
    ["forbidenPackages: []\n", "s.yaml:1: forbidenPackages: unknown key"],
    [
      "minimumVersions:\n  - name: bash\n    version: '1'\n  - name: curl\n",
      "s.yaml:4: minimumVersions[1].version: expected a version",
    ],
    [
      "forbiddenPackages:\n  - name: gcc\n    type: debian\n",
      "s.yaml:3: forbiddenPackages[0].type: expected a package type",
    ],
    [
      "approvedBaseImages:\n  - name: 'Not An Image'\n",
      's.yaml:2: approvedBaseImages[0].name: "Not An Image" is not an image name',
    ],
    ["forbiddenPackages: [\n", "s.yaml:2: invalid YAML"],
    ["requireKnownBase: maybe\n", "s.yaml:1: requireKnownBase: expected true or false"],
  ])("names file, line and key for %j", (text, message) => {
    const err = thrownBy(VulnError, () => parseStandards(text, "s.yaml"));
    expect(err.code).toBe("STANDARDS_INVALID");
    expect(err.message.startsWith(message)).toBe(true);
  });

  // Issue 22: YAML reads an unquoted 1.10 as the number 1.1, so 1.9 passed a minimum of "1.10".
  it.each([
    ["minimumVersions:\n  - name: openssl\n    version: 1.10\n", "minimumVersions[0].version", "1.10", 3],
    ["minimumVersions:\n  - { name: zlib, version: 2 }\n", "minimumVersions[0].version", "2", 2],
    ["minimumVersions:\n  - name: x\n    version: 1e3\n", "minimumVersions[0].version", "1e3", 3],
    ["approvedBaseImages:\n  - name: alpine\n    tags: [3.20]\n", "approvedBaseImages[0].tags[0]", "3.20", 3],
  ])(
    "refuses a YAML number where a version is expected, saying to quote it: %j",
    (text, key, source, line) => {
      const err = thrownBy(VulnError, () => parseStandards(text, "s.yaml"));
      expect(err.code).toBe("STANDARDS_INVALID");
      expect(err.message).toContain(`s.yaml:${line}: ${key}: `);
      expect(err.message).toContain(`quote it: "${source}"`);
    },
  );

  it("keeps a quoted version's every digit", () => {
    const standards = parseStandards('minimumVersions:\n  - { name: openssl, version: "1.10" }\n', "s.yaml");
    expect(standards.minimumVersions[0]?.version).toBe("1.10");
  });

  it("a missing file is a clear error", () => {
    expect(thrownBy(VulnError, () => loadStandards("/nonexistent/standards.yaml")).message).toMatch(
      /cannot read standards file/,
    );
  });

  it("refuses a device at once instead of reading it", () => {
    expect(thrownBy(VulnError, () => loadStandards("/dev/zero")).message).toMatch(
      /cannot read standards file \/dev\/zero: .*not a regular file/,
    );
  });
});

describe("checkStandards", () => {
  const standards = parseStandards(
    [
      "forbiddenPackages:",
      "  - { name: 'gcc*', type: deb, reason: compilers }",
      "  - { name: GDB }",
      "minimumVersions:",
      "  - { name: bash, type: deb, version: '4.3-7', reason: shellshock, severity: critical }",
      "  - { name: lodash, type: npm, version: 4.17.21 }",
      "approvedBaseImages:",
      "  - { name: debian, tags: ['12*'] }",
    ].join("\n"),
    "s.yaml",
  );

  it("finds a shellshock bash by dpkg ordering, not string ordering", () => {
    const violations = checkStandards(
      standards,
      { packages: [pkg("deb", "bash", "4.2+dfsg-0.1+deb7u1"), pkg("deb", "bash", "4.3-11+deb8u2")] },
      schemeForPackageType,
    );
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({
      rule: "minimum-version",
      severity: "critical",
      reason: "shellshock",
    });
    expect(violations[0]?.message).toBe(
      "bash 4.2+dfsg-0.1+deb7u1 (/var/lib/dpkg/status) is older than the minimum 4.3-7",
    );
  });

  it("uses each ecosystem's own scheme and type filter", () => {
    const violations = checkStandards(
      standards,
      {
        packages: [
          pkg("npm", "lodash", "4.17.9", "/app/node_modules/lodash/package.json"),
          pkg("npm", "lodash", "4.17.21", "/app/node_modules/lodash/package.json"),
          pkg("pypi", "bash", "1.0", "/usr/lib/python3/dist-packages/bash-1.0.dist-info/METADATA"),
        ],
      },
      schemeForPackageType,
    );
    expect(violations.map((v) => `${v.package?.name}@${v.package?.version}`)).toEqual(["lodash@4.17.9"]);
  });

  it("matches forbidden packages by glob, case-insensitively, and by type", () => {
    const violations = checkStandards(
      standards,
      {
        packages: [
          pkg("deb", "gcc-12", "12.2.0-14"),
          pkg("apk", "gcc", "13.2.1"),
          pkg("apk", "gdb", "14.1-r0"),
        ],
      },
      schemeForPackageType,
    );
    expect(violations.map((v) => `${v.rule}:${v.package?.type}/${v.package?.name}`)).toEqual([
      "forbidden-package:deb/gcc-12",
      "forbidden-package:apk/gdb",
    ]);
    expect(violations[0]?.reason).toBe("compilers");
  });

  // Issue 22: globs became backtracking regular expressions; a dozen stars hung `scan --standards`.
  it("matches globs with a dozen stars in linear time", () => {
    const stars = `${"*a".repeat(12)}*b`;
    const hostile = {
      forbiddenPackages: [{ name: stars, severity: "high" as const }],
      minimumVersions: [],
      approvedBaseImages: [{ name: "debian", tags: [stars] }],
      requireKnownBase: false,
    };
    const started = performance.now();
    const violations = checkStandards(
      hostile,
      { packages: [pkg("deb", "a".repeat(300), "1")], base: { name: `debian:${"a".repeat(120)}` } },
      schemeForPackageType,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(violations.map((v) => v.rule)).toEqual(["approved-base"]);
  });

  it("reports a version it cannot compare instead of passing it silently", () => {
    const violations = checkStandards(
      standards,
      { packages: [pkg("deb", "bash", "not a version!")] },
      schemeForPackageType,
    );
    expect(violations[0]?.message).toMatch(/cannot be compared/);
  });

  it("checks the recorded base image against the approved list", () => {
    const none = { packages: [] };
    expect(
      checkStandards(
        standards,
        { ...none, base: { name: "docker.io/library/debian:12.5" } },
        schemeForPackageType,
      ),
    ).toEqual([]);
    const [wrongTag] = checkStandards(
      standards,
      { ...none, base: { name: "debian:11" } },
      schemeForPackageType,
    );
    expect(wrongTag?.message).toMatch(/approved, but not at "11"/);
    const [unlisted] = checkStandards(
      standards,
      { ...none, base: { name: "ubuntu:22.04" } },
      schemeForPackageType,
    );
    expect(unlisted?.message).toMatch(/not on the approved list/);
    expect(checkStandards(standards, none, schemeForPackageType)).toEqual([]);
    const strict = { ...standards, requireKnownBase: true };
    expect(checkStandards(strict, none, schemeForPackageType)[0]?.message).toMatch(/cannot be determined/);
  });
});
