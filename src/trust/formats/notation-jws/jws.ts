import { constants, type KeyObject, verify, X509Certificate } from "node:crypto";
import type { VerificationFailure } from "../../errors.js";
import { classifyKey } from "../../keys/policy.js";

/**
 * Verification of Notation signatures in the JWS envelope (notaryproject/specifications
 * specs/signature-envelope-jws.md, signature-specification.md): flattened JWS JSON with the
 * certificate chain in the unprotected `x5c` header, signed over `protected "." payload`.
 * Verification only; signing with Notation is out of scope.
 */
export const MEDIA_TYPE_NOTATION_JWS = "application/jose+json";
const PAYLOAD_CONTENT_TYPE = "application/vnd.cncf.notary.payload.v1+json";
const CODE_SIGNING_EKU = "1.3.6.1.5.5.7.3.3";
/** Critical headers we understand; any other listed in `crit` makes the signature unverifiable. */
const KNOWN_CRITICAL = new Set([
  "io.cncf.notary.signingScheme",
  "io.cncf.notary.expiry",
  "io.cncf.notary.authenticSigningTime",
]);

type Alg = { hash: "sha256" | "sha384" | "sha512"; kind: "pss" | "ecdsa" };
const ALGORITHMS: Record<string, Alg> = {
  PS256: { hash: "sha256", kind: "pss" },
  PS384: { hash: "sha384", kind: "pss" },
  PS512: { hash: "sha512", kind: "pss" },
  ES256: { hash: "sha256", kind: "ecdsa" },
  ES384: { hash: "sha384", kind: "ecdsa" },
  ES512: { hash: "sha512", kind: "ecdsa" },
};

export interface NotationTargetArtifact {
  digest: string;
  mediaType: string;
  size: number;
  annotations?: Record<string, string>;
}

export type NotationVerification =
  | {
      ok: true;
      targetArtifact: NotationTargetArtifact;
      signingScheme: string;
      signingTime?: string;
      signer: X509Certificate;
    }
  | { ok: false; reason: VerificationFailure; message: string };

export interface NotationVerifyOptions {
  /** Trust store: the root (or self-signed leaf) certificates, PEM. */
  trustedCertificates: string[];
  expected: { digest: string };
  /** When to check certificate validity; default now (no timestamp countersignature is read). */
  at?: Date;
}

