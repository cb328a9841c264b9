import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/targets.js";

/**
 * What `npm ci --omit=dev` installs must be enough for every file the build ships (issue 12): no test
 * helper in dist/ (testing.ts files, conformance suites) and no runtime import of a dev dependency.
 * dist/ is copied beside a node_modules that links only the production packages of package-lock.json,
 * and a fresh Node imports every file of it.
 */
const DIST = join(REPO_ROOT, "dist");

interface LockPackage {
  readonly dev?: boolean;
  readonly devOptional?: boolean;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

describe("the built package with production dependencies only", () => {
  const work = mkdtempSync(join(tmpdir(), "pc-dist-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ships no test code", () => {
    const shipped = jsFiles(DIST).map((f) => relative(DIST, f));
    expect(shipped.length).toBeGreaterThan(100);
    const testCode = shipped.filter((f) =>
      /(^|\/)(testing(\/|\.js$|-)|[^/]*-testing\.js$|conformance\.js$|[^/]*\.test\.js$)/.test(f),
    );
    expect(testCode).toEqual([]);
  });

  it("imports every file of dist/ without a dev dependency", () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, LockPackage>;
    };
    // Top-level packages only: each links its real folder, whose own nested node_modules come along.
    const production = Object.entries(lock.packages)
      .filter(([path, pkg]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !pkg.dev && !pkg.devOptional)
      .map(([path]) => path);
    expect(production).toContain("node_modules/fastify");
    expect(production).not.toContain("node_modules/vitest");
    for (const path of production) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      symlinkSync(join(REPO_ROOT, path), join(work, path), "dir");
    }
    cpSync(DIST, join(work, "dist"), { recursive: true });
    cpSync(join(REPO_ROOT, "package.json"), join(work, "package.json"));
    // dist/web/ is the console's browser bundle (self-contained; test/dist/console-bundle.test.ts).
    const files = jsFiles(join(work, "dist"))
      .map((f) => relative(work, f))
      .filter((f) => !f.startsWith("dist/web/"));
    // One process imports them all and lists the failures. Linked packages resolve their own imports
    // from their real folders, so only dist's own imports are put to the test, as intended.
    const script = `
      const failures = [];
      for (const file of ${JSON.stringify(files)}) {
        try { await import("./" + file); } catch (err) { failures.push(file + ": " + (err && err.message)); }
      }
      process.stdout.write(JSON.stringify(failures));
    `;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: work,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", NODE_PATH: "" },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  }, 120_000);
});
