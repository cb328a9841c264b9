import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { fileInfoOf, filesFromDir, runCataloger } from "../testing.js";
import { phpCataloger } from "./cataloger.js";

const fixture = (path: string): Buffer => readFileSync(new URL(`testdata/${path}`, import.meta.url));

describe("php file selection", () => {
  it.each(["/var/www/html/vendor/composer/installed.json", "/var/www/html/composer.lock"])(
    "wants %s",
    (path) => {
      expect(phpCataloger.wants(fileInfoOf(path))).toBe(true);
    },
  );

  it.each([
    "/var/www/html/vendor/composer/installed.php",
    "/var/www/html/vendor/acme/lib/composer.lock",
    "/var/www/html/composer.json",
    "/var/www/html/installed.json",
  ])("ignores %s", (path) => {
    expect(phpCataloger.wants(fileInfoOf(path))).toBe(false);
  });
});

describe("php composer packages", () => {
  const installed = [
    {
      type: "composer",
      name: "asm89/stack-cors",
      version: "1.3.0",
      purl: "pkg:composer/asm89/stack-cors@1.3.0",
      licenses: ["MIT"],
      dependsOn: ["symfony/http-foundation", "symfony/http-kernel"],
    },
    {
      type: "composer",
      name: "behat/mink",
      version: "v1.8.1",
      purl: "pkg:composer/behat/mink@v1.8.1",
      licenses: ["MIT"],
      dependsOn: ["symfony/css-selector"],
    },
  ];

  // Composer 2 lists behat/mink among dev-package-names; it is on disk all the same, so it is reported.
  it.each(["composer_1/installed.json", "composer_2/installed.json"])("reads %s", async (path) => {
    const at = "/var/www/html/vendor/composer/installed.json";
    const { packages, warnings, layerDigests } = await runCataloger(phpCataloger, { [at]: fixture(path) });
    expect(warnings).toEqual([]);
    expect(packages).toEqual(
      installed.map((pkg) => ({
        ...pkg,
        cataloger: "php",
        locations: [{ path: at, layerIndex: 0, layerDigest: layerDigests[0] }],
      })),
    );
  });

  it("reads composer.lock packages but not packages-dev, leaving platform requirements out", async () => {
    const { packages, warnings } = await runCataloger(phpCataloger, {
      "/app/composer.lock": fixture("composer.lock"),
    });
    expect(warnings).toEqual([]);
    expect(packages.map((pkg) => [pkg.purl, pkg.licenses, pkg.dependsOn])).toEqual([
      ["pkg:composer/adoy/fastcgi-client@1.0.2", ["MIT"], undefined],
      ["pkg:composer/alcaeus/mongo-php-adapter@1.1.11", ["MIT"], ["mongodb/mongodb"]],
    ]);
  });

  it.each([
    ["/app/composer.lock", "{", 1],
    ["/app/composer.lock", '{"packages": 3}', 1],
    ["/app/vendor/composer/installed.json", '"x"', 1],
    [
      "/app/vendor/composer/installed.json",
      `[{"name": "a/b", "version": "${"1".repeat(50 * 1024 * 1024)}"}]`,
      1,
    ],
    // Deep nesting is valid JSON naming no package: nothing to report, nothing to warn about.
    ["/app/vendor/composer/installed.json", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, 0],
  ])("skips bad input without throwing (case %#)", async (path, text, warningCount) => {
    const { packages, warnings } = await runCataloger(phpCataloger, { [path]: text });
    expect(packages).toEqual([]);
    expect(warnings).toHaveLength(warningCount);
  });
});

const SHARED = `${import.meta.dirname}/../../../../../shared/testdata/packages/php`;
it.skipIf(unavailable(`the shared data set ${SHARED}`, existsSync(SHARED)))(
  "reads every shared php fixture without throwing",
  async () => {
    const { packages, warnings } = await runCataloger(phpCataloger, filesFromDir(SHARED, "/src"));
    expect(packages.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^php: \/src\//);
  },
);
