import type { ParsedDigest } from "../core/index.js";

/**
 * The blob store layout. The registry alone knows it; drivers see only opaque paths.
 *
 *   blobs/<algorithm>/<first two hex>/<hex>   committed content, immutable, named by its digest
 *   uploads/<uuid>                            bytes of an upload in progress (or of a monolithic push)
 *
 * Manifests are not here: their bytes live in the metadata database with their tags.
 */
export const BLOBS_ROOT = "blobs";
export const UPLOADS_ROOT = "uploads";

export function blobPath(digest: ParsedDigest): string {
  return `${BLOBS_ROOT}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}`;
}

export function uploadPath(id: string): string {
  return `${UPLOADS_ROOT}/${id}`;
}

/** The digest a blob path names, or undefined for anything else found under blobs/. */
export function digestFromBlobPath(path: string): string | undefined {
  const m = path.match(/^blobs\/(sha256|sha512)\/[a-f0-9]{2}\/([a-f0-9]+)$/);
  return m ? `${m[1]}:${m[2]}` : undefined;
}
