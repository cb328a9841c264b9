import type { FileInfo } from "../../../oci/index.js";
import type { Cataloger } from "../cataloger.js";
import { catalogSelected, type LanguageCatalogerSpec } from "../language-files.js";
import { parseDepsJson } from "./deps-json.js";

export function isDepsJson(path: string): boolean {
  return path.endsWith(".deps.json") && path.lastIndexOf("/") < path.length - ".deps.json".length - 1;
}

const spec: LanguageCatalogerSpec = {
  name: "dotnet",
  type: "nuget",
  parserFor: (path) => (isDepsJson(path) ? parseDepsJson : undefined),
  // purl-spec nuget: the name keeps its case ("Newtonsoft.Json"), no namespace.
  purlParts: (name) => [undefined, name],
  maxBytes: 64 * 1024 * 1024,
};

/** .NET NuGet packages recorded in applications' deps.json files. */
export const dotnetCataloger: Cataloger = {
  name: "dotnet",
  wants: (file: FileInfo) => file.kind === "file" && isDepsJson(file.path),
  catalog: (resolver, context) => catalogSelected(spec, resolver, context),
};
