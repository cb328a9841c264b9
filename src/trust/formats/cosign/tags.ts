import { isValidDigest } from "../../../core/index.js";
import { TrustError } from "../../errors.js";

/**
 * cosign's tag scheme (cosign pkg/oci/remote: signatures, attestations and SBOMs of an image live
 * in the same repository under a tag derived from its digest): `sha256:<hex>` → `sha256-<hex>.sig`.
 */
export type CosignArtifactKind = "sig" | "att" | "sbom";

const TAG = /^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})\.(sig|att|sbom)$/;

export function cosignTag(digest: string, kind: CosignArtifactKind): string {
  if (!isValidDigest(digest))
    throw new TrustError("INVALID_ARGUMENT", `not a digest: ${JSON.stringify(digest.slice(0, 80))}`);
  return `${digest.replace(":", "-")}.${kind}`;
}

/** The image digest and artifact kind a cosign tag names, or undefined for any other tag. */
export function parseCosignTag(tag: string): { digest: string; kind: CosignArtifactKind } | undefined {
  const m = TAG.exec(tag);
  if (!m) return undefined;
  const digest = `${m[1]}:${m[2]}`;
  if (!isValidDigest(digest)) return undefined;
  return { digest, kind: m[3] as CosignArtifactKind };
}
