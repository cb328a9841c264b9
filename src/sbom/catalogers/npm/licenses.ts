import { isRecord } from "../language-files.js";

/**
 * Licences as package.json and package-lock.json record them: `license` as an SPDX string (the
 * documented form, docs.npmjs.com/cli/configuring-npm/package-json#license) or the deprecated
 * `{ "type": ... }` object, and the legacy `licenses` array of such objects (or strings). Some
 * packages also put an array in `license`; it is read the same way.
 */
export function npmLicenses(manifest: Record<string, unknown>): string[] {
  const found: string[] = [];
  collect(manifest.license, found);
  if (found.length === 0) collect(manifest.licenses, found);
  return [...new Set(found)];
}

function collect(value: unknown, into: string[]): void {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed) into.push(trimmed);
  } else if (Array.isArray(value)) {
    for (const item of value.slice(0, 32)) if (!Array.isArray(item)) collect(item, into);
  } else if (isRecord(value)) {
    collect(typeof value.type === "string" ? value.type : undefined, into);
  }
}
