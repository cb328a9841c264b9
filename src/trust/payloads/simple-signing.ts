import { isValidDigest } from "../../core/index.js";
import { parseImageReference } from "../../oci/index.js";
import { TrustError, type VerificationFailure } from "../errors.js";

/** The `type` every cosign image signature payload carries (containers/image "atomic" signature). */
export const SIMPLE_SIGNING_TYPE = "cosign container image signature";
/** The media type of a cosign signature layer: its bytes are the simple-signing payload. */
export const MEDIA_TYPE_SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";

/** What a cosign signature payload says (sigstore/sigstore pkg/signature/payload SimpleContainerImage). */
export interface SimpleSigningPayload {
  dockerReference: string;
  manifestDigest: string;
  /** `optional`: cosign's `-a key=value` annotations; absent when cosign wrote `null`. */
  annotations?: Record<string, unknown>;
}

/**
 * Builds the payload bytes exactly as cosign marshals them (Go's encoding/json, struct field
 * order): {"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":…},
 * "type":…},"optional":… or null}.
 */
export function buildSimpleSigningPayload(input: SimpleSigningPayload): Buffer {
  if (!isValidDigest(input.manifestDigest)) {
    throw new TrustError("INVALID_ARGUMENT", `not a digest: ${JSON.stringify(input.manifestDigest)}`);
  }
  const body = {
    critical: {
      identity: { "docker-reference": input.dockerReference },
      image: { "docker-manifest-digest": input.manifestDigest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: input.annotations && Object.keys(input.annotations).length > 0 ? input.annotations : null,
  };
  return Buffer.from(JSON.stringify(body), "utf8");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(message: string): never {
  throw new TrustError("PAYLOAD_INVALID", `simple-signing payload: ${message}`);
}

/** Parses a cosign payload strictly: the three critical fields must be there and well-formed. */
export function parseSimpleSigningPayload(bytes: Uint8Array | string): SimpleSigningPayload {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch (cause) {
    throw new TrustError("PAYLOAD_INVALID", "simple-signing payload is not JSON", { cause });
  }
  if (!isRecord(json) || !isRecord(json.critical)) bad("no critical section");
  const { identity, image, type } = json.critical;
  if (type !== SIMPLE_SIGNING_TYPE)
    bad(`type is ${JSON.stringify(type)}, not ${JSON.stringify(SIMPLE_SIGNING_TYPE)}`);
  if (!isRecord(identity) || typeof identity["docker-reference"] !== "string")
    bad("no critical.identity.docker-reference");
  if (!isRecord(image) || typeof image["docker-manifest-digest"] !== "string")
    bad("no critical.image.docker-manifest-digest");
  const manifestDigest = image["docker-manifest-digest"];
  if (!isValidDigest(manifestDigest))
    bad(`docker-manifest-digest ${JSON.stringify(manifestDigest.slice(0, 80))} is not a digest`);
  if (json.optional !== undefined && json.optional !== null && !isRecord(json.optional))
    bad("optional is not an object");
  const payload: SimpleSigningPayload = { dockerReference: identity["docker-reference"], manifestDigest };
  if (isRecord(json.optional)) payload.annotations = json.optional;
  return payload;
}

export type PayloadCheck =
  | {
      ok: true;
      payload: SimpleSigningPayload;
      /** undefined when no reference was expected; false is a warning the caller weighs. */
      referenceMatches: boolean | undefined;
    }
  | { ok: false; reason: VerificationFailure; message: string };

/** Repository part of a reference, normalised (docker.io/library/…), or the raw text if it is not one. */
export function repositoryOf(reference: string): string {
  try {
    const ref = parseImageReference(reference);
    return `${ref.registry}/${ref.repository}`;
  } catch {
    return reference;
  }
}

/**
 * Checks a payload against the image it should sign. A different digest is a failure; a
 * different docker-reference is only a flag, because cosign itself signs the repository a user
 * named and copies of an image keep their signatures (cosign verify only warns on it too).
 */
export function checkSimpleSigningPayload(
  bytes: Uint8Array | string,
  expected: { digest: string; dockerReference?: string },
): PayloadCheck {
  let payload: SimpleSigningPayload;
  try {
    payload = parseSimpleSigningPayload(bytes);
  } catch (err) {
    return { ok: false, reason: "PAYLOAD_INVALID", message: (err as Error).message };
  }
  if (payload.manifestDigest !== expected.digest) {
    return {
      ok: false,
      reason: "DIGEST_MISMATCH",
      message: `payload signs ${payload.manifestDigest}, not ${expected.digest}`,
    };
  }
  const referenceMatches =
    expected.dockerReference === undefined
      ? undefined
      : repositoryOf(payload.dockerReference) === repositoryOf(expected.dockerReference);
  return { ok: true, payload, referenceMatches };
}
