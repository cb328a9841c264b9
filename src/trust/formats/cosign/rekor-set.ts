import { createHash, verify, X509Certificate } from "node:crypto";
import { toTrustMaterial } from "@sigstore/verify";
import { envelopePayload } from "../../dsse/envelope.js";
import type { VerificationFailure } from "../../errors.js";
import { decodePemAll } from "../../keys/pem.js";
import type { TrustedRoot } from "../bundle/trusted-root.js";
import type { RekorBundle } from "./annotations.js";
import type { CosignAttestation } from "./parse.js";

export type RekorCheck = { ok: true } | { ok: false; reason: VerificationFailure; message: string };

/**
 * Verifies the SignedEntryTimestamp of a cosign Rekor bundle: Rekor's signature over the canonical
 * JSON (RFC 8785: sorted keys, no spaces) of {body, integratedTime, logID, logIndex}, with the key
 * of the log whose ID (SHA-256 of its SPKI) is logID and that was valid at integratedTime.
 */
export function verifyRekorSet(bundle: RekorBundle, trustedRoot: TrustedRoot): RekorCheck {
  const { body, integratedTime, logID, logIndex } = bundle.Payload;
  const canonical = JSON.stringify({ body, integratedTime, logID, logIndex });
  const at = new Date(integratedTime * 1000);
  const logs = toTrustMaterial(trustedRoot).tlogs.filter(
    (t) => t.logID.toString("hex") === logID && t.validFor.start <= at && at <= t.validFor.end,
  );
  if (logs.length === 0)
    return {
      ok: false,
      reason: "TLOG_INVALID",
      message: `no trusted log ${logID} valid at ${at.toISOString()}`,
    };
  const set = Buffer.from(bundle.SignedEntryTimestamp, "base64");
  const verified = logs.some((log) => {
    try {
      return verify("sha256", Buffer.from(canonical, "utf8"), log.publicKey, set);
    } catch {
      return false;
    }
  });
  return verified
    ? { ok: true }
    : { ok: false, reason: "TLOG_INVALID", message: "the Rekor SignedEntryTimestamp does not verify" };
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * Checks a Rekor `intoto` 0.0.1 entry body against the attestation it logs (rekor
 * pkg/types/intoto/v0.0.1): content.hash is the SHA-256 of the envelope as uploaded (the layer
 * blob), content.payloadHash that of the statement, and publicKey the signing certificate's PEM.
 */
export function checkIntotoV001Body(attestation: CosignAttestation, bundle: RekorBundle): RekorCheck {
  let body: {
    kind?: unknown;
    apiVersion?: unknown;
    spec?: { content?: Record<string, { value?: unknown }>; publicKey?: unknown };
  };
  try {
    body = JSON.parse(Buffer.from(bundle.Payload.body, "base64").toString("utf8"));
  } catch {
    return { ok: false, reason: "TLOG_INVALID", message: "the Rekor entry body is not JSON" };
  }
  if (body.kind !== "intoto" || body.apiVersion !== "0.0.1")
    return { ok: false, reason: "TLOG_INVALID", message: "not an intoto 0.0.1 entry" };
  const content = body.spec?.content ?? {};
  if (content.hash?.value !== sha256(attestation.raw)) {
    return { ok: false, reason: "TLOG_INVALID", message: "the Rekor entry logs another envelope" };
  }
  if (content.payloadHash?.value !== sha256(envelopePayload(attestation.envelope))) {
    return { ok: false, reason: "TLOG_INVALID", message: "the Rekor entry logs another payload" };
  }
  try {
    const logged = new X509Certificate(Buffer.from(String(body.spec?.publicKey), "base64").toString("utf8"));
    const leaf = decodePemAll(attestation.material.certificate ?? "")[0];
    if (!leaf || !logged.raw.equals(leaf.bytes)) {
      return { ok: false, reason: "TLOG_INVALID", message: "the Rekor entry logs another certificate" };
    }
  } catch {
    return { ok: false, reason: "TLOG_INVALID", message: "the Rekor entry's certificate cannot be read" };
  }
  return { ok: true };
}
