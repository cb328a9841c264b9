import { ZipArchive, type ZipBudget, type ZipEntry, ZipError } from "../../../core/index.js";
import { parseManifest, parseProperties } from "./manifest.js";

/**
 * What `reduce` finds in a Java archive and its nested archives: each archive's manifest main
 * section and pom.properties files, and the problems met. This small record is all that is kept.
 */

export interface PomProperties {
  groupId: string;
  artifactId: string;
  version: string;
  /** Path of the pom.properties inside its archive. */
  path: string;
}

export interface ArchiveRecord {
  /** "/app/outer.war" for the file itself, "/app/outer.war:WEB-INF/lib/x.jar" for a nested one. */
  location: string;
  manifest?: Record<string, string>;
  poms: PomProperties[];
}

export interface ArchiveScan {
  archives: ArchiveRecord[];
  warnings: string[];
}

export interface ScanLimits {
  /** Bytes inflated in total for one file, nested archives included. */
  maxTotalBytes: number;
  maxEntries: number;
  /** How many archives deep to follow (the file itself is depth 0). */
  maxDepth: number;
  /** A manifest or pom.properties larger than this is not real metadata. */
  maxMetadataBytes: number;
  /** Declared size over compressed size above which an entry is treated as a bomb. */
  maxRatio: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxTotalBytes: 256 * 1024 * 1024,
  maxEntries: 65_535,
  maxDepth: 4,
  maxMetadataBytes: 1024 * 1024,
  maxRatio: 200,
};

/** Extensions of Java archives, as syft's java cataloger globs them (pkg/cataloger/java). */
export const JAVA_ARCHIVE_EXTENSIONS = [
  "jar",
  "war",
  "ear",
  "par",
  "sar",
  "nar",
  "jpi",
  "hpi",
  "kar",
  "lpkg",
];

export function isJavaArchiveName(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot >= 0 && JAVA_ARCHIVE_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}

const isManifest = (name: string) => name.toUpperCase() === "META-INF/MANIFEST.MF";
const isPomProperties = (name: string) => name === "pom.properties" || name.endsWith("/pom.properties");

export function scanArchive(
  bytes: Uint8Array,
  location: string,
  limits: ScanLimits = DEFAULT_LIMITS,
): ArchiveScan {
  const scan: ArchiveScan = { archives: [], warnings: [] };
  const budget = { remaining: limits.maxTotalBytes };
  visit(bytes, location, 0, limits, budget, scan);
  return scan;
}

function visit(
  bytes: Uint8Array,
  location: string,
  depth: number,
  limits: ScanLimits,
  budget: ZipBudget,
  scan: ArchiveScan,
): void {
  // One reader for every archive Portcullis opens (core's ZipArchive): the central directory checked
  // whole (overlapping entries refused), and each entry inflated to exactly its declared size, within
  // the per-read cap and the budget shared by the file and everything nested in it.
  const warn = (err: unknown) => {
    if (!(err instanceof ZipError)) throw err;
    scan.warnings.push(`${location}${err.entry === undefined ? ": " : ":"}${err.message}`);
  };
  let zip: ZipArchive;
  try {
    zip = new ZipArchive(bytes, { maxEntries: limits.maxEntries, budget });
  } catch (err) {
    warn(err);
    return;
  }
  const record: ArchiveRecord = { location, poms: [] };
  scan.archives.push(record);
  const read = (entry: ZipEntry, max: number): Uint8Array | undefined => {
    if (
      entry.compressedSize > 0 &&
      entry.size / entry.compressedSize > limits.maxRatio &&
      entry.size > 1024 * 1024
    ) {
      scan.warnings.push(`${location}:${entry.name}: compression ratio suggests a zip bomb, skipped`);
      return undefined;
    }
    try {
      return zip.read(entry, max);
    } catch (err) {
      warn(err);
      return undefined;
    }
  };
  const text = (data: Uint8Array) =>
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");

  for (const entry of zip.entries) {
    if (entry.name.endsWith("/")) continue;
    if (isManifest(entry.name) && !record.manifest) {
      const data = read(entry, limits.maxMetadataBytes);
      if (data) record.manifest = parseManifest(text(data));
    } else if (isPomProperties(entry.name)) {
      const data = read(entry, limits.maxMetadataBytes);
      const props = data ? parseProperties(text(data)) : {};
      const { groupId, artifactId, version } = props;
      if (groupId && artifactId && version)
        record.poms.push({ groupId, artifactId, version, path: entry.name });
    } else if (isJavaArchiveName(entry.name)) {
      if (depth + 1 > limits.maxDepth) {
        scan.warnings.push(
          `${location}:${entry.name}: nested deeper than ${limits.maxDepth} archives, skipped`,
        );
        continue;
      }
      const data = read(entry, limits.maxTotalBytes);
      if (data) visit(data, `${location}:${entry.name}`, depth + 1, limits, budget, scan);
    }
  }
}
