import { digestOf } from "../../../core/index.js";
import type { Descriptor } from "../../../oci/index.js";
import {
  type DsseEnvelope,
  decodeBase64Strict,
  MEDIA_TYPE_DSSE_ENVELOPE,
  parseEnvelope,
} from "../../dsse/envelope.js";
import { TrustError } from "../../errors.js";
import { MEDIA_TYPE_SIMPLE_SIGNING } from "../../payloads/simple-signing.js";
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_CERTIFICATE,
  ANNOTATION_CHAIN,
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_RFC3161_TIMESTAMP,
  ANNOTATION_SIGNATURE,
  type RekorBundle,
} from "./annotations.js";
import type { SignatureMaterial } from "./layers.js";

/** One signature read back from a `.sig` image. */
export interface CosignSignature {
  kind: "signature";
  descriptor: Descriptor;
  /** The simple-signing payload bytes (the layer blob). */
  payload: Buffer;
  signature: Buffer;
  material: SignatureMaterial;
}

/** One attestation read back from a `.att` image. */
export interface CosignAttestation {
  kind: "attestation";
  descriptor: Descriptor;
  envelope: DsseEnvelope;
  /** The bytes of the layer, needed to match a Rekor entry's envelope hash. */
  raw: Buffer;
  predicateType: string | undefined;
  material: SignatureMaterial;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseRekorBundle(text: string): RekorBundle {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new TrustError("MANIFEST_INVALID", "the Rekor bundle annotation is not JSON", { cause });
  }
  const p = isRecord(json) ? json.Payload : undefined;
  if (
    !isRecord(json) ||
    typeof json.SignedEntryTimestamp !== "string" ||
    !isRecord(p) ||
    typeof p.body !== "string" ||
    typeof p.integratedTime !== "number" ||
    typeof p.logIndex !== "number" ||
    typeof p.logID !== "string"
  ) {
    throw new TrustError(
      "MANIFEST_INVALID",
      "the Rekor bundle annotation lacks SignedEntryTimestamp or Payload fields",
    );
  }
  return {
    SignedEntryTimestamp: json.SignedEntryTimestamp,
    Payload: { body: p.body, integratedTime: p.integratedTime, logIndex: p.logIndex, logID: p.logID },
  };
}

function materialOf(annotations: Record<string, string>): SignatureMaterial {
  const m: SignatureMaterial = {};
  if (annotations[ANNOTATION_CERTIFICATE]) m.certificate = annotations[ANNOTATION_CERTIFICATE];
  if (annotations[ANNOTATION_CHAIN]) m.chain = annotations[ANNOTATION_CHAIN];
  if (annotations[ANNOTATION_BUNDLE]) m.rekorBundle = parseRekorBundle(annotations[ANNOTATION_BUNDLE]);
  if (annotations[ANNOTATION_RFC3161_TIMESTAMP])
    m.rfc3161Timestamp = annotations[ANNOTATION_RFC3161_TIMESTAMP];
  return m;
}

/**
 * Reads one layer of a cosign image with its blob. The blob must hash to the descriptor's digest
 * (content addressing is what ties the signature to the payload); the layer's media type says
 * whether it is a simple-signing signature or a DSSE attestation.
 */
export function readCosignLayer(
  descriptor: Descriptor,
  blob: Uint8Array,
): CosignSignature | CosignAttestation {
  const data = Buffer.from(blob);
  if (digestOf(data, descriptor.digest.startsWith("sha512:") ? "sha512" : "sha256") !== descriptor.digest) {
    throw new TrustError("MANIFEST_INVALID", `layer blob does not match its digest ${descriptor.digest}`);
  }
  const annotations = descriptor.annotations ?? {};
  if (descriptor.mediaType === MEDIA_TYPE_SIMPLE_SIGNING) {
    const sig = annotations[ANNOTATION_SIGNATURE];
    if (!sig) throw new TrustError("MANIFEST_INVALID", "signature layer has no signature annotation");
    let signature: Buffer;
    try {
      signature = decodeBase64Strict(sig, "signature annotation");
    } catch (cause) {
      throw new TrustError("MANIFEST_INVALID", "signature annotation is not base64", { cause });
    }
    return { kind: "signature", descriptor, payload: data, signature, material: materialOf(annotations) };
  }
  if (descriptor.mediaType === MEDIA_TYPE_DSSE_ENVELOPE) {
    let envelope: DsseEnvelope;
    try {
      envelope = parseEnvelope(data);
    } catch (cause) {
      throw new TrustError("MANIFEST_INVALID", "attestation layer does not hold a valid DSSE envelope", {
        cause,
      });
    }
    return {
      kind: "attestation",
      descriptor,
      envelope,
      raw: data,
      predicateType: annotations[ANNOTATION_PREDICATE_TYPE],
      material: materialOf(annotations),
    };
  }
  throw new TrustError(
    "MANIFEST_INVALID",
    `layer media type ${JSON.stringify(descriptor.mediaType)} is not a cosign signature`,
  );
}
