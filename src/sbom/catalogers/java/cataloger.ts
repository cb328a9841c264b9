import type { FileInfo } from "../../../oci/index.js";
import type { Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";
import { type ArchiveScan, isJavaArchiveName, scanArchive } from "./archive-scan.js";
import { JAVA_CATALOGER, packagesOfArchive } from "./packages.js";

/** Larger Java archives are not read (as for executables: the walker holds a wanted file whole while reducing it). */
/**
 * Every Java archive, whatever its size: the walker's `maxFileBytes` is the one limit, and an archive
 * over it is a FILE_TOO_LARGE warning (an incomplete scan) rather than a silent omission.
 */
function wants(file: FileInfo): boolean {
  return file.kind === "file" && isJavaArchiveName(file.path);
}

/** Keeps the manifests and pom.properties found (a few kilobytes), and any problems to warn about later. */
function reduce(file: FileInfo, bytes: Buffer): Buffer | undefined {
  let scan: ArchiveScan;
  try {
    scan = scanArchive(bytes, file.path);
  } catch (error) {
    // scanArchive reports bad input as warnings; this guard keeps one odd file from stopping a scan.
    scan = { archives: [], warnings: [`${file.path}: unexpected: ${String(error)}`] };
  }
  return Buffer.from(JSON.stringify(scan));
}

function catalog(resolver: FileResolver, context: CatalogContext): Package[] {
  const packages: Package[] = [];
  for (const file of resolver.selected()) {
    const bytes = resolver.read(file.path);
    if (!bytes) continue;
    try {
      const scan = JSON.parse(bytes.toString("utf8")) as ArchiveScan;
      for (const warning of scan.warnings) context.warn(`${JAVA_CATALOGER}: ${warning}`, "ARCHIVE_LIMIT");
      for (const record of scan.archives) packages.push(...packagesOfArchive(file, record));
    } catch (error) {
      // Only bytes that did not come from our reduce get here; catalog must not throw.
      context.warn(
        `${JAVA_CATALOGER}: ${file.path}: kept archive summary is unreadable: ${String(error)}`,
        "ARCHIVE_LIMIT",
      );
    }
  }
  return packages;
}

/** Maven artifacts in Java archives (jar, war, ear, ...) and the archives nested in them. */
export const javaCataloger: Cataloger = { name: JAVA_CATALOGER, wants, reduce, catalog, byContent: true };
