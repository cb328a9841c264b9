import type { Command } from "commander";
import { parseByteSize } from "../core/index.js";
import {
  type AdvisoryDatabase,
  DEFAULT_MAX_ARCHIVE_BYTES,
  DEFAULT_OSV_ECOSYSTEMS,
  type EcosystemStatus,
  type ImportProgress,
  type ImportSummary,
  importOsv,
  openAdvisoryDatabase,
  type SourceStatus,
  updateOsv,
} from "../vuln/index.js";
import { fromInputFile } from "./failure.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { printTable } from "./output.js";
import { Progress } from "./progress.js";

interface DbFlags extends PlatformFlags {
  db?: string;
  output?: string;
  quiet?: boolean;
  ecosystem?: string[] | string;
  maxArchiveBytes?: string;
}

const MAX_ARCHIVE_BYTES_HELP = `decompressed bytes allowed per archive, e.g. 8GiB (default ${DEFAULT_MAX_ARCHIVE_BYTES / 1024 ** 3} GiB); a larger archive is refused`;

/** --max-archive-bytes as import options, or the message for a value that is not a size. */
function maxArchiveBytes(flags: DbFlags): { maxArchiveBytes?: number } | string {
  if (flags.maxArchiveBytes === undefined) return {};
  let bytes = 0;
  try {
    bytes = parseByteSize(flags.maxArchiveBytes);
  } catch {
    // Reported below with the flag's name.
  }
  return bytes > 0
    ? { maxArchiveBytes: bytes }
    : `--max-archive-bytes: expected a size such as 8GiB, got ${JSON.stringify(flags.maxArchiveBytes)}`;
}

/** Usage errors exit 2, as elsewhere in the CLI. */
function usageError(command: string, message: string, setExit: (code: number) => void): void {
  process.stderr.write(`portcullis db ${command}: ${message}\n`);
  setExit(2);
}

/** The advisory database file: --db, else scan.advisoryDatabase (DATADIR/advisories.db). */
export function advisoryDatabasePath(flags: PlatformFlags & { db?: string }): string {
  return flags.db ?? configFrom(flags).scan.advisoryDatabase;
}

/** The advisory database, opened; a file that is not one (or cannot be opened) is a usage error naming it. */
function openNamedDatabase(flags: DbFlags, options: { create?: boolean } = {}): AdvisoryDatabase {
  const path = advisoryDatabasePath(flags);
  return fromInputFile(flags.db === undefined ? "advisory database" : "--db", path, () =>
    openAdvisoryDatabase(path, options),
  );
}

function withDbFlags(command: Command): Command {
  return withPlatformFlags(command)
    .option("--db <file>", "advisory database file (default scan.advisoryDatabase: DATADIR/advisories.db)")
    .option("-o, --output <format>", "table or json", "table")
    .option("-q, --quiet", "no progress line");
}

function printSummary(summary: ImportSummary, format: string | undefined): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const rows = Object.entries(summary.ecosystems)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ecosystem, n]) => [ecosystem, String(n)]);
  printTable(["ECOSYSTEM", "RECORDS"], rows);
  process.stdout.write(
    `\n${summary.records} records (${summary.inserted} new, ${summary.updated} updated, ${summary.unchanged} unchanged, ` +
      `${summary.withdrawn} withdrawn) in ${(summary.durationMs / 1000).toFixed(1)} s\n`,
  );
  if (summary.otherEcosystemEntries > 0) {
    process.stdout.write(
      `${summary.otherEcosystemEntries} affected entries of other ecosystems were left to those ecosystems' archives\n`,
    );
  }
}

