import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ZipError, ZipFile } from "../../../core/index.js";
import { VulnError } from "../../errors.js";

/**
 * The inputs of an import: a JSON file, a folder of them, or an OSV `all.zip` archive, each read
 * lazily, one record at a time, so an archive is never held whole.
 */

/** One record to read. An archive entry also gives its deflated bytes, which the database stores as they came. */
export interface RecordSource {
  where: string;
  read: () => { text: Buffer; deflated?: Buffer };
}

export interface Input {
  path: string;
  kind: "file" | "folder" | "archive";
  total: number;
  records: Iterable<RecordSource>;
  modified: Date;
  /** sha256 of the file or archive (hex); absent for a folder. */
  sha256?: string;
  /** The ecosystem an archive's name declares (`npm.zip`, `npm/all.zip`); absent for files and folders. */
  namedEcosystem?: string;
  close: () => void;
}

/**
 * The default budget of decompressed bytes per archive. OSV's largest archives (Debian, Ubuntu)
 * hold some hundreds of MiB of JSON; 4 GiB leaves room to grow while bounding an archive that
 * inflates without end (the central directory's sizes are checked before anything is read, and
 * each entry must inflate to exactly its declared size).
 */
export const DEFAULT_MAX_ARCHIVE_BYTES = 4 * 1024 ** 3;

export function openInput(path: string, maxArchiveBytes: number): Input {
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
      kind: "folder",
      total: files.length,
      modified: stat.mtime,
      records: files.map((file) => ({ where: file, read: () => ({ text: readFileSync(file) }) })),
      close: () => {},
    };
  }
  if (path.endsWith(".zip") || startsWithZipMagic(path)) return openArchive(path, maxArchiveBytes);
  return {
    path,
    kind: "file",
    total: 1,
    modified: stat.mtime,
    sha256: sha256Of(path),
    records: [{ where: path, read: () => ({ text: readFileSync(path) }) }],
    close: () => {},
  };
}

function openArchive(path: string, maxArchiveBytes: number): Input {
  let zip: ZipFile;
  try {
    // core's one ZIP reader: the central directory read once and checked (ZIP64, overlapping entries
    // refused), each record read where it says and inflated to exactly its declared size, at most
    // 64 MiB (an OSV record is kilobytes).
    zip = ZipFile.open(path);
  } catch (err) {
    throw archiveInvalid(path, err);
  }
  try {
    const entries = zip.entries.filter((e) => e.name.endsWith(".json"));
    const declared = entries.reduce((sum, e) => sum + e.size, 0);
    if (declared > maxArchiveBytes) {
      throw new VulnError(
        "IMPORT_LIMIT",
        `${path}: its ${entries.length} records declare ${declared} bytes uncompressed, over the budget of ${maxArchiveBytes} per archive (raise it with --max-archive-bytes if the archive is genuine); nothing was imported`,
        { detail: { path, declared, limit: maxArchiveBytes } },
      );
    }
    const named = ecosystemNamedBy(path);
    return {
      path,
      kind: "archive",
      total: entries.length,
      modified: zip.modified,
      sha256: sha256Of(path),
      ...(named ? { namedEcosystem: named } : {}),
      records: entries.map((entry) => ({
        where: `${path}#${entry.name}`,
        read: () => {
          try {
            const stored = zip.readStored(entry);
            const text = zip.inflate(entry, stored);
            return entry.method === 8 ? { text, deflated: stored } : { text };
          } catch (err) {
            throw archiveInvalid(path, err);
          }
        },
      })),
      close: () => zip.close(),
    };
  } catch (err) {
    zip.close();
    throw err;
  }
}

function archiveInvalid(path: string, err: unknown): VulnError {
  if (err instanceof VulnError) return err;
  const known = err instanceof ZipError;
  return new VulnError(
    known ? "ARCHIVE_INVALID" : "IMPORT_FAILED",
    `${path}: ${known ? "" : "cannot read the archive: "}${(err as Error).message}`,
    { cause: err },
  );
}

/**
 * The OSV ecosystem an archive's name declares, as OSV publishes them
 * (`<bucket>/<ecosystem>/all.zip`) and as `db update` and the README name them (`<ecosystem>.zip`).
 */
export function ecosystemNamedBy(path: string): string | undefined {
  const name = basename(path);
  if (!/\.zip$/i.test(name)) return undefined;
  if (name.toLowerCase() === "all.zip") return basename(dirname(path)) || undefined;
  return name.slice(0, -4) || undefined;
}

function sha256Of(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
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
