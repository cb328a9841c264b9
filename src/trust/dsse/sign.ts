import type { SigningKey } from "../keys/load.js";
import { signBytes } from "../signing/sign.js";
import type { DsseEnvelope } from "./envelope.js";
import { preAuthEncoding } from "./pae.js";

export interface DsseSigner {
  key: SigningKey;
  /** Written as the signature's `keyid`; cosign leaves it empty (""), which we omit. */
  keyid?: string;
}

/** Signs a payload into a DSSE envelope, one signature per signer (DSSE protocol.md "Sign"). */
export function signEnvelope(payloadType: string, payload: Uint8Array, signers: DsseSigner[]): DsseEnvelope {
  const pae = preAuthEncoding(payloadType, payload);
  return {
    payloadType,
    payload: Buffer.from(payload).toString("base64"),
    signatures: signers.map(({ key, keyid }) => {
      const sig = signBytes(key, pae).toString("base64");
      return keyid ? { keyid, sig } : { sig };
    }),
  };
}

/** Adds one more signature to an existing envelope (a co-signer), keeping the others. */
export function addEnvelopeSignature(
  envelope: DsseEnvelope,
  signer: DsseSigner,
  payload: Uint8Array,
): DsseEnvelope {
  const extra = signEnvelope(envelope.payloadType, payload, [signer]).signatures;
  return { ...envelope, signatures: [...envelope.signatures, ...extra] };
}
