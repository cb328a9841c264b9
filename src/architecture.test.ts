import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Pins the module rules of DESIGN.md: each folder under src/ is a domain with one public face
 * (index.ts); another domain imports it only through that face, and only from a lower row.
 * `cli/` may also import `server/`: both are entry points, and `serve` must start the server.
 */
const ROWS: Record<string, number> = {
  core: 1,
  oci: 2,
  storage: 2,
  registry: 3,
  sbom: 3,
  vuln: 3,
  trust: 3,
  dockerfile: 3,
  auth: 3,
  audit: 3,
  jobs: 3,
  policy: 4,
  admission: 4,
  evidence: 4,
  app: 5,
  cli: 6,
  server: 6,
  web: 6,
};
const ALLOWED_SAME_ROW: ReadonlyArray<[string, string]> = [["cli", "server"]];

const SRC = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testdata" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s+["']([^"']+)["']/g)].map(
    (m) => m[1]!,
  );
}

describe("module boundaries", () => {
  const files = sourceFiles(SRC).filter((f) => relative(SRC, f).includes("/"));
  const violations: string[] = [];
  for (const file of files) {
    const domain = relative(SRC, file).split("/")[0]!;
    for (const spec of importsOf(file)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(SRC, resolve(dirname(file), spec));
      // Tests may use the shared test support outside src/ (never built, never shipped).
      if (file.endsWith(".test.ts") && target.startsWith("../test/support/")) continue;
      const targetDomain = target.split("/")[0]!;
      if (targetDomain === domain) continue;
      const where = `${relative(SRC, file)} imports ${spec}`;
      // A domain's testing.ts is its second public face, for tests only (never built into dist/).
      const testFace = file.endsWith(".test.ts") && target === `${targetDomain}/testing.js`;
      if (target !== `${targetDomain}/index.js` && !testFace)
        violations.push(`${where}: only ${targetDomain}/index.ts is public`);
      const from = ROWS[domain];
      const to = ROWS[targetDomain];
      if (from === undefined || to === undefined) {
        violations.push(
          `${where}: ${from === undefined ? domain : targetDomain} is not a module of DESIGN.md`,
        );
      } else if (to >= from && !ALLOWED_SAME_ROW.some(([a, b]) => a === domain && b === targetDomain)) {
        violations.push(`${where}: row ${from} may only import from lower rows (target is row ${to})`);
      }
    }
  }

  it("finds the source files", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it("imports other domains only through their index.ts, and only downward", () => {
    expect(violations).toEqual([]);
  });

  it("gives every domain folder an index.ts", () => {
    const domains = new Set(files.map((f) => relative(SRC, f).split("/")[0]!));
    const missing = [...domains].filter((d) => !files.includes(join(SRC, d, "index.ts")));
    expect(missing).toEqual([]);
  });
});
