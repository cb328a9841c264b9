import type { PackageDraft } from "../language-files.js";
import { parseHeaders } from "./headers.js";

/**
 * One installed distribution's METADATA (wheel installs, `*.dist-info/`) or PKG-INFO (setuptools
 * installs, `*.egg-info/PKG-INFO` or a bare `*.egg-info` file), both in the core metadata format.
 */
export function parsePythonMetadata(text: string): PackageDraft[] {
  const fields = parseHeaders(text);
  const name = first(fields, "name");
  const version = first(fields, "version");
  if (!name && !version) {
    // An empty egg-info file (left by some distro packages) describes nothing; anything else is broken.
    if (text.trim() === "") return [];
    throw new Error("no Name or Version field");
  }
  return [
    { name, version, licenses: licensesOf(fields), dependsOn: requirementNames(fields.get("requires-dist")) },
  ];
}

function first(fields: Map<string, string[]>, key: string): string {
  return fields.get(key)?.[0]?.trim() ?? "";
}

/**
 * PEP 639's License-Expression (an SPDX expression) wins; then the older free-text License field
 * unless it is "UNKNOWN" (setuptools' placeholder) or a whole licence text pasted in; then the
 * Trove classifiers "License :: OSI Approved :: MIT License", taken by their last segment.
 */
function licensesOf(fields: Map<string, string[]>): string[] {
  const expression = first(fields, "license-expression");
  if (expression) return [expression];
  const license = first(fields, "license");
  const usable = license !== "" && license.toUpperCase() !== "UNKNOWN";
  if (usable && !license.includes("\n")) return [license];
  const classifiers: string[] = [];
  for (const classifier of fields.get("classifier") ?? []) {
    const parts = classifier.split("::").map((part) => part.trim());
    const last = parts.at(-1);
    if (parts[0] === "License" && parts.length > 1 && last && last !== "OSI Approved") classifiers.push(last);
  }
  if (classifiers.length > 0) return [...new Set(classifiers)];
  return usable ? [license.slice(0, license.indexOf("\n")).trim()] : [];
}

/**
 * Requires-Dist values are PEP 508 requirements: `name[extra1,extra2] (>=1.0) ; marker`. Only the
 * name is kept, normalised as PEP 503 says. Requirements whose marker mentions `extra` apply only
 * when that optional extra is requested, so they are not dependencies of the installed package.
 */
export function requirementNames(requirements: readonly string[] | undefined): string[] {
  const names = new Set<string>();
  for (const requirement of requirements ?? []) {
    const semicolon = requirement.indexOf(";");
    if (semicolon >= 0 && /\bextra\b/.test(requirement.slice(semicolon + 1))) continue;
    const match = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement);
    if (match?.[1]) names.add(normalizePythonName(match[1]));
  }
  return [...names];
}

/** PEP 503: lower case, runs of "-", "_" and "." become one "-". */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}
