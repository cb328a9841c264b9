import { isValidDigest } from "../core/index.js";
import { isValidAuditAnnotationKey } from "./audit-annotations.js";
import type { ImageDecision, MutateOptions } from "./decision.js";
import { AdmissionError } from "./errors.js";
import type { WorkloadFacts } from "./facts.js";
import { pinnedImage } from "./image-reference.js";
import { jsonPointer } from "./json-pointer.js";

/**
 * The mutating webhook's JSON Patch (RFC 6902): pin each image the policy checked at a digest.
 * Paths come only from the extracted facts, never from the decider, so a patch can touch nothing but
 * image fields (and the optional record annotation).
 */

export type JsonPatchOperation =
  | { op: "replace"; path: string; value: string }
  | { op: "add"; path: string; value: unknown };

export interface PinnedImage {
  path: string;
  from: string;
  to: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** An annotation key: an optional DNS-subdomain prefix (≤ 253) and "/", then a qualified name (≤ 63). */
export function checkAnnotationKey(key: string): string {
  const slash = key.indexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || !isValidAuditAnnotationKey(name)) {
    throw new AdmissionError("CONFIG_INVALID", `${JSON.stringify(key)} is not a valid annotation key`);
  }
  return key;
}

/**
 * Which images to pin: those with a decision carrying a valid digest that the reference does not
 * already name. An image already pinned to another digest is left alone (the decider resolved
 * something the object does not run; validation will judge the digest that is written).
 */
export function imagesToPin(
  facts: WorkloadFacts,
  decisions: ReadonlyMap<string, ImageDecision>,
  keepTag: boolean,
): PinnedImage[] {
  const pins: PinnedImage[] = [];
  for (const image of facts.images) {
    const digest = decisions.get(image.path)?.digest;
    if (digest === undefined || image.reference === undefined || !isValidDigest(digest)) continue;
    if (image.reference.digest !== undefined) continue;
    pins.push({ path: image.path, from: image.image, to: pinnedImage(image.reference, digest, keepTag) });
  }
  return pins;
}

export function buildImagePatch(
  facts: WorkloadFacts,
  object: Record<string, unknown>,
  pins: readonly PinnedImage[],
  options: MutateOptions,
): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = pins.map((pin) => ({ op: "replace", path: pin.path, value: pin.to }));
  if (options.recordAnnotation === undefined || pins.length === 0) return ops;
  const key = checkAnnotationKey(options.recordAnnotation);
  const value = JSON.stringify(Object.fromEntries(pins.map((pin) => [pin.path, pin.from])));
  const metadata = object.metadata;
  if (typeof metadata !== "object" || metadata === null) {
    ops.push({ op: "add", path: "/metadata", value: { annotations: { [key]: value } } });
  } else if (Object.keys(facts.annotations).length === 0) {
    // "add" on an existing member replaces it (RFC 6902 §4.1): only safe when the map is empty or absent.
    ops.push({ op: "add", path: "/metadata/annotations", value: { [key]: value } });
  } else {
    ops.push({ op: "add", path: jsonPointer(["metadata", "annotations", key]), value });
  }
  return ops;
}

export function encodePatch(ops: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(ops), "utf8").toString("base64");
}
