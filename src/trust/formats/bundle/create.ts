import { createHash } from "node:crypto";
import { BUNDLE_V03_MEDIA_TYPE, type SerializedBundle } from "@sigstore/bundle";
import { PAYLOAD_TYPE_IN_TOTO } from "../../dsse/envelope.js";
import { signEnvelope } from "../../dsse/sign.js";
import type { SigningKey } from "../../keys/load.js";
import { defaultHash } from "../../keys/policy.js";
import { signBytes } from "../../signing/sign.js";

/** Sigstore bundle v0.3 media type (sigstore/protobuf-specs, bundle.proto). */
export const MEDIA_TYPE_SIGSTORE_BUNDLE_V03 = BUNDLE_V03_MEDIA_TYPE;

const PROTO_HASH = { sha256: "SHA2_256", sha384: "SHA2_384", sha512: "SHA2_512" } as const;

/**
 * The default key hint: hex SHA-256 of the key's SubjectPublicKeyInfo DER. The bundle spec leaves
 * the hint opaque; a fingerprint lets a verifier pick the key from a set without trying each.
 */
export function keyHintOf(key: SigningKey): string {
  return createHash("sha256")
    .update(key.publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

function verificationMaterial(hint: string): SerializedBundle["verificationMaterial"] {
  // Offline and keyed: no transparency-log entry, no timestamp; a verifier must opt in to that.
  return {
    publicKey: { hint },
    tlogEntries: [],
    timestampVerificationData: { rfc3161Timestamps: [] },
  } as unknown as SerializedBundle["verificationMaterial"];
}

/**
 * A v0.3 bundle holding a signature over an artifact's bytes (`messageSignature`), as
 * `cosign sign-blob --bundle --new-bundle-format` writes it for a key without a log upload.
 * Ed25519 signs the bytes themselves; the digest then only names the artifact.
 */
export function createMessageSignatureBundle(
  artifact: Uint8Array,
  key: SigningKey,
  options: { keyHint?: string } = {},
): SerializedBundle {
  const hash = defaultHash(key.kind) ?? "sha256";
  const digest = createHash(hash).update(artifact).digest();
  return {
    mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03,
    verificationMaterial: verificationMaterial(options.keyHint ?? keyHintOf(key)),
    messageSignature: {
      messageDigest: { algorithm: PROTO_HASH[hash], digest: digest.toString("base64") },
      signature: signBytes(key, artifact).toString("base64"),
    },
  } as SerializedBundle;
}

/** A v0.3 bundle holding a DSSE envelope (an in-toto statement by default), signed with one key. */
export function createDsseBundle(
  payload: Uint8Array,
  key: SigningKey,
  options: { keyHint?: string; payloadType?: string } = {},
): SerializedBundle {
  const hint = options.keyHint ?? keyHintOf(key);
  const envelope = signEnvelope(options.payloadType ?? PAYLOAD_TYPE_IN_TOTO, payload, [{ key, keyid: hint }]);
  return {
    mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03,
    verificationMaterial: verificationMaterial(hint),
    dsseEnvelope: {
      payload: envelope.payload,
      payloadType: envelope.payloadType,
      signatures: envelope.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid ?? "" })),
    },
  } as SerializedBundle;
}
