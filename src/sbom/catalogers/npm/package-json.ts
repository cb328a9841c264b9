import { isRecord, keysOf, type PackageDraft } from "../language-files.js";
import { npmLicenses } from "./licenses.js";

/**
 * The manifest of an installed package (node_modules/<name>/package.json). Only name, version,
 * licence and dependency names are kept: an image can hold tens of thousands of these.
 */
export function parseInstalledPackageJson(text: string): PackageDraft[] {
  const manifest: unknown = JSON.parse(text);
  if (!isRecord(manifest)) throw new Error("package.json is not a JSON object");
  const { name, version } = manifest;
  // Some packages ship marker manifests ({"type": "module"}) that name no package: not an error.
  if (typeof name !== "string" || typeof version !== "string") return [];
  return [
    {
      name: name.trim(),
      version: version.trim(),
      licenses: npmLicenses(manifest),
      dependsOn: keysOf(manifest.dependencies),
    },
  ];
}
