import { BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE } from "@sigstore/bundle";
import { matchSubject } from "../../intoto/statement.js";
import { verifyBundle } from "../bundle/verify.js";
import type { FormatVerification, SignatureFormat } from "../format.js";

const id = "sigstore-bundle";

/**
 * A Sigstore bundle stored as an OCI 1.1 referrer of the image (cosign 2.x `--new-bundle-format`):
 * a DSSE bundle whose in-toto subject must name the image digest. Message-signature bundles sign
 * a blob, not an image, and are refused here.
 */
export const sigstoreBundleFormat: SignatureFormat = {
  id,
  mediaTypes: [BUNDLE_V03_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE],
  verify(stored, expected, anchor): FormatVerification {
    if (anchor.kind === "x509") {
      return {
        ok: false,
        format: id,
        reason: "UNTRUSTED",
        message: "Sigstore bundles need a key or a Sigstore identity",
      };
    }
    const result =
      anchor.kind === "key"
        ? verifyBundle(stored.blob, {
            publicKey: anchor.key,
            allowNoTransparencyLog: anchor.allowNoTransparencyLog,
          })
        : verifyBundle(stored.blob, { trustedRoot: anchor.trustedRoot, identity: anchor.identity });
    if (!result.ok) return { ...result, format: id };
    const statement = result.dsse?.statement;
    if (!statement)
      return {
        ok: false,
        format: id,
        reason: "STATEMENT_INVALID",
        message: "the bundle holds no in-toto statement",
      };
    const match = matchSubject(statement, expected.digest);
    return match.ok
      ? { ok: true, format: id, statement }
      : { ok: false, format: id, reason: match.reason, message: match.message };
  },
};
