import { TrustError } from "../../errors.js";
import { MEDIA_TYPE_SIMPLE_SIGNING } from "../../payloads/simple-signing.js";
import { verifyKeylessCosignSignature } from "../cosign/keyless.js";
import { type CosignSignature, readCosignLayer } from "../cosign/parse.js";
import { verifyCosignSignature } from "../cosign/verify.js";
import type { FormatVerification, SignatureFormat } from "../format.js";

const id = "cosign-signature";

/** A layer of a cosign `sha256-<hex>.sig` image (simple signing payload, signature annotation). */
export const cosignSignatureFormat: SignatureFormat = {
  id,
  mediaTypes: [MEDIA_TYPE_SIMPLE_SIGNING],
  verify(stored, expected, anchor): FormatVerification {
    if (anchor.kind === "x509") {
      return {
        ok: false,
        format: id,
        reason: "UNTRUSTED",
        message: "cosign signatures need a key or a Sigstore identity",
      };
    }
    let layer: CosignSignature;
    try {
      const read = readCosignLayer(stored.descriptor, stored.blob);
      if (read.kind !== "signature") throw new TrustError("MANIFEST_INVALID", "not a signature layer");
      layer = read;
    } catch (err) {
      return { ok: false, format: id, reason: "PAYLOAD_INVALID", message: (err as Error).message };
    }
    const result =
      anchor.kind === "key"
        ? verifyCosignSignature(layer, anchor.key, expected)
        : verifyKeylessCosignSignature(layer, expected, anchor);
    return result.ok
      ? { ok: true, format: id, payload: result.payload, referenceMatches: result.referenceMatches }
      : { ...result, format: id };
  },
};
