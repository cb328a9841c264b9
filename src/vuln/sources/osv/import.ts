import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { AdvisoryDatabase } from "../../db/database.js";
import { VulnError } from "../../errors.js";
import { validateOsvRecord } from "./schema.js";
import { ZipFormatError, ZipReader } from "./zip.js";

export interface ImportProgress {
  done: number;
  /** Known for archives (their central directory counts entries) and folders; absent while unknown. */
  total?: number;
  /** The file (and `#entry` in an archive) being read. */
  current: string;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** The import's source to record for an input (a download URL); defaults to the input's path. */
  sourceOf?: (path: string) => string;
  /** The archive's modification time to record (a download's Last-Modified); defaults to the file's mtime. */
  archiveModifiedOf?: (path: string) => Date | undefined;
  now?: () => Date;
}

export interface ImportSummary {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  withdrawn: number;
  /** Records per OSV ecosystem seen in this import. */
  ecosystems: Record<string, number>;
  durationMs: number;
}

/**
 * One record to import, read lazily so an archive is never held whole. An archive entry also gives
 * its deflated bytes: the database stores records deflated, so they are kept as they came.
 */
interface RecordSource {
  where: string;
  read: () => { text: Buffer; deflated?: Buffer };
}

interface Input {
  path: string;
  total: number;
  records: Iterable<RecordSource>;
  modified: Date;
  close: () => void;
}

const PROGRESS_EVERY = 500;

/**
 * Imports OSV records from JSON files, folders (recursively, `*.json`) and OSV `all.zip` archives
 * into the database in ONE transaction: a record that is not valid JSON or breaks the schema
 * aborts the whole import, names its file (and archive entry), and leaves the database as it was.
 * A record replaces the stored one only when its `modified` is newer.
 */
export async function importOsv(
  db: AdvisoryDatabase,
  paths: string | string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const inputs: Input[] = [];
  try {
    for (const path of Array.isArray(paths) ? paths : [paths]) inputs.push(openInput(path));
  } catch (err) {
    for (const input of inputs) input.close();
    throw err;
  }
  const summary: ImportSummary = {
    records: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    withdrawn: 0,
    ecosystems: {},
    durationMs: 0,
  };
  const total = inputs.reduce((sum, input) => sum + input.total, 0);
  const perInput: { input: Input; ecosystems: Map<string, number> }[] = [];
  try {
    await db.transaction(async () => {
      for (const input of inputs) {
        const ecosystems = new Map<string, number>();
        perInput.push({ input, ecosystems });
        for (const source of input.records) {
          importOne(db, source, summary, ecosystems);
          if (summary.records % PROGRESS_EVERY === 0) {
            options.onProgress?.({ done: summary.records, total, current: source.where });
            await yieldToLoop();
          }
        }
      }
      const at = now();
      for (const { input, ecosystems } of perInput) {
        for (const [ecosystem, records] of ecosystems) {
          summary.ecosystems[ecosystem] = (summary.ecosystems[ecosystem] ?? 0) + records;
          const source = options.sourceOf?.(input.path) ?? input.path;
          const modified = options.archiveModifiedOf?.(input.path) ?? input.modified;
          db.recordImport(ecosystem, source, records, at, modified);
        }
      }
    });
  } catch (err) {
    if (err instanceof VulnError) throw err;
    const message = err instanceof ZipFormatError ? err.message : (err as Error).message;
    throw new VulnError("IMPORT_FAILED", `import rolled back, the database is unchanged: ${message}`, {
      cause: err,
    });
  } finally {
    for (const input of inputs) input.close();
  }
  options.onProgress?.({ done: summary.records, total, current: "" });
  summary.durationMs = performance.now() - started;
  return summary;
}

function importOne(
  db: AdvisoryDatabase,
  source: RecordSource,
  summary: ImportSummary,
  ecosystems: Map<string, number>,
): void {
  const { text: bytes, deflated } = source.read();
  const text = bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(source.where, `not JSON: ${(err as Error).message}`);
  }
  const result = validateOsvRecord(value);
  if ("problem" in result) throw invalid(source.where, result.problem);
  const record = result.record;
  const outcome = db.upsert(record, text, deflated);
  summary.records++;
  summary[outcome]++;
  if (record.withdrawn !== undefined) summary.withdrawn++;
  const seen = new Set((record.affected ?? []).flatMap((a) => (a.package ? [a.package.ecosystem] : [])));
  for (const ecosystem of seen) ecosystems.set(ecosystem, (ecosystems.get(ecosystem) ?? 0) + 1);
}

function invalid(where: string, problem: string): VulnError {
  return new VulnError(
    "ADVISORY_INVALID",
    `${where}: ${problem} (import rolled back, the database is unchanged)`,
    {
      detail: { where },
    },
  );
}

function openInput(path: string): Input {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new VulnError("IMPORT_FAILED", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (stat.isDirectory()) {
    const files = jsonFilesUnder(path);
    return {
      path,
      total: files.length,
      modified: stat.mtime,
      records: files.map((file) => ({ where: file, read: () => ({ text: readFileSync(file) }) })),
      close: () => {},
    };
  }
  if (path.endsWith(".zip") || startsWithZipMagic(path)) {
    let zip: ZipReader;
    try {
      zip = new ZipReader(path);
    } catch (err) {
      throw new VulnError("IMPORT_FAILED", `${path}: ${(err as Error).message}`, { cause: err });
    }
    const entries = zip.entries.filter((e) => e.name.endsWith(".json"));
    return {
      path,
      total: entries.length,
      modified: zip.modified,
      records: entries.map((entry) => ({
        where: `${path}#${entry.name}`,
        read: () => {
          const stored = zip.readStored(entry);
          const text = zip.inflate(entry, stored);
          return entry.method === 8 ? { text, deflated: stored } : { text };
        },
      })),
      close: () => zip.close(),
    };
  }
  return {
    path,
    total: 1,
    modified: stat.mtime,
    records: [{ where: path, read: () => ({ text: readFileSync(path) }) }],
    close: () => {},
  };
}

function startsWithZipMagic(path: string): boolean {
  if (basename(path).endsWith(".json")) return false;
  const fd = openSync(path, "r");
  try {
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    return magic.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    closeSync(fd);
  }
}

function jsonFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...jsonFilesUnder(path));
    else if (entry.isFile() && entry.name.endsWith(".json")) files.push(path);
  }
  return files;
}
