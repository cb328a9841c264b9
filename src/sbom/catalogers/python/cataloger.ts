import type { FileInfo } from "../../../oci/index.js";
import type { Cataloger } from "../cataloger.js";
import { catalogSelected, type LanguageCatalogerSpec } from "../language-files.js";
import { normalizePythonName, parsePythonMetadata } from "./metadata.js";

/**
 * True for installed-distribution metadata, wherever the environment lives (site-packages,
 * dist-packages, a virtualenv): `<dist>.dist-info/METADATA`, `<dist>.egg-info/PKG-INFO`,
 * `<egg>/EGG-INFO/PKG-INFO`, and a `<dist>.egg-info` file. Directory suffixes are matched without
 * regard to case, as some tools write `DIST-INFO`.
 */
export function isPythonMetadata(path: string): boolean {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base === "METADATA" || base === "PKG-INFO") {
    const parent = path.slice(path.lastIndexOf("/", slash - 1) + 1, slash).toLowerCase();
    return base === "METADATA"
      ? parent.endsWith(".dist-info")
      : parent.endsWith(".egg-info") || parent === "egg-info";
  }
  return base.length > 9 && base.toLowerCase().endsWith(".egg-info");
}

const spec: LanguageCatalogerSpec = {
  name: "python",
  type: "pypi",
  parserFor: (path) => (isPythonMetadata(path) ? parsePythonMetadata : undefined),
  // purl-spec pypi: the name is normalised (lower case, "_" as "-"); PEP 503 says the same.
  purlParts: (name) => [undefined, normalizePythonName(name)],
  maxBytes: 64 * 1024 * 1024,
};

/** Python distributions installed in an image, from their dist-info and egg-info metadata. */
export const pythonCataloger: Cataloger = {
  name: "python",
  wants: (file: FileInfo) => file.kind === "file" && isPythonMetadata(file.path),
  catalog: (resolver, context) => catalogSelected(spec, resolver, context),
};
