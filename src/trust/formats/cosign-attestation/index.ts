import { MEDIA_TYPE_DSSE_ENVELOPE } from "../../dsse/envelope.js";
import { TrustError } from "../../errors.js";
import { verifyKeylessCosignAttestation } from "../cosign/keyless.js";
import { type CosignAttestation, readCosignLayer } from "../cosign/parse.js";
import { verifyCosignAttestation } from "../cosign/verify.js";
import type { FormatVerification, SignatureFormat } from "../format.js";

const id = "cosign-attestation";

/** A layer of a cosign `sha256-<hex>.att` image (a DSSE envelope of an in-toto statement). */
export const cosignAttestationFormat: SignatureFormat = {
  id,
  mediaTypes: [MEDIA_TYPE_DSSE_ENVELOPE],
  verify(stored, expected, anchor): FormatVerification {
    if (anchor.kind === "x509") {
      return {
        ok: false,
        format: id,
        reason: "UNTRUSTED",
        message: "cosign signatures need a key or a Sigstore identity",
      };
    }
    let layer: CosignAttestation;
    try {
      const read = readCosignLayer(stored.descriptor, stored.blob);
      if (read.kind !== "attestation") throw new TrustError("MANIFEST_INVALID", "not an attestation layer");
      layer = read;
    } catch (err) {
      return { ok: false, format: id, reason: "ENVELOPE_INVALID", message: (err as Error).message };
    }
    const result =
      anchor.kind === "key"
        ? verifyCosignAttestation(layer, anchor.key, expected)
        : verifyKeylessCosignAttestation(layer, expected, anchor);
    return result.ok ? { ok: true, format: id, statement: result.statement } : { ...result, format: id };
  },
};
