import type { FileInfo } from "../../../oci/index.js";
import { locationOf, type Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";
import { isExecutableCandidate } from "../go/executable-files.js";
import { packageUrl } from "../go/purl.js";
import { type AuditablePackage, parseAuditableJson, readAuditableData } from "./auditable.js";
import { dependencyName, type LockPackage, parseCargoLock } from "./cargo-lock.js";

const NAME = "rust";
/** Far above any real lockfile (large workspaces are a few hundred kilobytes). */
const MAX_LOCKFILE_SIZE = 16 * 1024 * 1024;

const isLockfile = (path: string) => path.endsWith("/Cargo.lock");

/** What reduce keeps of an executable: the decompressed cargo-auditable JSON, or why it was unreadable. */
type KeptAudit = { json: string } | { error: string };

function wants(file: FileInfo): boolean {
  // Selected whatever its size: one over the limit is reported (catalog), never silently left out.
  if (isLockfile(file.path)) return file.kind === "file";
  return isExecutableCandidate(file);
}

function reduce(file: FileInfo, bytes: Buffer): Buffer | undefined {
  if (isLockfile(file.path)) return bytes;
  try {
    const result = readAuditableData(bytes);
    if (result.kind === "none") return undefined;
    const kept: KeptAudit = result.kind === "found" ? { json: result.json } : { error: result.reason };
    return Buffer.from(JSON.stringify(kept));
  } catch (error) {
    return Buffer.from(JSON.stringify({ error: `unexpected: ${String(error)}` }));
  }
}

function catalog(resolver: FileResolver, context: CatalogContext): Package[] {
  const packages: Package[] = [];
  for (const file of resolver.selected()) {
    const bytes = resolver.read(file.path);
    if (!bytes) continue;
    try {
      const found = isLockfile(file.path)
        ? fromLockfile(file, bytes, context)
        : fromBinary(file, bytes, context);
      packages.push(...found);
    } catch (error) {
      // Only bytes that did not come from our reduce get here; catalog must not throw.
      context.warn(`${NAME}: ${file.path}: unreadable: ${String(error)}`, "MANIFEST_UNREADABLE");
    }
  }
  return packages;
}

function fromLockfile(file: FileInfo, bytes: Buffer, context: CatalogContext): Package[] {
  const limit = context.maxFileBytes ?? MAX_LOCKFILE_SIZE;
  if (bytes.length > limit) {
    context.warn(
      `${NAME}: ${file.path}: skipped, ${bytes.length} bytes is over the ${limit} limit`,
      "PACKAGE_DB_TOO_LARGE",
    );
    return [];
  }
  const { packages, problems } = parseCargoLock(bytes.toString("utf8"));
  for (const problem of problems) context.warn(`${NAME}: ${file.path}: ${problem}`);
  return packages.map((entry: LockPackage) => ({
    ...base(file, entry.name, entry.version),
    dependsOn: unique(entry.dependencies.map(dependencyName)),
    metadata: {
      source: entry.source ?? "local",
      ...(entry.checksum ? { checksum: entry.checksum } : {}),
    },
  }));
}

function fromBinary(file: FileInfo, bytes: Buffer, context: CatalogContext): Package[] {
  const kept = JSON.parse(bytes.toString("utf8")) as KeptAudit;
  if ("error" in kept) {
    context.warn(
      `${NAME}: ${file.path}: cargo-auditable data unreadable: ${kept.error}`,
      "MANIFEST_UNREADABLE",
    );
    return [];
  }
  const entries = parseAuditableJson(kept.json);
  if (typeof entries === "string") {
    context.warn(`${NAME}: ${file.path}: ${entries}`);
    return [];
  }
  // Build-time dependencies (build scripts, proc-macros' build deps) are not in the program.
  const isRuntime = (entry: AuditablePackage) => entry.kind === "runtime";
  return entries.filter(isRuntime).map((entry) => ({
    ...base(file, entry.name, entry.version),
    dependsOn: unique(
      entry.dependencies
        .map((i) => entries[i]!)
        .filter(isRuntime)
        .map((dep) => dep.name),
    ),
    metadata: { source: entry.source, ...(entry.root ? { root: "true" } : {}) },
  }));
}

function base(file: FileInfo, name: string, version: string): Package {
  return {
    type: "cargo",
    name,
    version,
    purl: packageUrl("cargo", undefined, name, version),
    licenses: [],
    cataloger: NAME,
    locations: [locationOf(file)],
  };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

/** Rust crates from Cargo.lock files and from cargo-auditable data in executables. */
export const rustCataloger: Cataloger = { name: NAME, wants, reduce, catalog, byContent: true };