const fail = (reason: VerificationFailure, message: string): NotationVerification => ({
  ok: false,
  reason,
  message,
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function jsonOfB64url(text: string): unknown {
  if (!B64URL.test(text)) throw new Error("not base64url");
  return JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
}

function verifySignature(alg: Alg, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (alg.kind === "ecdsa") return verify(alg.hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
    // RFC 7518 3.5: PSS with MGF1 and a salt as long as the hash.
    const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[alg.hash];
    return verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  } catch {
    return false;
  }
}

/** x5c[0] is the leaf; each certificate is signed by the next; the last is, or is signed by, a trusted one. */
function checkChain(chain: X509Certificate[], trusted: X509Certificate[], at: Date): string | undefined {
  for (const [i, cert] of chain.entries()) {
    if (at < new Date(cert.validFrom) || at > new Date(cert.validTo))
      return `certificate ${i} is not valid at ${at.toISOString()}`;
    const next = chain[i + 1];
    if (next && !(cert.checkIssued(next) && cert.verify(next.publicKey)))
      return `certificate ${i} is not issued by certificate ${i + 1}`;
  }
  const last = chain[chain.length - 1]!;
  const anchored = trusted.some(
    (t) =>
      t.raw.equals(last.raw) ||
      (last.checkIssued(t) &&
        last.verify(t.publicKey) &&
        at >= new Date(t.validFrom) &&
        at <= new Date(t.validTo)),
  );
  if (!anchored) return "the certificate chain does not lead to a trusted certificate";
  const leaf = chain[0]!;
  if (leaf.keyUsage && !leaf.keyUsage.includes(CODE_SIGNING_EKU))
    return "the signing certificate is not for code signing";
  return undefined;
}

/** Verifies a Notation JWS signature envelope against a trust store and the artifact digest. */
export function verifyNotationJws(
  envelope: Uint8Array | string,
  options: NotationVerifyOptions,
): NotationVerification {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(envelope).toString("utf8"));
  } catch {
    return fail("ENVELOPE_INVALID", "Notation JWS envelope is not JSON");
  }
  if (
    !isRecord(json) ||
    typeof json.protected !== "string" ||
    typeof json.payload !== "string" ||
    typeof json.signature !== "string"
  ) {
    return fail("ENVELOPE_INVALID", "Notation JWS envelope lacks protected, payload or signature");
  }
  const header = isRecord(json.header) ? json.header : {};
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === "string")) {
    return fail("ENVELOPE_INVALID", "Notation JWS envelope has no x5c certificate chain");
  }
  let protectedHeader: unknown;
  let payload: unknown;
  let chain: X509Certificate[];
  let trusted: X509Certificate[];
  try {
    protectedHeader = jsonOfB64url(json.protected);
    payload = jsonOfB64url(json.payload);
    chain = x5c.map((c: string) => new X509Certificate(Buffer.from(c, "base64")));
    trusted = options.trustedCertificates.map((pem) => new X509Certificate(pem));
  } catch (err) {
    return fail("ENVELOPE_INVALID", `Notation JWS envelope cannot be decoded: ${(err as Error).message}`);
  }
  if (!isRecord(protectedHeader)) return fail("ENVELOPE_INVALID", "protected header is not an object");
  // The chain's keys pass the same key policy as any other (RSA 2048..4096 with e=65537, P-256/384/521;
  // the Notary Project signature specification's "Certificate Requirements" allow no other): a weak key
  // anywhere in the chain makes every signature it vouches for forgeable.
  for (const [i, cert] of chain.entries()) {
    try {
      classifyKey(cert.publicKey);
    } catch (err) {
      return fail("CERTIFICATE_INVALID", `certificate ${i} of the chain: ${(err as Error).message}`);
    }
  }
  const alg = ALGORITHMS[String(protectedHeader.alg)];
  if (!alg) return fail("ENVELOPE_INVALID", `unsupported JWS alg ${JSON.stringify(protectedHeader.alg)}`);
  if (protectedHeader.cty !== PAYLOAD_CONTENT_TYPE)
    return fail("ENVELOPE_INVALID", "protected header cty is not the Notary payload");
  const crit = protectedHeader.crit;
  if (!Array.isArray(crit) || !crit.includes("io.cncf.notary.signingScheme")) {
    return fail("ENVELOPE_INVALID", "protected header crit must list io.cncf.notary.signingScheme");
  }
  const unknown = crit.find(
    (c) => !KNOWN_CRITICAL.has(String(c)) || protectedHeader[String(c)] === undefined,
  );
  if (unknown !== undefined)
    return fail("ENVELOPE_INVALID", `critical header ${JSON.stringify(unknown)} is unknown or absent`);
  const scheme = String(protectedHeader["io.cncf.notary.signingScheme"]);
  if (scheme !== "notary.x509" && scheme !== "notary.x509.signingAuthority") {
    return fail("ENVELOPE_INVALID", `unknown signing scheme ${JSON.stringify(scheme)}`);
  }
  const signed = Buffer.from(`${json.protected}.${json.payload}`, "ascii");
  if (
    !B64URL.test(json.signature) ||
    !verifySignature(alg, chain[0]!.publicKey, signed, Buffer.from(json.signature, "base64url"))
  ) {
    return fail("SIGNATURE_MISMATCH", "the JWS signature does not verify with the signing certificate");
  }
  const at = options.at ?? new Date();
  const chainProblem = checkChain(chain, trusted, at);
  if (chainProblem) return fail("UNTRUSTED", chainProblem);
  const expiry = protectedHeader["io.cncf.notary.expiry"];
  if (typeof expiry === "string" && Date.parse(expiry) < at.getTime())
    return fail("CERTIFICATE_INVALID", `the signature expired at ${expiry}`);
  const target = isRecord(payload) ? payload.targetArtifact : undefined;
  if (
    !isRecord(target) ||
    typeof target.digest !== "string" ||
    typeof target.mediaType !== "string" ||
    typeof target.size !== "number"
  ) {
    return fail("PAYLOAD_INVALID", "the payload has no targetArtifact descriptor");
  }
  if (target.digest !== options.expected.digest) {
    return fail("DIGEST_MISMATCH", `the signature is for ${target.digest}, not ${options.expected.digest}`);
  }
  const signingTime = protectedHeader["io.cncf.notary.signingTime"];
  return {
    ok: true,
    targetArtifact: target as unknown as NotationTargetArtifact,
    signingScheme: scheme,
    ...(typeof signingTime === "string" ? { signingTime } : {}),
    signer: chain[0]!,
  };
}
