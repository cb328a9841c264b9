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
  runtime: 3,
  // Pure and importing no other domain: knowledge (Grafeas's kinds and wire shapes) that policy reads.
  grafeas: 3,
  policy: 4,
  admission: 4,
  evidence: 4,
  // The pull-through cache: the registry and the OCI client, wired into the read path by app/.
  proxy: 4,
  replication: 4,
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
      // A domain's testing.ts is its second public face, for tests and other test support only (never
      // built into dist/).
      const testOnly = file.endsWith(".test.ts") || /(^|\/)testing(\.ts$|\/)/.test(relative(SRC, file));
      const testFace = testOnly && target === `${targetDomain}/testing.js`;
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

/**
 * One composition root (issue 12): the policy gate, its evidence sources, the registry clients and the
 * platform's database are wired in app/ only (app/gates/assemble.ts, app/gates/registry-access.ts,
 * app/records.ts, app/webhook.ts, app/platform.ts). A command maps flags onto those and calls them;
 * once it builds one of these itself, two surfaces can drift again (a flag read differently, a database
 * opened without serve's drain).
 */
const BUILT_IN_APP_ONLY: Readonly<Record<string, string>> = {
  RegistryClient: "registryClient or registryClients (app/gates/registry-access.ts)",
  credentialsFromDockerConfig: "registryClient or apiScanSourceFor (app/gates/registry-access.ts)",
  cachedClients: "registryClients (app/gates/registry-access.ts)",
  createPolicyGate: "assembleGates (app/gates/assemble.ts)",
  registryEvidencePorts: "assembleGates (app/gates/assemble.ts)",
  registryDigestResolver: "assembleGates (app/gates/assemble.ts)",
  EvidenceCache: "assembleGates (app/gates/assemble.ts)",
  ReloadablePolicy: "assembleGates().follow or createWebhookServices (app/webhook.ts)",
  apiScanSource: "apiScanSourceFor (app/gates/registry-access.ts)",
  storedScanSource: "gateRecords (app/records.ts)",
  ScanStore: "gateRecords (app/records.ts)",
  auditRecorder: "gateRecords (app/records.ts)",
  openDatabase: "openPlatformDatabase (app/records.ts)",
};

/** The names a file imports as values (`import type` and `type X` specifiers left out). */
function valueImports(text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*import\s+(type\s+)?\{([^}]*)\}\s*from\s*["'][^"']+["']/g)].flatMap(
    (m) =>
      m[1]
        ? []
        : m[2]!
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "" && !s.startsWith("type "))
            .map((s) => s.split(/\s+as\s+/)[0]!),
  );
}

describe("one composition root", () => {
  const cliFiles = sourceFiles(join(SRC, "cli")).filter((f) => !f.endsWith(".test.ts"));

  it("reads the imports the check relies on", () => {
    expect(valueImports('import { a, type B, c as d } from "x";\nimport type { E } from "y";')).toEqual([
      "a",
      "c",
    ]);
  });

  it("leaves the gate, its evidence sources, registry clients and the database to app/", () => {
    const found: string[] = [];
    for (const file of cliFiles) {
      const text = readFileSync(file, "utf8");
      const names = new Set(valueImports(text));
      for (const [name, instead] of Object.entries(BUILT_IN_APP_ONLY)) {
        // Also a namespace import's `new oci.RegistryClient(`: any construction or call by that name.
        if (names.has(name) || new RegExp(`(?:new\\s+|\\.)${name}\\s*\\(`).test(text))
          found.push(`${relative(SRC, file)} uses ${name}: call ${instead}`);
      }
    }
    expect(cliFiles.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });
});
