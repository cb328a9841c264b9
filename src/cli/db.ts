import type { Command } from "commander";
import {
  type AdvisoryDatabase,
  DEFAULT_OSV_ECOSYSTEMS,
  type EcosystemStatus,
  type ImportProgress,
  type ImportSummary,
  importOsv,
  openAdvisoryDatabase,
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
  ecosystem?: string[];
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
}

function age(ms: number | undefined): string {
  if (ms === undefined) return "";
  const hours = ms / 3_600_000;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`;
}

export function printStatus(status: readonly EcosystemStatus[], format: string | undefined): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
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
      .argument("<path...>", "files, folders or all.zip archives"),
  ).action(async (paths: string[], flags: DbFlags) => {
    await importWithProgress(flags, (database, onProgress) => importOsv(database, paths, { onProgress }));
    setExit(0);
  });

  withDbFlags(
    db
      .command("update")
      .description("download OSV's per-ecosystem archives and import them (needs the network)")
      .option(
        "-e, --ecosystem <name...>",
        `OSV ecosystems to download (default: ${DEFAULT_OSV_ECOSYSTEMS.join(", ")})`,
      ),
  ).action(async (flags: DbFlags) => {
    await importWithProgress(flags, (database, onProgress) =>
      updateOsv(database, { ecosystems: flags.ecosystem ?? DEFAULT_OSV_ECOSYSTEMS, onProgress }),
    );
    setExit(0);
  });

  withDbFlags(
    db.command("status").description("ecosystems, record counts and age of the advisory database"),
  ).action(async (flags: DbFlags) => {
    const database = openNamedDatabase(flags);
    try {
      printStatus(database.status(), flags.output);
      setExit(0);
    } finally {
      database.close();
    }
  });
}
