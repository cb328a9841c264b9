import type { FormatVerification, SignatureFormat } from "../format.js";
import { MEDIA_TYPE_NOTATION_JWS, verifyNotationJws } from "./jws.js";

const id = "notation-jws";

/** A Notation signature (OCI referrer whose layer is a JWS envelope); verification only. */
export const notationJwsFormat: SignatureFormat = {
  id,
  mediaTypes: [MEDIA_TYPE_NOTATION_JWS],
  verify(stored, expected, anchor): FormatVerification {
    if (anchor.kind !== "x509") {
      return {
        ok: false,
        format: id,
        reason: "UNTRUSTED",
        message: "Notation signatures are verified against an X.509 trust store",
      };
    }
    const result = verifyNotationJws(stored.blob, {
      trustedCertificates: anchor.trustedCertificates,
      expected,
      ...(anchor.at ? { at: anchor.at } : {}),
    });
    return result.ok ? { ok: true, format: id } : { ...result, format: id };
  },
};
