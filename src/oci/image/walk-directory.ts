import { lstat, opendir, readFile, readlink, realpath } from "node:fs/promises";
import { join } from "node:path";
import { ImageError } from "../errors.js";
import type { FileInfo, FileKind, LinkIssue } from "./files.js";
import { planSelections } from "./links.js";
import { resolveLimits, type WalkLimits, type WalkOptions } from "./options.js";
import { normalisePath, parentOf } from "./paths.js";
import { SquashedFileSystem } from "./squashed.js";
import type { ContentSource, FileNode } from "./tree-builder.js";
import type { WarnFn } from "./warnings.js";

/**
 * Reads a plain directory as an image root (`dir:`): one pseudo-layer, index 0, digest "". Symlinks
 * are recorded, never followed by the host (lstat), so nothing outside `root` is read: a link is
 * resolved inside our own tree (resolve.ts), and a file a link makes wanted is read again only after
 * checking that its real host path is still the one under `root` the tree names.
 */
export async function walkDirectory(root: string, options: WalkOptions = {}): Promise<SquashedFileSystem> {
  const limits = resolveLimits(options.limits);
  const consumers = options.consumers ?? [];
  const warnings: string[] = [];
  const warn: WarnFn = (message, code) => {
    warnings.push(message);
    options.warn?.(message, code);
  };
  const issues: LinkIssue[] = [];
  const unresolved = (issue: LinkIssue) => {
    issues.push(issue);
    warn(issue.message, issue.code);
  };
  let realRoot: string;
  try {
    if (!(await lstat(root)).isDirectory()) throw new Error("not a directory");
    realRoot = await realpath(root);
  } catch (err) {
    throw new ImageError("IMAGE_NOT_FOUND", `dir:${root} is not a readable directory`, { cause: err });
  }
  const nodes = new Map<string, FileNode>();
  const pending = ["/"];
  let position = 0;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const handle = await opendir(join(realRoot, dir));
    for await (const dirent of handle) {
      if (nodes.size >= limits.maxEntries) {
        throw new ImageError(
          "LAYER_LIMIT_EXCEEDED",
          `dir:${root} has more than ${limits.maxEntries} entries`,
        );
      }
      const path = dir === "/" ? `/${dirent.name}` : `${dir}/${dirent.name}`;
      const host = join(realRoot, path);
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
        const source: ContentSource = { layer: 0, entry: position++, path };
        node.source = source;
        const wanted = consumers.map((c, i) => (c.select(info) ? i : -1)).filter((i) => i >= 0);
        node.selectedBy = wanted;
        await readInto(host, info, source, wanted, options, limits, warn, root);
      }
      nodes.set(path, node);
    }
  }
  const plan = planSelections(nodes, consumers, limits.maxLinkedPaths, unresolved);
  for (const fetch of plan.fetches.get(0)?.values() ?? []) {
    const host = join(realRoot, fetch.source.path);
    // The tree saw only directories on the way to this file; refuse it if the host now says otherwise.
    const real = await realpath(host).catch(() => undefined);
    const stats = real === host ? await lstat(host).catch(() => undefined) : undefined;
    if (stats === undefined || !stats.isFile()) {
      unresolved({
        code: "LINK_UNRESOLVED",
        path: fetch.info.path,
        message: `dir:${root}: ${fetch.source.path} changed while it was read; ${fetch.info.path} is not catalogued`,
      });
      continue;
    }
    await readInto(host, fetch.info, fetch.source, fetch.consumers, options, limits, warn, root);
  }
  return new SquashedFileSystem(nodes, [], warnings, plan.selections, issues);
}

async function readInto(
  host: string,
  info: FileInfo,
  source: ContentSource,
  wanted: readonly number[],
  options: WalkOptions,
  limits: WalkLimits,
  warn: WarnFn,
  root: string,
): Promise<void> {
  if (wanted.length === 0) return;
  source.done ??= new Set();
  for (const i of wanted) source.done.add(i);
  if (info.size > limits.maxFileBytes) {
    warn(
      `dir:${root}: ${info.path} is ${info.size} bytes, over the ${limits.maxFileBytes}-byte limit; not read`,
      "FILE_TOO_LARGE",
    );
    return;
  }
  const bytes = await readFile(host);
  for (const i of wanted) {
    const reduce = options.consumers![i]!.reduce;
    const kept = reduce ? reduce(info, bytes) : bytes;
    if (kept === undefined) continue;
    source.content ??= new Map();
    source.content.set(i, kept);
  }
}
