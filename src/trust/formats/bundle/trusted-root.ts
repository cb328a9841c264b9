import { TrustedRoot } from "@sigstore/protobuf-specs";
import { TrustError } from "../../errors.js";

export type { TrustedRoot };

/**
 * The largest trusted root file read (1 MiB): the public-good trusted_root.json is about 10 KiB, and
 * a private instance's root lists a handful of CAs and keys.
 */
export const MAX_TRUSTED_ROOT_BYTES = 1024 * 1024;

/** The media types of a Sigstore TrustedRoot document (protobuf-specs trustroot.proto). */
const TRUSTED_ROOT_MEDIA_TYPES = new Set([
  "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  "application/vnd.dev.sigstore.trustedroot.v0.2+json",
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Every key and CA in a root must say when it became valid (trustroot.proto: `validFor.start` is
 * required). The protobuf decoder would leave it unset and sigstore-js would then treat the
 * interval as unbounded, which the conformance suite (trust-root-tlog-missing-validity-start)
 * requires us to refuse.
 */
function checkValidityStart(list: string, index: number, entry: unknown): void {
  if (!isRecord(entry))
    throw new TrustError("TRUSTED_ROOT_INVALID", `trusted root ${list}[${index}] is not an object`);
  const holder = list === "tlogs" || list === "ctlogs" ? entry.publicKey : entry;
  const validFor = isRecord(holder) ? holder.validFor : undefined;
  const start = isRecord(validFor) ? validFor.start : undefined;
  if (typeof start !== "string" || Number.isNaN(Date.parse(start))) {
    throw new TrustError(
      "TRUSTED_ROOT_INVALID",
      `trusted root ${list}[${index}] has no valid validFor.start`,
    );
  }
}

/**
 * Reads a Sigstore trusted root (the `trusted_root.json` that TUF distributes, or one given by
 * file for a private instance). Checks the media type and the shape of its lists before handing it
 * to the protobuf decoder, which is lenient and would otherwise accept nonsense as an empty root.
 */
export function loadTrustedRoot(input: string | Uint8Array | unknown): TrustedRoot {
  let json: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    try {
      json = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch (cause) {
      throw new TrustError("TRUSTED_ROOT_INVALID", "trusted root is not JSON", { cause });
    }
  }
  if (!isRecord(json)) throw new TrustError("TRUSTED_ROOT_INVALID", "trusted root is not a JSON object");
  if (typeof json.mediaType !== "string" || !TRUSTED_ROOT_MEDIA_TYPES.has(json.mediaType)) {
    throw new TrustError(
      "TRUSTED_ROOT_INVALID",
      `unknown trusted root media type ${JSON.stringify(json.mediaType)}`,
    );
  }
  for (const list of ["tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"] as const) {
    const entries = json[list];
    if (entries === undefined) continue;
    if (!Array.isArray(entries))
      throw new TrustError("TRUSTED_ROOT_INVALID", `trusted root ${list} is not a list`);
    entries.forEach((entry, i) => {
      checkValidityStart(list, i, entry);
    });
  }
  try {
    return TrustedRoot.fromJSON(json);
  } catch (cause) {
    throw new TrustError("TRUSTED_ROOT_INVALID", "trusted root cannot be decoded", { cause });
  }
}

/** A root that trusts nothing: for keyed verification with no Sigstore infrastructure at all. */
export function emptyTrustedRoot(): TrustedRoot {
  return TrustedRoot.fromJSON({
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
}
