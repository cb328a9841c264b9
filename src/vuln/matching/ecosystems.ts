import { PackageURL } from "packageurl-js";
import type { MatchableDistro, MatchablePackage } from "../model.js";

/** One lookup in the advisory database: an OSV ecosystem, the name OSV uses, the version to test. */
export interface AdvisoryQuery {
  ecosystem: string;
  name: string;
  version: string;
}

/**
 * Language ecosystems: purl type → OSV ecosystem (osv-schema "Defined ecosystems"). Maps, not
 * object literals: the keys come from packages (a type "constructor" must find nothing, not
 * Object.prototype's function).
 */
const LANGUAGE_ECOSYSTEMS: ReadonlyMap<string, string> = new Map([
  ["npm", "npm"],
  ["pypi", "PyPI"],
  ["golang", "Go"],
  ["maven", "Maven"],
  ["cargo", "crates.io"],
  ["gem", "RubyGems"],
  ["nuget", "NuGet"],
  ["composer", "Packagist"],
]);

/** Debian release codenames, for images whose os-release has no VERSION_ID (testing, sid point images). */
const DEBIAN_CODENAMES: ReadonlyMap<string, string> = new Map([
  ["wheezy", "7"],
  ["jessie", "8"],
  ["stretch", "9"],
  ["buster", "10"],
  ["bullseye", "11"],
  ["bookworm", "12"],
  ["trixie", "13"],
  ["forky", "14"],
]);

/**
 * The advisory lookups for one package. Distribution packages are looked up by their distro
 * release: OSV's Debian, Ubuntu and Alpine records are per SOURCE package ("Debian:12" `openssl`
 * covers the binary `libssl3`), so the source name is used when the cataloger recorded it.
 * `ecosystems` lists the ecosystems the database holds, for the families (Red Hat) whose OSV names
 * carry more than the release.
 */
export function advisoryQueries(
  pkg: MatchablePackage,
  distro: MatchableDistro | undefined,
  ecosystems: readonly string[] = [],
): AdvisoryQuery[] {
  const language = LANGUAGE_ECOSYSTEMS.get(pkg.type);
  if (language) return [{ ecosystem: language, name: languageName(pkg), version: languageVersion(pkg) }];
  if (!distro) return [];
  const sourceName = pkg.source?.name || pkg.name;
  const release = distroEcosystems(distro, pkg.type, ecosystems);
  switch (pkg.type) {
    case "deb":
      return release.map((ecosystem) => ({ ecosystem, name: sourceName, version: debVersion(pkg) }));
    case "apk":
      return release.map((ecosystem) => ({ ecosystem, name: sourceName, version: pkg.version }));
    case "rpm": {
      // Red Hat, Rocky and Alma records name binary rpms; try the source rpm's name as well.
      const names = [...new Set([pkg.name, sourceName])];
      return release.flatMap((ecosystem) =>
        names.map((name) => ({ ecosystem, name, version: rpmVersion(pkg) })),
      );
    }
    default:
      return [];
  }
}

/** The OSV ecosystems of a distro release for one package type; empty when OSV does not cover it. */
export function distroEcosystems(
  distro: MatchableDistro,
  type: string,
  ecosystems: readonly string[],
): string[] {
  const id = distro.id.toLowerCase();
  const version = distro.versionId ?? "";
  const major = version.split(".")[0] ?? "";
  if (type === "deb" && id === "debian") {
    const release = major || DEBIAN_CODENAMES.get(distro.versionCodename ?? "");
    return release ? [`Debian:${release}`] : [];
  }
  if (type === "deb" && id === "ubuntu" && version) {
    // OSV names LTS releases "Ubuntu:22.04:LTS" and interim ones "Ubuntu:23.10"; ask for both.
    return [`Ubuntu:${version}:LTS`, `Ubuntu:${version}`];
  }
  if (type === "apk") {
    if (id === "alpine") {
      const minor = version.split(".").slice(0, 2).join(".");
      return minor ? [`Alpine:v${minor}`] : [];
    }
    if (id === "wolfi") return ["Wolfi"];
    if (id === "chainguard") return ["Chainguard"];
    return [];
  }
  if (type === "rpm" && major) {
    if (id === "rocky") return [`Rocky Linux:${major}`];
    if (id === "almalinux") return [`AlmaLinux:${major}`];
    if (id === "rhel") {
      // OSV's Red Hat ecosystems read "Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:10.0",
      // "Red Hat:rhel_eus:9.2::baseos": take every RHEL one the database holds whose release is this major
      // (other Red Hat products, "Red Hat:jboss_...:7.4::el8", carry their own version numbers).
      return ecosystems.filter((e) => {
        const [vendor, product, release] = e.split(":");
        const rhel = product === "enterprise_linux" || product?.startsWith("rhel_");
        return vendor === "Red Hat" && rhel && (release === major || release?.startsWith(`${major}.`));
      });
    }
  }
  return [];
}

/** dpkg: a binNMU ("+b1") rebuilds the same source; OSV's fixed versions are source versions. */
function debVersion(pkg: MatchablePackage): string {
  if (pkg.source?.version && /\+b\d+$/.test(pkg.version)) return pkg.source.version;
  return pkg.version;
}

/** rpm: OSV's Red Hat family versions carry the epoch ("1:2.3-4.el9") when the package has one. */
function rpmVersion(pkg: MatchablePackage): string {
  const epoch = pkg.metadata?.epoch;
  if (epoch && epoch !== "0" && !pkg.version.includes(":")) return `${epoch}:${pkg.version}`;
  return pkg.version;
}

/** Maven "group:artifact" and Packagist "vendor/name" come from the purl when the name lacks them. */
function languageName(pkg: MatchablePackage): string {
  if (pkg.type === "golang" && (pkg.name === "go" || pkg.name === "stdlib")) return "stdlib";
  if (
    (pkg.type === "maven" && !pkg.name.includes(":")) ||
    (pkg.type === "composer" && !pkg.name.includes("/"))
  ) {
    try {
      const purl = PackageURL.fromString(pkg.purl);
      if (purl.namespace)
        return pkg.type === "maven" ? `${purl.namespace}:${purl.name}` : `${purl.namespace}/${purl.name}`;
    } catch {
      // An unreadable purl leaves the name as given.
    }
  }
  return pkg.name;
}

/**
 * Go's OSV ranges are SemVer without the "v". The standard library's version is a toolchain name,
 * "go1.21.4", "go1.21" (the .0 release), "go1.22rc2": the Go vulnerability database writes those
 * as 1.21.4, 1.21.0 and 1.22.0-rc.2.
 */
function languageVersion(pkg: MatchablePackage): string {
  if (pkg.type !== "golang") return pkg.version;
  const version = pkg.version.replace(/^go/, "").replace(/^v/, "");
  const toolchain = /^(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(version);
  if (!toolchain) return version;
  const [, major, minor, patch, pre, preNumber] = toolchain;
  return `${major}.${minor}.${patch ?? "0"}${pre ? `-${pre}.${preNumber}` : ""}`;
}