function age(ms: number | undefined): string {
  if (ms === undefined) return "";
  const hours = ms / 3_600_000;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`;
}

/** The ecosystems (records, last import) and the archives the records came from (name, sha256). */
export function printStatus(
  status: readonly EcosystemStatus[],
  sources: readonly SourceStatus[],
  format: string | undefined,
): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify({ ecosystems: status, sources }, null, 2)}\n`);
    return;
  }
  printTable(
    ["ECOSYSTEM", "RECORDS", "IMPORTED", "AGE", "SOURCE"],
    status.map((s) => [
      s.ecosystem,
      String(s.records),
      s.lastImport ? s.lastImport.at.toISOString() : "",
      age(s.ageMs),
      s.lastImport?.source ?? "",
    ]),
  );
  process.stdout.write("\n");
  printTable(
    ["ARCHIVE", "ECOSYSTEM", "RECORDS", "IMPORTED", "SHA256"],
    sources.map((s) => [
      s.archive,
      s.ecosystem ?? "(per record)",
      String(s.records),
      s.importedAt.toISOString(),
      s.sha256 ?? "",
    ]),
  );
}

/** Opens (creating) the database, runs one import with a progress line, prints its summary. */
async function importWithProgress(
  flags: DbFlags,
  run: (database: AdvisoryDatabase, onProgress: (p: ImportProgress) => void) => Promise<ImportSummary>,
): Promise<void> {
  const database = openNamedDatabase(flags, { create: true });
  const progress = Progress.forTerminal(flags.quiet);
  try {
    const summary = await run(database, (p) =>
      progress.update(`importing ${p.done}${p.total ? `/${p.total}` : ""} records: ${p.current}`),
    );
    progress.done();
    printSummary(summary, flags.output);
  } finally {
    progress.done();
    database.close();
  }
}

/** `portcullis db import|update|status`: the offline-first advisory database. */
export function registerDb(program: Command, setExit: (code: number) => void): void {
  const db = program.command("db").description("the vulnerability advisory database (OSV), offline-first");

  withDbFlags(
    db
      .command("import")
      .description(
        "import OSV records: JSON files, folders, or the per-ecosystem all.zip archives OSV publishes",
      )
      .argument("<path...>", "files, folders or all.zip archives")
      .option(
        "--ecosystem <name>",
        "the OSV ecosystem the archives hold (default: each archive's name, <ecosystem>.zip or <ecosystem>/all.zip); their records of other ecosystems are refused",
      )
      .option("--max-archive-bytes <size>", MAX_ARCHIVE_BYTES_HELP),
  ).action(async (paths: string[], flags: DbFlags) => {
    const declared = typeof flags.ecosystem === "string" ? flags.ecosystem : undefined;
    const limits = maxArchiveBytes(flags);
    if (typeof limits === "string") return usageError("import", limits, setExit);
    await importWithProgress(flags, (database, onProgress) =>
      importOsv(database, paths, {
        onProgress,
        ...limits,
        ...(declared !== undefined ? { ecosystemOf: () => declared } : {}),
      }),
    );
    setExit(0);
  });

  withDbFlags(
    db
      .command("update")
      .description("download OSV's per-ecosystem archives and import them (needs the network)")
      .option(
        "-e, --ecosystem <name...>",
        `OSV ecosystems to download (default: ${DEFAULT_OSV_ECOSYSTEMS.join(", ")})`,
      )
      .option("--max-archive-bytes <size>", MAX_ARCHIVE_BYTES_HELP),
  ).action(async (flags: DbFlags) => {
    const ecosystems = typeof flags.ecosystem === "string" ? [flags.ecosystem] : flags.ecosystem;
    const limits = maxArchiveBytes(flags);
    if (typeof limits === "string") return usageError("update", limits, setExit);
    await importWithProgress(flags, (database, onProgress) =>
      updateOsv(database, { ecosystems: ecosystems ?? DEFAULT_OSV_ECOSYSTEMS, onProgress, ...limits }),
    );
    setExit(0);
  });

  withDbFlags(
    db
      .command("status")
      .description(
        "ecosystems, record counts and age of the advisory database, and the archives its records came from",
      ),
  ).action(async (flags: DbFlags) => {
    const database = openNamedDatabase(flags);
    try {
      printStatus(database.status(), database.sources(), flags.output);
      setExit(0);
    } finally {
      database.close();
    }
  });
}
