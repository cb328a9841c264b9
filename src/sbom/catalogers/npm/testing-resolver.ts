import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FileInfo } from "../../../oci/index.js";
import type { Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";

/**
 * An in-memory FileResolver for cataloger tests. It behaves as the image walker does: every path
 * is known through `info`, but only the files the cataloger `wants` are selected and readable, so
 * a test also checks the cataloger's file selection.
 */
export type MemoryFiles = Record<string, string | Buffer>;

export function fileInfoOf(path: string, size = 0): FileInfo {
  return { path, kind: "file", size, mode: 0o644, layerIndex: 0, layerDigest: "" };
}

export function memoryResolver(
  files: MemoryFiles,
  wants: (file: FileInfo) => boolean = () => true,
): FileResolver {
  const infos = new Map<string, FileInfo>();
  const bytes = new Map<string, Buffer>();
  for (const [path, content] of Object.entries(files)) {
    const buffer = typeof content === "string" ? Buffer.from(content) : content;
    const info = fileInfoOf(path, buffer.length);
    infos.set(path, info);
    if (wants(info)) bytes.set(path, buffer);
  }
  const selected = [...bytes.keys()].sort().map((path) => infos.get(path)!);
  return {
    info: (path) => infos.get(path),
    read: (path) => bytes.get(path),
    selected: () => selected,
    realPath: (path) => (infos.has(path) ? path : undefined),
  };
}

/** Loads a testdata folder into memory, rooted at `mountAt` ("/app" puts `x/y` at "/app/x/y"). */
export function filesFromDir(dir: string, mountAt = ""): MemoryFiles {
  const files: MemoryFiles = {};
  const walk = (at: string, rel: string): void => {
    for (const name of readdirSync(at)) {
      const full = join(at, name);
      if (statSync(full).isDirectory()) walk(full, `${rel}/${name}`);
      else files[`${mountAt}${rel}/${name}`] = readFileSync(full);
    }
  };
  walk(dir, "");
  return files;
}

export interface CatalogResult {
  packages: Package[];
  warnings: string[];
  /** Paths the cataloger selected, in path order. */
  selected: string[];
}

/** Runs a cataloger over in-memory files, collecting its warnings instead of printing them. */
export async function runCataloger(cataloger: Cataloger, files: MemoryFiles): Promise<CatalogResult> {
  const resolver = memoryResolver(files, (file) => cataloger.wants(file));
  const warnings: string[] = [];
  const context: CatalogContext = { warn: (message) => warnings.push(message) };
  const packages = await cataloger.catalog(resolver, context);
  return { packages, warnings, selected: [...resolver.selected()].map((file) => file.path) };
}

/** name@version of each package, the short form most assertions compare. */
export function ids(packages: readonly Package[]): string[] {
  return packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}
