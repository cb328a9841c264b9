import { digestOf } from "../../../core/index.js";
import type { Descriptor } from "../../../oci/index.js";
import { type DsseEnvelope, MEDIA_TYPE_DSSE_ENVELOPE, serializeEnvelope } from "../../dsse/envelope.js";
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

/** A layer of a cosign artifact: its descriptor and the blob it points at. */
export interface CosignLayer {
  descriptor: Descriptor;
  data: Buffer;
}

/** Keyless material cosign stores beside a signature. */
export interface SignatureMaterial {
  /** PEM of the signing certificate (Fulcio). */
  certificate?: string;
  /** PEM of the chain above it. */
  chain?: string;
  /** The Rekor bundle (SET and entry). */
  rekorBundle?: RekorBundle;
  /** JSON of cosign's RFC 3161 timestamp annotation. */
  rfc3161Timestamp?: string;
}

function materialAnnotations(material: SignatureMaterial): Record<string, string> {
  const out: Record<string, string> = {};
  if (material.certificate) out[ANNOTATION_CERTIFICATE] = material.certificate;
  if (material.chain) out[ANNOTATION_CHAIN] = material.chain;
  if (material.rekorBundle) out[ANNOTATION_BUNDLE] = JSON.stringify(material.rekorBundle);
  if (material.rfc3161Timestamp) out[ANNOTATION_RFC3161_TIMESTAMP] = material.rfc3161Timestamp;
  return out;
}

/** The layer of a `.sig` image: the simple-signing payload, its signature in an annotation. */
export function signatureLayer(
  payload: Uint8Array,
  signature: Uint8Array,
  material: SignatureMaterial = {},
): CosignLayer {
  const data = Buffer.from(payload);
  return {
    data,
    descriptor: {
      mediaType: MEDIA_TYPE_SIMPLE_SIGNING,
      size: data.length,
      digest: digestOf(data),
      annotations: {
        [ANNOTATION_SIGNATURE]: Buffer.from(signature).toString("base64"),
        ...materialAnnotations(material),
      },
    },
  };
}

/**
 * The layer of a `.att` image: the DSSE envelope as its blob; cosign leaves the signature
 * annotation empty (the signatures are inside the envelope) and names the predicate type.
 */
export function attestationLayer(
  envelope: DsseEnvelope,
  predicateType: string,
  material: SignatureMaterial = {},
): CosignLayer {
  const data = Buffer.from(serializeEnvelope(envelope), "utf8");
  return {
    data,
    descriptor: {
      mediaType: MEDIA_TYPE_DSSE_ENVELOPE,
      size: data.length,
      digest: digestOf(data),
      annotations: {
        [ANNOTATION_SIGNATURE]: "",
        ...materialAnnotations(material),
        [ANNOTATION_PREDICATE_TYPE]: predicateType,
      },
    },
  };
}
