import type { JsonValue, RecordEventInput } from "../audit/index.js";
import { ImageError, type RegistryClient } from "../oci/index.js";
import type { RegistryEvent } from "../registry/index.js";
import { loadImage, verifyImageSignatures } from "../trust/index.js";
import type { GateAnchor } from "./gates/anchors.js";
import { recordEventsOf } from "./record-events.js";

export interface SignatureCheckOptions {
  readonly reader: RegistryClient;
  readonly host: string;
  readonly anchors: () => readonly GateAnchor[] | undefined;
}

/**
 * The `image.signed` ("signed by") entry of a signature push, its signature checked with the pull
 * policy's anchors: `verified`, `signedBy` (the key's fingerprint or the certificate identity) and
 * `verifiedWith` (the anchor, by the policy's name for it). A signature no anchor verifies, or one
 * that cannot be read, is still recorded, as `verified: false` (with `verifyError` when reading
 * failed): the push happened, and the record says it was not proven. Undefined for other pushes.
 */
export async function signedEntry(
  options: SignatureCheckOptions,
  event: RegistryEvent,
): Promise<RecordEventInput | undefined> {
  const base = recordEventsOf(event).find((e) => e.kind === "image.signed");
  if (!base || event.type !== "manifest.pushed" || !base.digest) return undefined;
  const payload = base.payload as { [k: string]: JsonValue };
  const where = payload.format === "cosign-tag" ? `${String(payload.tag)}[` : event.digest;
  let signer: { signedBy: string; anchor: string } | undefined;
  let verifyError: string | undefined;
  try {
    const image = await loadImage(options.reader, {
      registry: options.host,
      repository: event.repository,
      digest: base.digest,
    });
    for (const gate of options.anchors() ?? []) {
      if (!("anchor" in gate)) continue;
      const outcome = verifyImageSignatures(image, { anchor: gate.anchor });
      const check = outcome.checks.find(
        (c) => c.ok && c.signer && (c.where === where || (where.endsWith("[") && c.where.startsWith(where))),
      );
      if (check?.signer) {
        signer = {
          signedBy: check.signer,
          anchor: gate.signer.key ?? gate.signer.identity ?? gate.signer.issuer ?? "keyless",
        };
        break;
      }
    }
  } catch (err) {
    // A signature about an image not (yet) here, or one that cannot be read: recorded unproven.
    verifyError = err instanceof ImageError ? err.message : (err as Error).message;
  }
  return {
    ...base,
    summary:
      `${base.summary}${signer ? `, signed by ${signer.signedBy}` : " (signature not verified)"}`.slice(
        0,
        1024,
      ),
    payload: {
      ...payload,
      verified: signer !== undefined,
      signedBy: signer?.signedBy.slice(0, 512) ?? null,
      ...(signer ? { verifiedWith: signer.anchor.slice(0, 512) } : {}),
      ...(verifyError ? { verifyError: verifyError.slice(0, 512) } : {}),
    },
  };
}
