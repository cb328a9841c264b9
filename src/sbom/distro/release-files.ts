import type { Distro } from "../model.js";

/**
 * The distributions' own release files, read when os-release is missing (Debian before 7,
 * CentOS 5 and 6, old Amazon Linux, Alpine before 3.x shipped os-release inconsistently).
 * Each returns the Distro its os-release would have described, so matching sees one spelling.
 */

/** /etc/debian_version: "12.5", "9.13", or "bookworm/sid" on testing; os-release VERSION_ID is the major. */
export function parseDebianVersion(text: string): Distro | undefined {
  const value = text.trim();
  if (value === "") return undefined;
  const numeric = /^(\d+)(?:\.\d+)*$/.exec(value);
  if (numeric) return { id: "debian", versionId: numeric[1] };
  const codename = /^([a-z]+)\/sid$/.exec(value);
  return codename ? { id: "debian", versionCodename: codename[1] } : { id: "debian" };
}

/** /etc/alpine-release: "3.19.1", the same string os-release puts in VERSION_ID. */
export function parseAlpineRelease(text: string): Distro | undefined {
  const value = text.trim();
  return /^\d+(\.\d+)*([._-]\w+)?$/.test(value) ? { id: "alpine", versionId: value } : undefined;
}

/** Vendor names in /etc/*-release lines, mapped to the os-release ID that vendor uses. */
const RELEASE_VENDORS: ReadonlyArray<readonly [RegExp, string, "major" | "full"]> = [
  [/^CentOS Stream\b/i, "centos", "major"],
  [/^CentOS\b/i, "centos", "major"],
  [/^Red Hat Enterprise Linux\b/i, "rhel", "full"],
  [/^Rocky Linux\b/i, "rocky", "full"],
  [/^AlmaLinux\b/i, "almalinux", "full"],
  [/^Oracle Linux\b/i, "ol", "full"],
  [/^Fedora\b/i, "fedora", "full"],
  [/^Amazon Linux\b/i, "amzn", "full"],
  [/^Scientific Linux\b/i, "scientific", "full"],
];

/**
 * /etc/redhat-release, /etc/centos-release, /etc/system-release: one line such as
 * "CentOS release 6.10 (Final)", "CentOS Linux release 7.9.2009 (Core)",
 * "Red Hat Enterprise Linux Server release 7.9 (Maipo)", "Amazon Linux AMI release 2018.03".
 * CentOS's os-release gives only the major version ("7"), so we do too.
 */
export function parseRedHatRelease(text: string): Distro | undefined {
  const line = text.split(/\r?\n/, 1)[0]?.trim() ?? "";
  const match = /^(.*?)\s+release\s+(\d+(?:\.\d+)*)/i.exec(line);
  if (!match) return undefined;
  const [, vendor = "", version = ""] = match;
  for (const [pattern, id, precision] of RELEASE_VENDORS) {
    if (!pattern.test(vendor)) continue;
    const versionId = precision === "major" ? version.split(".")[0] : version;
    return { id, versionId, prettyName: line };
  }
  return undefined;
}

/** /etc/lsb-release (Ubuntu before os-release): DISTRIB_ID, DISTRIB_RELEASE, DISTRIB_CODENAME. */
export function lsbToDistro(fields: ReadonlyMap<string, string>): Distro | undefined {
  const id = fields.get("DISTRIB_ID")?.trim().toLowerCase();
  if (!id) return undefined;
  const distro: Distro = { id };
  const versionId = fields.get("DISTRIB_RELEASE");
  if (versionId) distro.versionId = versionId;
  const codename = fields.get("DISTRIB_CODENAME");
  if (codename) distro.versionCodename = codename;
  const pretty = fields.get("DISTRIB_DESCRIPTION");
  if (pretty) distro.prettyName = pretty;
  return distro;
}
