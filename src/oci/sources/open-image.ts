import { stat } from "node:fs/promises";
import { ImageError } from "../errors.js";
import { parseImageReference } from "../reference.js";
import { openDockerArchive } from "./docker-archive.js";
import { folderTree } from "./files.js";
import { openLayout } from "./layout.js";
import { openRegistryImage } from "./registry.js";
import { openTarTree } from "./tar-index.js";
import type { OpenedImage, OpenImageOptions } from "./types.js";

/**
 * Opens an image named the way skopeo/containers-image name transports:
 *   NAME[:TAG|@DIGEST]          a registry reference ("alpine:3.19", "localhost:5000/app:1")
 *   oci:DIR[:TAG]               an OCI image layout folder
 *   oci-archive:FILE[:TAG]      a tar of an OCI image layout, read in place
 *   docker-archive:FILE[:REF]   a `docker save` tar
 *   dir:ROOTFS                  a plain folder (kind "directory": no manifest, no digests)
 * A "docker://" prefix is accepted for registry references. The path ends at the last ":" after
 * the last "/", so "oci:/tmp/x:v1" is folder /tmp/x, tag v1.
 */
export async function openImage(spec: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  const transport = /^(oci|oci-archive|docker-archive|dir|docker):/.exec(spec)?.[1];
  if (transport === undefined || transport === "docker") {
    const ref = parseImageReference(transport === "docker" ? spec.replace(/^docker:(\/\/)?/, "") : spec);
    return openRegistryImage(ref, options);
  }
  const rest = spec.slice(transport.length + 1);
  if (transport === "dir") {
    const ok = await stat(rest).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!ok) throw new ImageError("IMAGE_NOT_FOUND", `dir:${rest} is not a directory`);
    return { kind: "directory", description: spec, root: rest, close: async () => {} };
  }
  const { path, tag } =
    transport === "docker-archive" ? await splitArchiveReference(rest) : splitPathAndTag(rest);
  if (path === "") throw new ImageError("IMAGE_NOT_FOUND", `${spec}: no path given`);
  if (transport === "oci") {
    const ok = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!ok) throw new ImageError("IMAGE_NOT_FOUND", `oci:${path} is not a directory`);
    return openLayout(folderTree(path, `oci:${path}`), tag, options, spec);
  }
  const tree = await openTarTree(path, `${transport}:${path}`);
  try {
    return transport === "oci-archive"
      ? await openLayout(tree, tag, options, spec)
      : await openDockerArchive(tree, tag, options, spec);
  } catch (err) {
    await tree.close();
    throw err;
  }
}

export function splitPathAndTag(rest: string): { path: string; tag?: string } {
  const colon = rest.lastIndexOf(":");
  if (colon === -1 || colon < rest.lastIndexOf("/")) return { path: rest };
  const tag = rest.slice(colon + 1);
  return tag === "" ? { path: rest.slice(0, colon) } : { path: rest.slice(0, colon), tag };
}

/** docker-archive:FILE[:REF], where REF may itself hold colons ("app:1"): the path is the shortest prefix naming a file. */
async function splitArchiveReference(rest: string): Promise<{ path: string; tag?: string }> {
  const isFile = (p: string) =>
    stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  if (await isFile(rest)) return { path: rest };
  for (let colon = rest.indexOf(":"); colon !== -1; colon = rest.indexOf(":", colon + 1)) {
    if (await isFile(rest.slice(0, colon))) {
      const tag = rest.slice(colon + 1);
      return tag === "" ? { path: rest.slice(0, colon) } : { path: rest.slice(0, colon), tag };
    }
  }
  return { path: rest };
}
