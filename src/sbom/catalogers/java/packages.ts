import type { FileInfo } from "../../../oci/index.js";
import { locationOf, type Package } from "../../model.js";
import { packageUrl } from "../go/purl.js";
import type { ArchiveRecord, PomProperties } from "./archive-scan.js";
import { attribute } from "./manifest.js";

/**
 * Turns what was found in one archive into Maven packages, in syft's order of trust
 * (syft/pkg/cataloger/java/archive_parser.go): pom.properties files when there are any (a shaded
 * or fat jar lists every bundled artifact), else the manifest, else the file name "name-1.2.3.jar".
 */

export const JAVA_CATALOGER = "java";

type Source = "pom.properties" | "manifest" | "filename";

export function packagesOfArchive(file: FileInfo, record: ArchiveRecord): Package[] {
  const fileName = record.location.slice(
    Math.max(record.location.lastIndexOf(":"), record.location.lastIndexOf("/")) + 1,
  );
  const fromName = parseArchiveName(fileName);
  const licenses = manifestLicenses(record.manifest);
  if (record.poms.length > 0) {
    const main = mainPom(record.poms, fromName?.name);
    const seen = new Set<string>();
    const packages: Package[] = [];
    for (const pom of record.poms) {
      const key = `${pom.groupId}:${pom.artifactId}@${pom.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push(
        build(
          file,
          record,
          pom.groupId,
          pom.artifactId,
          pom.version,
          "pom.properties",
          pom === main ? licenses : [],
          {
            pomProperties: pom.path,
          },
        ),
      );
    }
    return packages;
  }
  const manifest = record.manifest;
  const manifestVersion =
    attribute(manifest, "Implementation-Version") ??
    attribute(manifest, "Specification-Version") ??
    attribute(manifest, "Bundle-Version") ??
    attribute(manifest, "Plugin-Version");
  const symbolicName = attribute(manifest, "Bundle-SymbolicName")?.split(";")[0]?.trim();
  const artifactId =
    fromName?.name ??
    attribute(manifest, "Implementation-Title") ??
    symbolicName ??
    attribute(manifest, "Short-Name");
  if (!artifactId) return [];
  const groupId = manifestGroupId(manifest, artifactId, symbolicName);
  if (manifestVersion)
    return [build(file, record, groupId, artifactId, manifestVersion, "manifest", licenses, {})];
  if (fromName?.version)
    return [build(file, record, groupId, artifactId, fromName.version, "filename", licenses, {})];
  return [];
}

function build(
  file: FileInfo,
  record: ArchiveRecord,
  groupId: string | undefined,
  artifactId: string,
  version: string,
  source: Source,
  licenses: string[],
  extra: Record<string, string>,
): Package {
  return {
    type: "maven",
    // OSV's Maven names are "groupId:artifactId"; without a group we can only give the artifact.
    name: groupId ? `${groupId}:${artifactId}` : artifactId,
    version,
    // The purl's maven type requires a namespace; like syft we repeat the artifact when the group is unknown.
    purl: packageUrl("maven", groupId ?? artifactId, artifactId, version),
    licenses,
    cataloger: JAVA_CATALOGER,
    locations: [locationOf(file)],
    metadata: { archive: record.location, source, ...(groupId ? {} : { groupIdUnknown: "true" }), ...extra },
  };
}

/** The pom.properties describing the archive itself: its artifactId matches the file name, or it is alone. */
function mainPom(poms: PomProperties[], nameFromFile: string | undefined): PomProperties | undefined {
  if (poms.length === 1) return poms[0];
  return poms.find((p) => p.artifactId === nameFromFile || nameFromFile?.endsWith(`.${p.artifactId}`));
}

/**
 * The group from the manifest: Maven's archiver writes Implementation-Vendor-Id, Jenkins plugins
 * Group-Id; an OSGi symbolic name or JPMS module name "org.example.lib" ending in ".<artifactId>"
 * (or "-" spelt ".") gives the prefix.
 */
function manifestGroupId(
  manifest: Record<string, string> | undefined,
  artifactId: string,
  symbolicName: string | undefined,
): string | undefined {
  const explicit = attribute(manifest, "Implementation-Vendor-Id") ?? attribute(manifest, "Group-Id");
  if (explicit) return explicit;
  for (const dotted of [symbolicName, attribute(manifest, "Automatic-Module-Name")]) {
    if (!dotted) continue;
    for (const suffix of [`.${artifactId}`, `.${artifactId.replaceAll("-", ".")}`]) {
      if (dotted.endsWith(suffix) && dotted.length > suffix.length) return dotted.slice(0, -suffix.length);
    }
  }
  return undefined;
}

/** Bundle-License (OSGi core, 3.2.1.10: a comma-separated list of SPDX ids or URLs) and Jenkins' Plugin-License-Name. */
function manifestLicenses(manifest: Record<string, string> | undefined): string[] {
  const licenses: string[] = [];
  const bundle = attribute(manifest, "Bundle-License");
  if (bundle) licenses.push(...splitLicenseList(bundle));
  for (const [key, value] of Object.entries(manifest ?? {})) {
    if (/^Plugin-License-Name(-\d+)?$/i.test(key) && value.trim()) licenses.push(value.trim());
  }
  return [...new Set(licenses)];
}

/** Splits on commas outside quotes and drops OSGi parameters ("Apache-2.0;link=..."). */
function splitLicenseList(text: string): string[] {
  const parts = text.match(/(?:[^,"]|"[^"]*")+/g) ?? [];
  return parts.map((p) => p.split(";")[0]!.trim().replace(/^"|"$/g, "")).filter((p) => p !== "");
}

/** "commons-lang3-3.12.0.jar" -> commons-lang3, 3.12.0; "app.jar" -> app. */
export function parseArchiveName(fileName: string): { name: string; version?: string } | undefined {
  const dot = fileName.lastIndexOf(".");
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  if (!stem) return undefined;
  const match = /^(.+?)-(\d+(?:\.\d+)*(?:[-.+_][0-9A-Za-z][0-9A-Za-z.+_-]*)?)$/.exec(stem);
  return match ? { name: match[1]!, version: match[2]! } : { name: stem };
}
