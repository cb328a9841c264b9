import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { ImageError } from "../errors.js";
import { normalisePath } from "../image/paths.js";

/** Read access to a tree of files: a folder on disk, or the entries of a tar archive (see tar-index.ts). */
export interface FileTree {
  readonly description: string;
  /** Size of the file at a relative path, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  /** The file's bytes as a stream; throws IMAGE_NOT_FOUND when missing. */
  open(path: string): Promise<Readable>;
  close(): Promise<void>;
}

/** Reads a small file whole; undefined when missing; IMAGE_UNREADABLE when larger than `max`. */
export async function readSmall(tree: FileTree, path: string, max: number): Promise<Buffer | undefined> {
  const size = await tree.size(path);
  if (size === undefined) return undefined;
  if (size > max)
    throw new ImageError("IMAGE_UNREADABLE", `${tree.description}: ${path} is over ${max} bytes`);
  const chunks: Buffer[] = [];
  for await (const chunk of await tree.open(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A folder on disk. Paths are normalised and joined under the root, so "../x" cannot leave it. */
export function folderTree(root: string, description: string): FileTree {
  const resolve = (path: string) => join(root, normalisePath(path).path);
  return {
    description,
    async size(path) {
      try {
        const stats = await stat(resolve(path));
        return stats.isFile() ? stats.size : undefined;
      } catch {
        return undefined;
      }
    },
    async open(path) {
      const handle = await open(resolve(path), "r").catch((err: unknown) => {
        throw new ImageError("IMAGE_NOT_FOUND", `${description}: ${path} is missing`, { cause: err });
      });
      return handle.createReadStream({ highWaterMark: 1024 * 1024 });
    },
    async close() {},
  };
}
