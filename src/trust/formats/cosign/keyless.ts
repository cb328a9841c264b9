import { createHash } from "node:crypto";
import { bundleFromJSON, type SerializedBundle } from "@sigstore/bundle";
import { envelopePayload } from "../../dsse/envelope.js";
import { TrustError } from "../../errors.js";
import { decodePemAll } from "../../keys/pem.js";
import { checkSimpleSigningPayload } from "../../payloads/simple-signing.js";
import type { TrustedRoot } from "../bundle/trusted-root.js";
import {
  type BundleVerification,
  type IdentityPolicy,
  verifyBundle,
  verifyParsedBundle,
} from "../bundle/verify.js";
import type { CosignAttestation, CosignSignature } from "./parse.js";
import { checkIntotoV001Body, verifyRekorSet } from "./rekor-set.js";
import {
  type CosignAttestationVerification,
  type CosignSignatureVerification,
  checkAttestationStatement,
} from "./verify.js";

const BUNDLE_V01 = "application/vnd.dev.sigstore.bundle+json;version=0.1";

/**
 * Restates a keyless cosign layer (Fulcio certificate + Rekor bundle annotation) as a Sigstore
 * bundle v0.1, the form whose tlog entry carries only an inclusion promise (the SET), so that one
 * verifier (@sigstore/verify) checks certificate chain, SCT, SET and Rekor body for both the tag
 * scheme and bundles. This is what sigstore-js does for cosign signatures too.
 */
export function cosignLayerToBundle(layer: CosignSignature | CosignAttestation): SerializedBundle {
  const { certificate, rekorBundle } = layer.material;
  if (!certificate)
    throw new TrustError("MANIFEST_INVALID", "the layer has no certificate annotation (not keyless)");
  if (!rekorBundle) throw new TrustError("MANIFEST_INVALID", "the layer has no Rekor bundle annotation");
  const leaf = decodePemAll(certificate).find((b) => b.label === "CERTIFICATE");
  if (!leaf) throw new TrustError("CERTIFICATE_INVALID", "the certificate annotation holds no certificate");
  let kind: { kind: string; version: string };
  try {
    const body = JSON.parse(Buffer.from(rekorBundle.Payload.body, "base64").toString("utf8"));
    kind = { kind: String(body.kind), version: String(body.apiVersion) };
  } catch (cause) {
    throw new TrustError("MANIFEST_INVALID", "the Rekor entry body is not JSON", { cause });
  }
  if (!/^[0-9a-f]{64}$/.test(rekorBundle.Payload.logID))
    throw new TrustError("MANIFEST_INVALID", "the Rekor logID is not hex");
  const verificationMaterial = {
    x509CertificateChain: { certificates: [{ rawBytes: leaf.bytes.toString("base64") }] },
    tlogEntries: [
      {
        logIndex: String(rekorBundle.Payload.logIndex),
        logId: { keyId: Buffer.from(rekorBundle.Payload.logID, "hex").toString("base64") },
        kindVersion: kind,
        integratedTime: String(rekorBundle.Payload.integratedTime),
        inclusionPromise: { signedEntryTimestamp: rekorBundle.SignedEntryTimestamp },
        canonicalizedBody: rekorBundle.Payload.body,
      },
    ],
    timestampVerificationData: { rfc3161Timestamps: [] },
  };
  if (layer.kind === "signature") {
    return {
      mediaType: BUNDLE_V01,
      verificationMaterial,
      messageSignature: {
        messageDigest: {
          algorithm: "SHA2_256",
          digest: createHash("sha256").update(layer.payload).digest("base64"),
        },
        signature: layer.signature.toString("base64"),
      },
    } as unknown as SerializedBundle;
  }
  return {
    mediaType: BUNDLE_V01,
    verificationMaterial,
    dsseEnvelope: {
      payload: layer.envelope.payload,
      payloadType: layer.envelope.payloadType,
      signatures: layer.envelope.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid ?? "" })),
    },
  } as unknown as SerializedBundle;
}

export interface KeylessOptions {
  trustedRoot: TrustedRoot;
  identity: IdentityPolicy;
}

/** cosign verify --certificate-identity … --certificate-oidc-issuer … for one `.sig` layer. */
export function verifyKeylessCosignSignature(
  signature: CosignSignature,
  expected: { digest: string; dockerReference?: string },
  options: KeylessOptions,
): CosignSignatureVerification {
  let bundle: SerializedBundle;
  try {
    bundle = cosignLayerToBundle(signature);
  } catch (err) {
    return { ok: false, reason: "BUNDLE_INVALID", message: (err as Error).message };
  }
  const result = verifyBundle(bundle, { ...options, artifact: signature.payload });
  if (!result.ok) return result;
  return checkSimpleSigningPayload(signature.payload, expected);
}

/** cosign verify-attestation with a certificate identity, for one `.att` layer. */
export function verifyKeylessCosignAttestation(
  attestation: CosignAttestation,
  expected: { digest: string },
  options: KeylessOptions,
): CosignAttestationVerification {
  let bundle: SerializedBundle;
  try {
    bundle = cosignLayerToBundle(attestation);
  } catch (err) {
    return { ok: false, reason: "BUNDLE_INVALID", message: (err as Error).message };
  }
  const result = isIntotoV001(bundle)
    ? verifyLegacyIntoto(attestation, bundle, options)
    : verifyBundle(bundle, options);
  if (!result.ok) return result;
  return checkAttestationStatement(attestation, envelopePayload(attestation.envelope), expected.digest);
}

function isIntotoV001(bundle: SerializedBundle): boolean {
  const kv = bundle.verificationMaterial.tlogEntries[0]?.kindVersion;
  return kv?.kind === "intoto" && kv.version === "0.0.1";
}

/**
 * cosign before 2.0 logged attestations as Rekor `intoto` 0.0.1 entries, which @sigstore/verify
 * does not read. We check the SET and the entry body ourselves, then let it verify the rest
 * (certificate chain at the integrated time, SCT, DSSE signature, identity).
 */
function verifyLegacyIntoto(
  attestation: CosignAttestation,
  bundle: SerializedBundle,
  options: KeylessOptions,
): BundleVerification {
  const rekor = attestation.material.rekorBundle!;
  const set = verifyRekorSet(rekor, options.trustedRoot);
  if (!set.ok) return set;
  const body = checkIntotoV001Body(attestation, rekor);
  if (!body.ok) return body;
  return verifyParsedBundle(bundleFromJSON(bundle), options, true);
}
