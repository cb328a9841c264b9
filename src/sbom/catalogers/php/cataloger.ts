import type { FileInfo } from "../../../oci/index.js";
import type { Cataloger } from "../cataloger.js";
import { catalogSelected, type LanguageCatalogerSpec, type TextParser } from "../language-files.js";
import { parseComposerLock, parseInstalledJson } from "./composer.js";

export function phpParserFor(path: string): TextParser | undefined {
  if (path.endsWith("/vendor/composer/installed.json")) return parseInstalledJson;
  // A composer.lock inside vendor/ belongs to a dependency's own development, not to the image.
  if (path.endsWith("/composer.lock") && !path.includes("/vendor/")) return parseComposerLock;
  return undefined;
}

const spec: LanguageCatalogerSpec = {
  name: "php",
  type: "composer",
  parserFor: phpParserFor,
  // purl-spec composer: "vendor/name" is namespace "vendor" and name "name".
  purlParts: (name) => {
    const slash = name.indexOf("/");
    return slash > 0 ? [name.slice(0, slash), name.slice(slash + 1)] : [undefined, name];
  },
  maxBytes: 64 * 1024 * 1024,
};

/** PHP Composer packages: installed vendor trees and project lockfiles. */
export const phpCataloger: Cataloger = {
  name: "php",
  wants: (file: FileInfo) => file.kind === "file" && phpParserFor(file.path) !== undefined,
  catalog: (resolver, context) => catalogSelected(spec, resolver, context),
};
