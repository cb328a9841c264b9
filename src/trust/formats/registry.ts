import { cosignAttestationFormat } from "./cosign-attestation/index.js";
import { cosignSignatureFormat } from "./cosign-signature/index.js";
import type { SignatureFormat } from "./format.js";
import { notationJwsFormat } from "./notation-jws/index.js";
import { sigstoreBundleFormat } from "./sigstore-bundle/index.js";

/** Every signature format we read; the contract test runs each one. */
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = [
  cosignSignatureFormat,
  cosignAttestationFormat,
  sigstoreBundleFormat,
  notationJwsFormat,
];

/** The format that reads a media type, if any. */
export function formatForMediaType(mediaType: string): SignatureFormat | undefined {
  return SIGNATURE_FORMATS.find((f) => f.mediaTypes.includes(mediaType));
}
