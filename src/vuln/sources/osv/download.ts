import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { AdvisoryDatabase } from "../../db/database.js";
import { VulnError } from "../../errors.js";
import { type ImportOptions, type ImportSummary, importOsv } from "./import.js";

/** OSV publishes one archive per ecosystem: <base>/<ecosystem>/all.zip (https://google.github.io/osv.dev/data/). */
export const OSV_BUCKET = "https://osv-vulnerabilities.storage.googleapis.com";

/**
 * The OSV ecosystems a container image draws from: the distributions Portcullis matches and the
 * language registries its catalogers read. A sensible default for `db update`.
 */
export const DEFAULT_OSV_ECOSYSTEMS: readonly string[] = [
  "Debian",
  "Ubuntu",
  "Alpine",
  "Wolfi",
  "Chainguard",
  "Red Hat",
  "Rocky Linux",
  "AlmaLinux",
  "npm",
  "PyPI",
  "Go",
  "Maven",
  "crates.io",
  "RubyGems",
  "NuGet",
  "Packagist",
];

export interface UpdateOptions extends Pick<ImportOptions, "onProgress" | "now" | "maxArchiveBytes"> {
  /** OSV ecosystem names as the bucket spells them: "Debian", "Alpine", "Go", "PyPI", "crates.io", ... */
  ecosystems: readonly string[];
  /** Abort when the server sends nothing for this long (connecting included). Default 30 s. */
  idleTimeoutMs?: number;
  baseUrl?: string;
  /** Where archives are downloaded before import; a fresh temporary folder by default, removed after. */
  downloadDir?: string;
  fetch?: typeof fetch;
}

/**
 * Downloads each ecosystem's archive, then imports them all in one transaction (so either every
 * ecosystem is refreshed or none is). Archives stream to disk; nothing holds one in memory.
 */
export async function updateOsv(db: AdvisoryDatabase, options: UpdateOptions): Promise<ImportSummary> {
  const dir = options.downloadDir ?? mkdtempSync(join(tmpdir(), "portcullis-osv-"));
  const downloads = new Map<string, { url: string; ecosystem: string; lastModified?: Date }>();
  try {
    for (const ecosystem of options.ecosystems) {
      const url = `${options.baseUrl ?? OSV_BUCKET}/${encodeURIComponent(ecosystem)}/all.zip`;
      const file = join(dir, `${ecosystem.replace(/[^A-Za-z0-9.-]/g, "_")}.zip`);
      const lastModified = await download(url, file, options);
      downloads.set(file, { url, ecosystem, ...(lastModified ? { lastModified } : {}) });
    }
    return await importOsv(db, [...downloads.keys()], {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.maxArchiveBytes !== undefined ? { maxArchiveBytes: options.maxArchiveBytes } : {}),
      // Each archive writes only the ecosystem it was downloaded as.
      ecosystemOf: (path) => downloads.get(path)?.ecosystem,
      sourceOf: (path) => downloads.get(path)?.url ?? path,
      archiveModifiedOf: (path) => downloads.get(path)?.lastModified,
    });
  } finally {
    if (!options.downloadDir) rmSync(dir, { recursive: true, force: true });
  }
}

async function download(url: string, file: string, options: UpdateOptions): Promise<Date | undefined> {
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleMs);
  };
  try {
    const response = await (options.fetch ?? fetch)(url, { signal: controller.signal });
    if (!response.ok || !response.body) {
      throw new VulnError(
        "IMPORT_FAILED",
        `${url}: HTTP ${response.status}${response.status === 404 ? " (is the ecosystem name spelled as OSV spells it?)" : ""}`,
      );
    }
    touch();
    const watchdog = new Transform({
      transform(chunk, _encoding, callback) {
        touch();
        callback(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), watchdog, createWriteStream(file));
    const lastModified = response.headers.get("last-modified");
    return lastModified && !Number.isNaN(Date.parse(lastModified)) ? new Date(lastModified) : undefined;
  } catch (err) {
    if (err instanceof VulnError) throw err;
    throw unreachable(url, err, controller.signal.aborted ? `no answer within ${idleMs} ms` : describe(err));
  } finally {
    clearTimeout(timer);
  }
}

function unreachable(url: string, cause: unknown, why: string): VulnError {
  return new VulnError(
    "NETWORK_UNAVAILABLE",
    `the network is unreachable: cannot download ${url} (${why}). To work offline, fetch the archives on a connected ` +
      "machine (https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip), copy them here and run " +
      "`portcullis db import <file.zip|folder>`",
    { cause },
  );
}

/** fetch reports "fetch failed"; the useful part (ENETUNREACH, ENOTFOUND, ...) is in its cause. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
