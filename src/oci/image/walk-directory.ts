import { lstat, opendir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { ImageError } from "../errors.js";
import type { FileInfo, FileKind } from "./files.js";
import { resolveLimits, type WalkOptions } from "./options.js";
import { normalisePath, parentOf } from "./paths.js";
import { type FileNode, SquashedFileSystem } from "./squashed.js";
import type { WarnFn } from "./warnings.js";

/**
 * Reads a plain directory as an image root (`dir:`): one pseudo-layer, index 0, digest "". Symlinks
 * are recorded, never followed (lstat), so nothing outside `root` is read.
 */
export async function walkDirectory(root: string, options: WalkOptions = {}): Promise<SquashedFileSystem> {
  const limits = resolveLimits(options.limits);
  const consumers = options.consumers ?? [];
  const warnings: string[] = [];
  const warn: WarnFn = (message, code) => {
    warnings.push(message);
    options.warn?.(message, code);
  };
  try {
    if (!(await lstat(root)).isDirectory()) throw new Error("not a directory");
  } catch (err) {
    throw new ImageError("IMAGE_NOT_FOUND", `dir:${root} is not a readable directory`, { cause: err });
  }
  const nodes = new Map<string, FileNode>();
  const pending = ["/"];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const handle = await opendir(join(root, dir));
    for await (const dirent of handle) {
      if (nodes.size >= limits.maxEntries) {
        throw new ImageError(
          "LAYER_LIMIT_EXCEEDED",
          `dir:${root} has more than ${limits.maxEntries} entries`,
        );
      }
      const path = dir === "/" ? `/${dirent.name}` : `${dir}/${dirent.name}`;
      const host = join(root, path);
      const stats = await lstat(host);
      const kind: FileKind | undefined = stats.isFile()
        ? "file"
        : stats.isDirectory()
          ? "directory"
          : stats.isSymbolicLink()
            ? "symlink"
            : stats.isCharacterDevice() || stats.isBlockDevice()
              ? "device"
              : stats.isFIFO()
                ? "fifo"
                : undefined;
      if (kind === undefined) {
        warn(`dir:${root}: skipped ${path} (a socket)`, "ENTRY_SKIPPED");
        continue;
      }
      const info: FileInfo = {
        path,
        kind,
        size: kind === "file" ? stats.size : 0,
        mode: stats.mode & 0o7777,
        layerIndex: 0,
        layerDigest: "",
      };
      if (kind === "symlink") {
        info.linkTarget = await readlink(host);
        if (!info.linkTarget.startsWith("/") && normalisePath(info.linkTarget, parentOf(path)).escaped) {
          warn(`dir:${root}: symlink ${path} -> ${info.linkTarget} points outside the root`, "PATH_ESCAPES");
        }
      }
      if (kind === "directory") pending.push(path);
      const node: FileNode = { info };
      if (kind === "file") {
        const wanted = consumers.map((c, i) => (c.select(info) ? i : -1)).filter((i) => i >= 0);
        if (wanted.length > 0 && info.size > limits.maxFileBytes) {
          warn(
            `dir:${root}: ${path} is ${info.size} bytes, over the ${limits.maxFileBytes}-byte limit; not read`,
            "FILE_TOO_LARGE",
          );
        } else if (wanted.length > 0) {
          const bytes = await readFile(host);
          const content = new Map<number, Buffer>();
          for (const i of wanted) {
            const reduce = consumers[i]!.reduce;
            const kept = reduce ? reduce(info, bytes) : bytes;
            if (kept !== undefined) content.set(i, kept);
          }
          if (content.size > 0) node.content = content;
        }
      }
      nodes.set(path, node);
    }
  }
  return new SquashedFileSystem(nodes, [], warnings);
}
