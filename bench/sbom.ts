/**
 * Hostile-input scale (issue 22, item 8): `portcullis scan --sbom` of a CycloneDX document with N
 * components (default 1,000,000; BENCH_SBOM_COMPONENTS), each an npm package with a location, half of
 * them in a dependency chain. Run as its own process under GNU time (wall seconds, peak RSS), the median
 * of three, with `--skip-db` so what is timed is reading, merging and reporting, not matching. No peer
 * reads an SBOM this large offline without an advisory database, so this figure stands alone.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(REPO_ROOT, "bin", "portcullis.js");
const ROUNDS = 3;

export interface SbomBenchResult {
  readonly components: number;
  readonly sizeMiB: number;
  readonly seconds: number;
  readonly peakMiB: number;
  readonly runs: ReadonlyArray<{ seconds: number; peakMiB: number }>;
}

/** Streams the document to disk: a 146 MB string would itself cost what is being measured. */
async function writeDocument(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r()));
  await write('{"bomFormat":"CycloneDX","specVersion":"1.6","components":[');
  for (let i = 0; i < n; i++) {
    const component = {
      type: "library",
      name: `p${i}`,
      "bom-ref": `r${i}`,
      version: "1.0.0",
      purl: `pkg:npm/p${i}@1.0.0`,
      properties: [
        { name: "syft:location:0:path", value: `/app/n${i % 997}/node_modules/p${i}/package.json` },
      ],
    };
    await write(`${i === 0 ? "" : ","}${JSON.stringify(component)}`);
  }
  await write('],"dependencies":[');
  const chained = Math.floor(n / 2);
  for (let i = 0; i < chained; i++) {
    await write(`${i === 0 ? "" : ","}{"ref":"r${i}","dependsOn":["r${i + 1}"]}`);
  }
  await write("]}\n");
  await new Promise<void>((r, reject) => out.end((err?: Error | null) => (err ? reject(err) : r())));
}

export async function benchSbom(log: (line: string) => void): Promise<SbomBenchResult> {
  const n = Number(process.env.BENCH_SBOM_COMPONENTS ?? 1_000_000);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error("BENCH_SBOM_COMPONENTS must be a positive integer");
  if (!existsSync("/usr/bin/time")) throw new Error("GNU time (/usr/bin/time) is not installed");
  const dir = join(REPO_ROOT, ".bench");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `sbom-${n}.cdx.json`);
  if (!existsSync(path)) {
    log(`sbom: writing a CycloneDX document of ${n.toLocaleString("en")} components…`);
    await writeDocument(path, n);
  }
  const sizeMiB = statSync(path).size / 1024 / 1024;
  const runs: Array<{ seconds: number; peakMiB: number }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const out = spawnSync(
      "/usr/bin/time",
      ["-f", "%e %M", process.execPath, BIN, "scan", "--sbom", path, "--skip-db", "-f", "json", "-q"],
      { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 },
    );
    if (out.status !== 0) throw new Error(`scan --sbom exited ${out.status}: ${out.stderr.slice(-800)}`);
    const [seconds, kib] = out.stderr.trim().split("\n").pop()!.split(" ").map(Number);
    runs.push({ seconds: seconds!, peakMiB: kib! / 1024 });
    log(`sbom: round ${round}/${ROUNDS}: ${seconds!.toFixed(1)} s, ${(kib! / 1024).toFixed(0)} MiB peak`);
  }
  const median = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(ROUNDS / 2)]!;
  return { components: n, sizeMiB, seconds: median.seconds, peakMiB: median.peakMiB, runs };
}

export function renderSbomSection(r: SbomBenchResult): string {
  const fmt = (x: number, d = 1) =>
    x.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d });
  return [
    "",
    "## Large SBOMs (hostile input)",
    "",
    `\`portcullis scan --sbom FILE --skip-db -f json\` of a CycloneDX document of ${r.components.toLocaleString("en")} components (${fmt(r.sizeMiB, 0)} MiB; npm packages with a location each, half in a dependency chain): the median of ${r.runs.length} runs of a separate process (GNU time). Goal (issue 22): linear, 1,000,000 components in under 15 s.`,
    "",
    "| components | wall (s) | peak RSS (MiB) | runs (s) |",
    "|---:|---:|---:|---|",
    `| ${r.components.toLocaleString("en")} | ${fmt(r.seconds)} | ${fmt(r.peakMiB, 0)} | ${r.runs.map((x) => fmt(x.seconds)).join(", ")} |`,
    "",
  ].join("\n");
}
