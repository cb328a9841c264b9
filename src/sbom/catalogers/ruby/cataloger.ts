import type { FileInfo } from "../../../oci/index.js";
import type { Cataloger } from "../cataloger.js";
import { catalogSelected, type LanguageCatalogerSpec, type TextParser } from "../language-files.js";
import { parseGemfileLock } from "./gemfile-lock.js";
import { parseGemspec } from "./gemspec.js";

/** A gem unpacked under a GEM_HOME (`gems/rack-3.0.8/`) may ship its own lockfile: not the image's. */
const INSIDE_INSTALLED_GEM = /\/gems\/[^/]+-\d[^/]*\//;

export function rubyParserFor(path: string): TextParser | undefined {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base.endsWith(".gemspec")) {
    // Default gems (shipped with Ruby itself, json and openssl among them) sit in specifications/default/.
    const dir = path.slice(0, slash);
    return dir.endsWith("/specifications") || dir.endsWith("/specifications/default")
      ? parseGemspec
      : undefined;
  }
  if (base === "Gemfile.lock" || base === "gems.locked") {
    return INSIDE_INSTALLED_GEM.test(path) ? undefined : parseGemfileLock;
  }
  return undefined;
}

const spec: LanguageCatalogerSpec = {
  name: "ruby",
  type: "gem",
  parserFor: rubyParserFor,
  purlParts: (name) => [undefined, name],
  maxBytes: 32 * 1024 * 1024,
};

/** Ruby gems: installed gems' specifications and Bundler lockfiles. */
export const rubyCataloger: Cataloger = {
  name: "ruby",
  wants: (file: FileInfo) => file.kind === "file" && rubyParserFor(file.path) !== undefined,
  catalog: (resolver, context) => catalogSelected(spec, resolver, context),
};
