import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { unavailable } from "../../test/support/requirements.js";

/**
 * Issue 17, start-up: a command imports only what it uses (commands.ts), so `--version` and `--help`
 * load commander and the command table, and the light commands none of the server, database or
 * Sigstore packages. Timings are in the bench (bench/start-up.ts); this pins the module graph, which
 * is what the timings follow and which one new static import can silently undo.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "portcullis.js");
const TRACER = pathToFileURL(join(ROOT, "test", "support", "module-trace", "register.mjs")).href;
const DIST = join(ROOT, "dist");
const work = mkdtempSync(join(tmpdir(), "portcullis-start-up-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Packages that only serving, databases, signing or the SBOM formats need. */
const HEAVY = [
  "fastify",
  "kysely",
  "better-sqlite3",
  "pg",
  "pino",
  "prom-client",
  "ldapts",
  "jose",
  "@sigstore/verify",
  "@sigstore/core",
  "@cyclonedx/cyclonedx-library",
  "@marcbachmann/cel-js",
];

interface Loaded {
  /** npm packages by name. */
  readonly packages: string[];
  /** Our own modules, relative to dist/. */
  readonly ours: string[];
}

let runs = 0;
async function modulesLoadedBy(args: string[]): Promise<Loaded> {
  const trace = join(work, `trace-${++runs}.txt`);
  await promisify(execFile)(process.execPath, ["--import", TRACER, BIN, ...args], {
    env: { ...process.env, PORTCULLIS_MODULE_TRACE: trace },
  });
  const paths = readFileSync(trace, "utf8")
    .split("\n")
    .filter((url) => url.startsWith("file:"))
    .map((url) => fileURLToPath(url));
  const packages = new Set<string>();
  const ours = new Set<string>();
  for (const path of paths) {
    const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (inPackage !== null) packages.add(inPackage[1]!);
    else if (path.startsWith(`${DIST}/`)) ours.add(relative(DIST, path));
  }
  return { packages: [...packages].sort(), ours: [...ours].sort() };
}

describe.skipIf(unavailable("dist/ (run `npm run build`)", existsSync(join(DIST, "cli", "index.js"))))(
  "the modules a command loads",
  () => {
    it.each([["--version"], ["--help"], ["help"]])(
      "%s loads commander and the command table only",
      async (arg) => {
        const loaded = await modulesLoadedBy([arg]);
        expect(loaded.packages).toEqual(["commander"]);
        expect(loaded.ours).toEqual([
          "cli/commands.js",
          "cli/credentials-path.js",
          "cli/index.js",
          "cli/main.js",
        ]);
      },
    );

    it.each(["verify --help", "policy --help", "policy check --help"])(
      "%s builds the command without the code that runs it: commander only",
      async (line) => {
        const loaded = await modulesLoadedBy(line.split(" "));
        expect(loaded.packages).toEqual(["commander"]);
      },
    );

    it.each([["lint", "--help"]])("%s %s loads none of the heavy packages", async (...args) => {
      const loaded = await modulesLoadedBy(args);
      expect(loaded.packages.filter((name) => HEAVY.includes(name))).toEqual([]);
      expect(loaded.ours.filter((path) => /^(server|storage|app)\//.test(path))).toEqual([]);
    });

    it("sees the packages a heavy command loads (the trace itself works, CommonJS included)", async () => {
      const loaded = await modulesLoadedBy(["serve", "--help"]);
      expect(loaded.packages).toEqual(expect.arrayContaining(["fastify", "avvio", "kysely"]));
    });
  },
);
