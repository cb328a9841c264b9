import type { FileInfo } from "../../../oci/index.js";
import { locationOf, type Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";
import { readGoBuildInfo } from "./buildinfo.js";
import { isExecutableCandidate } from "./executable-files.js";
import { mainModuleVersion } from "./main-version.js";
import { type GoModule, parseModInfo } from "./modinfo.js";
import { golangPurl } from "./purl.js";

const NAME = "go-binary";

/**
 * What `reduce` keeps of a Go executable: the two build-info strings (a few kilobytes), or why the
 * blob was unreadable so `catalog` can warn (reduce has no context to warn through, and must not throw).
 */
type KeptBuildInfo = { goVersion: string; modinfo: string } | { error: string };

function reduce(_file: FileInfo, bytes: Buffer): Buffer | undefined {
  try {
    const result = readGoBuildInfo(bytes);
    if (result.kind === "none") return undefined;
    const kept: KeptBuildInfo = result.kind === "found" ? result.info : { error: result.reason };
    return Buffer.from(JSON.stringify(kept));
  } catch (error) {
    // readGoBuildInfo is bounds-checked; this is a last guard so one odd file cannot stop a scan.
    return Buffer.from(JSON.stringify({ error: `unexpected: ${String(error)}` }));
  }
}

function catalog(resolver: FileResolver, context: CatalogContext): Package[] {
  const packages: Package[] = [];
  for (const file of resolver.selected()) {
    const bytes = resolver.read(file.path);
    if (!bytes) continue;
    try {
      const kept = JSON.parse(bytes.toString("utf8")) as KeptBuildInfo;
      if ("error" in kept)
        context.warn(`${NAME}: ${file.path}: Go build info unreadable: ${kept.error}`, "MANIFEST_UNREADABLE");
      else packages.push(...packagesOf(file, kept.goVersion, kept.modinfo));
    } catch (error) {
      // Only bytes that did not come from our reduce get here; catalog must not throw.
      context.warn(
        `${NAME}: ${file.path}: kept build info is unreadable: ${String(error)}`,
        "MANIFEST_UNREADABLE",
      );
    }
  }
  return packages;
}

/** The main module, each dependency (its replacement when there is one) and the standard library. */
export function packagesOf(file: FileInfo, goVersion: string, modinfo: string): Package[] {
  const info = parseModInfo(modinfo);
  const toolchain = goVersion.split(" ")[0] ?? goVersion; // "go1.22.1 X:loopvar" -> "go1.22.1"
  const common = (extra: Record<string, string>) => ({ goVersion, ...extra });
  const settings = info.settings;
  const platform: Record<string, string> = {};
  for (const key of ["GOOS", "GOARCH", "vcs.revision"]) {
    const value = settings.get(key);
    if (value) platform[key] = value;
  }
  const deps = info.deps.map((dep) => dependencyPackage(file, dep, common({})));
  // A development toolchain ("devel go1.23-abc123 ...") has no release to match advisories against.
  const stdlib = /^go\d/.test(toolchain)
    ? // syft's choice (golang/stdlib_package.go): name "stdlib", purl version without the "go" prefix.
      // We use that prefix-less form as the version too, because the Go vulnerability database
      // (OSV ecosystem "Go", package "stdlib") writes its ranges that way ("1.21.5").
      { ...base(file, "stdlib", toolchain.slice(2)), licenses: ["BSD-3-Clause"], metadata: common({}) }
    : undefined;
  const packages: Package[] = [];
  if (info.main) {
    const main = info.main.replace ?? info.main;
    const { version, source } = mainModuleVersion(main.path, main.version, settings);
    packages.push({
      ...base(file, main.path, version),
      dependsOn: [...deps, ...(stdlib ? [stdlib] : [])].map((d) => d.name),
      metadata: common({
        mainModule: "true",
        versionSource: source,
        ...platform,
        ...(info.path ? { packagePath: info.path } : {}),
      }),
    });
  }
  packages.push(...deps);
  if (stdlib) packages.push(stdlib);
  return packages;
}

function dependencyPackage(file: FileInfo, dep: GoModule, metadata: Record<string, string>): Package {
  const replace = dep.replace;
  if (!replace) return { ...base(file, dep.path, dep.version), metadata: withSum(metadata, dep.sum) };
  if (replace.version) {
    return {
      ...base(file, replace.path, replace.version),
      metadata: { ...withSum(metadata, replace.sum), replaces: `${dep.path}@${dep.version}` },
    };
  }
  // A local directory replacement has no version: the code is not the published module's.
  return { ...base(file, dep.path, "(devel)"), metadata: { ...metadata, replacedBy: replace.path } };
}

function withSum(metadata: Record<string, string>, sum: string | undefined): Record<string, string> {
  return sum ? { ...metadata, h1Digest: sum } : metadata;
}

function base(file: FileInfo, name: string, version: string): Package {
  return {
    type: "golang",
    name,
    version,
    purl: golangPurl(name, version),
    licenses: [],
    cataloger: NAME,
    locations: [locationOf(file)],
  };
}

/** Go modules recorded in executables (ELF, PE, Mach-O) by the Go linker's build info. */
export const goBinaryCataloger: Cataloger = {
  name: NAME,
  wants: isExecutableCandidate,
  reduce,
  catalog,
  byContent: true,
};
