import type { FileInfo } from "../../oci/index.js";
import type { FileResolver } from "../catalogers/cataloger.js";
import type { Distro } from "../model.js";
import { parseOsRelease } from "./os-release.js";
import { lsbToDistro, parseAlpineRelease, parseDebianVersion, parseRedHatRelease } from "./release-files.js";

/** os-release first (systemd's lookup order: /etc before /usr/lib), then the older release files. */
const OS_RELEASE_PATHS = ["/etc/os-release", "/usr/lib/os-release"] as const;

/** Fallbacks in order: the most specific file wins (CentOS also ships redhat-release, a symlink). */
const RELEASE_FILES: ReadonlyArray<readonly [string, (text: string) => Distro | undefined]> = [
  ["/etc/lsb-release", (text) => lsbToDistro(parseOsRelease(text))],
  ["/etc/centos-release", parseRedHatRelease],
  ["/etc/redhat-release", parseRedHatRelease],
  ["/etc/system-release", parseRedHatRelease],
  ["/etc/alpine-release", parseAlpineRelease],
  ["/etc/debian_version", parseDebianVersion],
];

const DISTRO_FILES = new Set<string>([...OS_RELEASE_PATHS, ...RELEASE_FILES.map(([path]) => path)]);

/** Release files are a few hundred bytes; anything far larger is not one. */
const MAX_RELEASE_FILE_SIZE = 64 * 1024;

/**
 * The files detectDistro reads, for the layer walker's selector. /etc/os-release is usually a
 * symlink to ../usr/lib/os-release, and the walker selects only regular files, so the target's
 * path is in the list too.
 */
export function distroFileSelector(file: FileInfo): boolean {
  return DISTRO_FILES.has(file.path) && file.size <= MAX_RELEASE_FILE_SIZE;
}

/** Identifies the operating system of a file system, or undefined when nothing says. */
export function detectDistro(resolver: FileResolver): Distro | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const text = readText(resolver, path);
    if (text === undefined) continue;
    const distro = osReleaseToDistro(parseOsRelease(text));
    if (distro) return distro;
  }
  for (const [path, parse] of RELEASE_FILES) {
    const text = readText(resolver, path);
    const distro = text === undefined ? undefined : parse(text);
    if (distro) return distro;
  }
  return undefined;
}

/** Maps os-release fields onto Distro. ID defaults to "linux" per the spec, which tells us nothing. */
export function osReleaseToDistro(fields: ReadonlyMap<string, string>): Distro | undefined {
  const id = fields.get("ID")?.trim().toLowerCase();
  if (!id) return undefined;
  const distro: Distro = { id };
  const versionId = fields.get("VERSION_ID")?.trim();
  if (versionId) distro.versionId = versionId;
  const codename = fields.get("VERSION_CODENAME")?.trim();
  if (codename) distro.versionCodename = codename;
  const pretty = fields.get("PRETTY_NAME")?.trim();
  if (pretty) distro.prettyName = pretty;
  const idLike = fields.get("ID_LIKE")?.trim();
  if (idLike) distro.idLike = idLike.toLowerCase().split(/\s+/);
  return distro;
}

function readText(resolver: FileResolver, path: string): string | undefined {
  const real = resolver.realPath(path);
  if (real === undefined) return undefined;
  return resolver.read(real)?.toString("utf8");
}
