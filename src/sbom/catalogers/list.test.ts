import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cataloger } from "./cataloger.js";
import { CATALOGERS } from "./list.js";
import { fileInfoOf, runCataloger, type TestFile } from "./testing.js";

/**
 * The contract every cataloger meets (renovate's meta-test habit: one folder per variant, one list):
 * each folder is in CATALOGERS, names are unique, and garbage in the files a cataloger wants never
 * makes it throw, through the same walker and pipeline an image scan uses.
 */

const here = import.meta.dirname;
const folders = readdirSync(here)
  .filter((name) => statSync(join(here, name)).isDirectory() && name !== "testdata")
  .sort();

function isCataloger(value: unknown): value is Cataloger {
  const candidate = value as Partial<Cataloger> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.name === "string" &&
    typeof candidate.wants === "function" &&
    typeof candidate.catalog === "function"
  );
}

/** The catalogers a folder exports from its entry module (index.ts, else cataloger.ts). */
async function catalogersOf(folder: string): Promise<Cataloger[]> {
  const entry = ["index.ts", "cataloger.ts"].map((file) => join(here, folder, file)).find(existsSync);
  if (entry === undefined) return [];
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  return Object.values(module).filter(isCataloger);
}

describe("CATALOGERS", () => {
  it("finds the cataloger folders", () => {
    expect(folders.length).toBeGreaterThanOrEqual(11);
  });

  it.each(folders)("lists the cataloger of %s/", async (folder) => {
    const found = await catalogersOf(folder);
    expect(found.length, `${folder}/ exports no Cataloger from index.ts or cataloger.ts`).toBeGreaterThan(0);
    for (const cataloger of found) expect(CATALOGERS).toContain(cataloger);
  });

  it("holds only catalogers of these folders", async () => {
    const exported = new Set((await Promise.all(folders.map(catalogersOf))).flat());
    for (const cataloger of CATALOGERS) expect(exported.has(cataloger), cataloger.name).toBe(true);
  });

  it("has unique names", () => {
    const names = CATALOGERS.map((cataloger) => cataloger.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

/**
 * Paths (and modes) some cataloger wants, one or more per ecosystem; each cataloger is fed the ones
 * its own `wants` accepts.
 */
const CANDIDATES: ReadonlyArray<readonly [path: string, mode: number]> = [
  ["/var/lib/dpkg/status", 0o644],
  ["/var/lib/dpkg/status.d/libc6", 0o644],
  ["/usr/share/doc/libc6/copyright", 0o644],
  ["/lib/apk/db/installed", 0o644],
  ["/var/lib/rpm/Packages", 0o644],
  ["/usr/share/rpm/Packages.db", 0o644],
  ["/usr/lib/sysimage/rpm/rpmdb.sqlite", 0o644],
  ["/app/package.json", 0o644],
  ["/app/package-lock.json", 0o644],
  ["/srv/npm-shrinkwrap.json", 0o644],
  ["/app/yarn.lock", 0o644],
  ["/app/pnpm-lock.yaml", 0o644],
  ["/app/node_modules/a/package.json", 0o644],
  ["/usr/local/lib/python3.11/site-packages/a-1.0.dist-info/METADATA", 0o644],
  ["/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", 0o644],
  ["/usr/lib/python2.7/lib-dynload/Python-2.7.egg-info", 0o644],
  ["/usr/local/bundle/specifications/rack-3.0.8.gemspec", 0o644],
  ["/app/Gemfile.lock", 0o644],
  ["/var/www/html/vendor/composer/installed.json", 0o644],
  ["/var/www/html/composer.lock", 0o644],
  ["/app/MyApp.deps.json", 0o644],
  ["/usr/bin/app", 0o755],
  ["/app/tool.exe", 0o644],
  ["/src/app/Cargo.lock", 0o644],
  ["/opt/app/lib.jar", 0o644],
  ["/opt/app/site.war", 0o644],
];

/** Garbage behind the magic each format starts with, so readers get past their first check. */
const MAGICS = [
  "",
  "\x7fELF\x02\x01\x01",
  "MZ",
  "\xcf\xfa\xed\xfe",
  "\xca\xfe\xba\xbe",
  "PK\x03\x04",
  "SQLite format 3\0",
  "\x00\x06\x15\x61", // Berkeley DB hash magic (little-endian)
  "{",
  "Package: ",
  "P:",
].map((magic) => Buffer.from(magic, "latin1"));

describe.each(CATALOGERS.map((cataloger) => [cataloger.name, cataloger] as const))(
  "%s on garbage",
  (_name, cataloger) => {
    const wanted = CANDIDATES.filter(([path, mode]) =>
      cataloger.wants(fileInfoOf(path, { mode, size: 4096 })),
    );

    it("wants at least one of the candidate paths", () => {
      expect(wanted.length).toBeGreaterThan(0);
    });

    it("never throws on random bytes in every file it wants", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...MAGICS),
          fc.array(fc.uint8Array({ minLength: 64, maxLength: 4096 }), {
            minLength: wanted.length,
            maxLength: wanted.length,
          }),
          async (magic, contents) => {
            const files: Record<string, TestFile> = {};
            wanted.forEach(([path, mode], i) => {
              files[path] = { content: Buffer.concat([magic, Buffer.from(contents[i]!)]), mode };
            });
            // runCataloger rethrows a throw from catalog; warnings are allowed.
            const run = await runCataloger(cataloger, files);
            // Without a reducer every wanted file reaches catalog whole: the test is not vacuous.
            if (!cataloger.reduce) expect(run.selected).toEqual(wanted.map(([path]) => path).sort());
            for (const pkg of run.packages) expect(pkg.cataloger).toBe(cataloger.name);
          },
        ),
        { numRuns: 40 },
      );
    });
  },
);
