import type { FileInfo } from "../../../oci/index.js";
import type { Cataloger, FileResolver } from "../cataloger.js";
import { catalogSelected, type LanguageCatalogerSpec, type TextParser } from "../language-files.js";
import { parseInstalledPackageJson } from "./package-json.js";
import { parsePackageLock } from "./package-lock.js";
import { npmFileKind } from "./paths.js";
import { parsePnpmLock } from "./pnpm-lock.js";
import { parseYarnLock } from "./yarn-lock.js";

const parsers: Record<string, TextParser | undefined> = {
  installed: (text) => parseInstalledPackageJson(text),
  "package-lock": (text, file, resolver) => parsePackageLock(text, installedBeside(file, resolver)),
  "yarn-lock": (text, file, resolver) => parseYarnLock(text, file.path, resolver),
  "pnpm-lock": (text) => parsePnpmLock(text),
};

/**
 * When the project's node_modules is in the image, a lockfile entry counts only if its folder is there
 * too; without node_modules, the lockfile is the only evidence and every entry counts.
 */
function installedBeside(lockfile: FileInfo, resolver: FileResolver): (key: string) => boolean {
  const dir = lockfile.path.slice(0, lockfile.path.lastIndexOf("/"));
  if (resolver.info(`${dir}/node_modules`) === undefined) return () => true;
  return (key) => resolver.info(`${dir}/${key}`) !== undefined;
}

const spec: LanguageCatalogerSpec = {
  name: "npm",
  type: "npm",
  parserFor: (path) => parsers[npmFileKind(path) ?? ""],
  purlParts: (name) => {
    // purl-spec npm: the scope ("@babel") is the namespace, percent-encoded by packageurl-js.
    const slash = name.startsWith("@") ? name.indexOf("/") : -1;
    return slash > 0 ? [name.slice(0, slash), name.slice(slash + 1)] : [undefined, name];
  },
  // Lockfiles of large monorepos reach tens of megabytes; a manifest never comes close.
  maxBytes: 128 * 1024 * 1024,
};

/**
 * Node.js packages: installed packages' manifests under node_modules (global installs in
 * /usr/lib/node_modules and /usr/local/lib/node_modules included) and the npm, Yarn and pnpm
 * lockfiles of projects outside node_modules.
 */
export const npmCataloger: Cataloger = {
  name: "npm",
  wants: (file: FileInfo) => file.kind === "file" && npmFileKind(file.path) !== undefined,
  catalog: (resolver, context) => catalogSelected(spec, resolver, context),
};
