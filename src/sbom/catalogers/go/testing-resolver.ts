import type { FileInfo } from "../../../oci/index.js";
import type { Package } from "../../model.js";
import type { Cataloger, FileResolver } from "../cataloger.js";

/**
 * Test support: an in-memory image file system and a runner that drives a cataloger the way the
 * layer walker does (wants before reading, reduce right after, only reduced bytes kept, then catalog).
 * It lives here until a shared place for cataloger test helpers exists.
 */

export interface MemoryFile {
  path: string;
  bytes?: Buffer;
  mode?: number;
  kind?: FileInfo["kind"];
  linkTarget?: string;
  layerIndex?: number;
}

export class MemoryResolver implements FileResolver {
  private readonly infos = new Map<string, FileInfo>();
  private readonly kept = new Map<string, Buffer>();

  add(info: FileInfo, kept?: Buffer): void {
    this.infos.set(info.path, info);
    if (kept) this.kept.set(info.path, kept);
  }
  info(path: string): FileInfo | undefined {
    return this.infos.get(path);
  }
  read(path: string): Buffer | undefined {
    return this.kept.get(path);
  }
  *selected(): Iterable<FileInfo> {
    for (const path of [...this.kept.keys()].sort()) yield this.infos.get(path)!;
  }
  realPath(path: string): string | undefined {
    let current = path;
    for (let hops = 0; hops < 40; hops++) {
      const info = this.infos.get(current);
      if (!info) return undefined;
      if (info.kind !== "symlink" || !info.linkTarget) return current;
      const target = info.linkTarget;
      const joined = target.startsWith("/")
        ? target
        : `${current.slice(0, current.lastIndexOf("/"))}/${target}`;
      current = normalise(joined);
    }
    return undefined;
  }
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

export function fileInfo(file: MemoryFile): FileInfo {
  const kind = file.kind ?? "file";
  return {
    path: file.path,
    kind,
    size: kind === "file" ? (file.bytes?.length ?? 0) : 0,
    mode: file.mode ?? 0o644,
    ...(file.linkTarget ? { linkTarget: file.linkTarget } : {}),
    layerIndex: file.layerIndex ?? 0,
    layerDigest: `sha256:${"0".repeat(64)}`,
  };
}

export interface CatalogRun {
  packages: Package[];
  warnings: string[];
  /** Paths the cataloger wanted, and how many bytes reduce kept of each. */
  kept: Map<string, number>;
}

/** Runs one cataloger over the files as the walker will: wants, read, reduce, then catalog. */
export async function runCataloger(cataloger: Cataloger, files: MemoryFile[]): Promise<CatalogRun> {
  const resolver = new MemoryResolver();
  const kept = new Map<string, number>();
  for (const file of files) {
    const info = fileInfo(file);
    if (info.kind !== "file" || !cataloger.wants(info)) {
      resolver.add(info);
      continue;
    }
    const bytes = file.bytes ?? Buffer.alloc(0);
    const reduced = cataloger.reduce ? cataloger.reduce(info, bytes) : bytes;
    if (reduced) kept.set(info.path, reduced.length);
    resolver.add(info, reduced);
  }
  const warnings: string[] = [];
  const packages = await cataloger.catalog(resolver, { warn: (message) => warnings.push(message) });
  return { packages, warnings, kept };
}

/** name@version lines, sorted: the compact form tests compare package lists with. */
export function nameVersions(packages: Package[]): string[] {
  return packages.map((p) => `${p.name}@${p.version}`).sort();
}
