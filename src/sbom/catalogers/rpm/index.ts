import type { FileInfo } from "../../../oci/index.js";
import { detectDistro } from "../../distro/detect.js";
import { SbomError } from "../../errors.js";
import { locationOf, type Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";
import { readRpmDatabase, rpmDbFormatOf } from "./database.js";
import { parseSourceRpm, type RpmEntry, rpmEvr } from "./entry.js";
import { rpmPurl } from "./purl.js";

export { readBerkeleyDbHash } from "./bdb.js";
export { type RpmDbFormat, readRpmDatabase, rpmDbFormatOf } from "./database.js";
export { parseSourceRpm, type RpmEntry, rpmEntryFromHeader, rpmEvr } from "./entry.js";
export { parseRpmHeader, RpmTag, type RpmTagValue } from "./header.js";
export { readNdb } from "./ndb.js";
export { rpmPurl } from "./purl.js";
export { readRpmSqlite } from "./sqlite.js";

/**
 * Where rpm keeps its database: /var/lib/rpm (classic; a symlink on newer systems),
 * /usr/lib/sysimage/rpm (Fedora 36+, openSUSE), /usr/share/rpm (older SUSE images).
 */
const DB_DIRS = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"];
const DB_FILES = new Set(
  DB_DIRS.flatMap((dir) => ["Packages", "Packages.db", "rpmdb.sqlite"].map((f) => dir + f)),
);

export const rpmCataloger: Cataloger = {
  name: "rpm",
  wants: (file: FileInfo) => DB_FILES.has(file.path),
  catalog(resolver: FileResolver, context: CatalogContext): Package[] {
    const distro = context.distro ?? detectDistro(resolver);
    // The same package can be in two databases (a leftover Packages beside rpmdb.sqlite after a
    // migration): one Package, with both locations.
    const byKey = new Map<string, { pkg: Package; entry: RpmEntry }>();
    for (const file of resolver.selected()) {
      const format = DB_FILES.has(file.path) ? rpmDbFormatOf(file.path) : undefined;
      const bytes = format === undefined ? undefined : resolver.read(file.path);
      if (format === undefined || !bytes) continue;
      let entries: RpmEntry[];
      try {
        const result = readRpmDatabase(format, bytes);
        for (const warning of result.warnings)
          context.warn(`rpm: ${file.path}: ${warning}`, "PACKAGE_DB_INVALID");
        entries = result.entries;
      } catch (error) {
        if (!(error instanceof SbomError)) throw error;
        context.warn(`rpm: ${file.path}: ${error.message}`, "PACKAGE_DB_INVALID");
        continue;
      }
      for (const entry of entries) {
        const key = `${entry.name}\0${rpmEvr(entry)}\0${entry.arch ?? ""}`;
        const existing = byKey.get(key);
        if (existing) existing.pkg.locations.push(locationOf(file));
        else byKey.set(key, { pkg: toPackage(entry, file, distro), entry });
      }
    }
    const found = [...byKey.values()];
    addDependencies(found);
    return found.map(({ pkg }) => pkg);
  },
};

function toPackage(entry: RpmEntry, file: FileInfo, distro: CatalogContext["distro"]): Package {
  const pkg: Package = {
    type: "rpm",
    name: entry.name,
    version: rpmEvr(entry),
    purl: rpmPurl(entry, distro),
    licenses: entry.license ? [entry.license] : [],
    cataloger: "rpm",
    locations: [locationOf(file)],
  };
  const source = entry.sourceRpm ? parseSourceRpm(entry.sourceRpm) : undefined;
  if (source) pkg.source = source;
  if (entry.arch) pkg.arch = entry.arch;
  const metadata: Record<string, string> = { release: entry.release };
  if (entry.epoch !== undefined) metadata.epoch = String(entry.epoch);
  if (entry.sourceRpm) metadata.sourceRpm = entry.sourceRpm;
  if (entry.vendor) metadata.vendor = entry.vendor;
  if (entry.modularityLabel) metadata.modularityLabel = entry.modularityLabel;
  pkg.metadata = metadata;
  return pkg;
}

/**
 * REQUIRENAME lists capabilities ("libc.so.6()(64bit)", "/bin/sh", "config(bash)"), which other
 * packages' PROVIDENAME offer; rpmlib(...) requirements are rpm's own features, not packages.
 */
function addDependencies(found: ReadonlyArray<{ pkg: Package; entry: RpmEntry }>): void {
  const providers = new Map<string, string>();
  for (const { pkg } of found) providers.set(pkg.name, pkg.name);
  for (const { pkg, entry } of found) {
    for (const provided of entry.provides) if (!providers.has(provided)) providers.set(provided, pkg.name);
  }
  for (const { pkg, entry } of found) {
    const names = new Set<string>();
    for (const required of entry.requires) {
      if (required.startsWith("rpmlib(")) continue;
      const provider = providers.get(required);
      if (provider !== undefined && provider !== pkg.name) names.add(provider);
    }
    if (names.size > 0) pkg.dependsOn = [...names];
  }
}
