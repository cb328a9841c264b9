/**
 * Licences named in /usr/share/doc/<package>/copyright. Machine-readable files (DEP-5,
 * https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/) carry "License:" fields
 * whose first line is a short name or an expression of short names joined by "or", "and" and
 * "with" (§7.2); free text on that line means the file only imitates the format, and is ignored.
 * Free-form files usually point at the shared texts in /usr/share/common-licenses/<name>, read
 * as a mention of that licence. The pointers count only when there are no License fields: DEP-5
 * files repeat them in their licence texts ("GPL-2+" then ".../common-licenses/GPL-2").
 */
export function parseCopyrightLicenses(text: string): string[] {
  const licenses = new Set<string>();
  for (const match of text.matchAll(/^License:[ \t]*([^\r\n]*)/gim)) {
    const value = match[1]!.trim().replace(/[,.;]+$/, "");
    if (isLicenseExpression(value)) licenses.add(value);
  }
  if (licenses.size > 0) return [...licenses];
  for (const match of text.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9][A-Za-z0-9.+_-]*)/g)) {
    licenses.add(match[1]!.replace(/\.$/, ""));
  }
  return [...licenses];
}

/** DEP-5 short names: letters, digits, ".", "+", "-", "_" ("GPL-2+", "BSD-3-clause", "public-domain"). */
const SHORT_NAME = /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/;
const CONNECTIVE = /\s*,?\s+(?:or|and|with)\s+|\s*,\s*/i;

function isLicenseExpression(value: string): boolean {
  // "none" is DEP-5's word for "no licence grant", not a licence.
  if (value === "" || value.toLowerCase() === "none") return false;
  return value.split(CONNECTIVE).every((part) => SHORT_NAME.test(part));
}
