import { X509Certificate } from "node:crypto";
import { decodePemAll } from "../keys/pem.js";
import type { FoundArtifact } from "./discover.js";

function sanOf(der: Buffer): string | undefined {
  try {
    const cert = new X509Certificate(der);
    // "email:a@b, URI:https://…": the identity Fulcio put there, prefix dropped.
    return cert.subjectAltName?.split(", ")[0]?.replace(/^[A-Za-z ]+:/, "");
  } catch {
    return undefined;
  }
}

function fromBundle(bundle: Buffer): string | undefined {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(bundle.toString("utf8"));
  } catch {
    return undefined;
  }
  const material = json.verificationMaterial as Record<string, Record<string, unknown>> | undefined;
  const hint = material?.publicKey?.hint;
  if (typeof hint === "string") return `key hint ${hint}`;
  const raw =
    (material?.certificate?.rawBytes as string | undefined) ??
    (material?.x509CertificateChain?.certificates as Array<{ rawBytes?: string }> | undefined)?.[0]?.rawBytes;
  return typeof raw === "string" ? sanOf(Buffer.from(raw, "base64")) : undefined;
}

/**
 * Who an artifact says signed it, before any verification: a certificate's identity, or a bundle's
 * public key hint. For listing only; a claim, never a verdict.
 */
export function claimedSigner(artifact: FoundArtifact): string | undefined {
  if (artifact.kind === "signature" || artifact.kind === "attestation") {
    if (artifact.source === "referrer") return fromBundle(artifact.bundle);
    const pem = artifact.layer.material.certificate;
    if (!pem) return "key";
    const leaf = decodePemAll(pem).find((b) => b.label === "CERTIFICATE");
    return leaf ? sanOf(leaf.bytes) : undefined;
  }
  return undefined;
}
