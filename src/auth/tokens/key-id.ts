import { createHash, type KeyObject } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * The key id Docker's libtrust derives from a public key, which CNCF Distribution 2.x looks a token's
 * `kid` up by (its `rootcertbundle` keys are indexed this way): the first 240 bits of the SHA-256 of
 * the DER SubjectPublicKeyInfo, in base32, in groups of four joined by colons. Using it as our `kid`
 * lets a stock Distribution registry trust Portcullis tokens.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  const digest = createHash("sha256").update(der).digest().subarray(0, 30);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  // 240 bits are exactly 48 base32 characters: nothing is left over.
  return out.match(/.{4}/g)!.join(":");
}
