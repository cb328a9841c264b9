import type { SignerFact } from "../facts.js";
import type { SignerRequirement } from "../model.js";

/** Whether a verified signer is the one the policy names. Keys compare by the policy's name for them. */
export function signerMatches(required: SignerRequirement, signer: SignerFact): boolean {
  if (required.kind === "key") return signer.key === required.key;
  if (signer.issuer !== required.issuer || signer.identity === undefined) return false;
  if (required.identity !== undefined) return signer.identity === required.identity;
  return required.identityRegExp!.test(signer.identity);
}

export function describeSigner(required: SignerRequirement): string {
  if (required.kind === "key") return `key ${required.key}`;
  const identity = required.identity ?? `/${required.identityPattern}/`;
  return `identity ${identity} (issuer ${required.issuer})`;
}
