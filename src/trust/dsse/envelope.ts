import { TrustError } from "../errors.js";

/** The media type of a DSSE envelope layer (cosign attestations, Sigstore bundles). */
export const MEDIA_TYPE_DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
/** The payload type of an in-toto statement inside DSSE. */
export const PAYLOAD_TYPE_IN_TOTO = "application/vnd.in-toto+json";

export interface EnvelopeSignature {
  keyid?: string;
  /** Base64 signature over PAE(payloadType, payload). */
  sig: string;
}

/** A DSSE envelope as serialised (secure-systems-lab/dsse envelope.md): payload and sigs are base64. */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: EnvelopeSignature[];
}

// envelope.md: base64 may be standard or URL-safe, padded or not; decoders must accept both.
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;
const MAX_SIGNATURES = 64;

/** Decodes base64 (standard or URL-safe) strictly: other characters or a bad length are refused. */
export function decodeBase64Strict(text: string, what: string): Buffer {
  if (!BASE64.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw new TrustError("ENVELOPE_INVALID", `${what} is not base64`);
  }
  if (/=/.test(text) && text.length % 4 !== 0)
    throw new TrustError("ENVELOPE_INVALID", `${what} has bad padding`);
  return Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses a DSSE envelope strictly: an object with a string payloadType, a base64 payload and at
 * least one signature, each a base64 `sig` with an optional string `keyid`. Unknown fields are
 * ignored (envelope.md allows extensions). Accepts JSON text, bytes or an already parsed value.
 */
export function parseEnvelope(input: string | Uint8Array | unknown): DsseEnvelope {
  let json: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    try {
      json = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch (cause) {
      throw new TrustError("ENVELOPE_INVALID", "DSSE envelope is not JSON", { cause });
    }
  }
  if (!isRecord(json)) throw new TrustError("ENVELOPE_INVALID", "DSSE envelope is not a JSON object");
  const { payload, payloadType, signatures } = json;
  if (typeof payloadType !== "string" || payloadType === "") {
    throw new TrustError("ENVELOPE_INVALID", "DSSE envelope has no payloadType");
  }
  if (typeof payload !== "string") throw new TrustError("ENVELOPE_INVALID", "DSSE envelope has no payload");
  decodeBase64Strict(payload, "DSSE payload");
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw new TrustError("ENVELOPE_INVALID", "DSSE envelope has no signatures");
  }
  if (signatures.length > MAX_SIGNATURES) {
    throw new TrustError("ENVELOPE_INVALID", `DSSE envelope has more than ${MAX_SIGNATURES} signatures`);
  }
  const sigs = signatures.map((s, i): EnvelopeSignature => {
    if (!isRecord(s) || typeof s.sig !== "string" || s.sig === "") {
      throw new TrustError("ENVELOPE_INVALID", `DSSE signature ${i} has no sig`);
    }
    decodeBase64Strict(s.sig, `DSSE signature ${i}`);
    if (s.keyid !== undefined && typeof s.keyid !== "string") {
      throw new TrustError("ENVELOPE_INVALID", `DSSE signature ${i} has a non-string keyid`);
    }
    return s.keyid === undefined ? { sig: s.sig } : { keyid: s.keyid, sig: s.sig };
  });
  return { payload, payloadType, signatures: sigs };
}

/** The envelope's payload bytes. */
export function envelopePayload(envelope: DsseEnvelope): Buffer {
  return decodeBase64Strict(envelope.payload, "DSSE payload");
}

/** Serialises with the field order cosign writes (payloadType, payload, signatures). */
export function serializeEnvelope(envelope: DsseEnvelope): string {
  return JSON.stringify({
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: envelope.signatures.map((s) =>
      s.keyid === undefined ? { sig: s.sig } : { keyid: s.keyid, sig: s.sig },
    ),
  });
}
