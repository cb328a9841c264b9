import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Secrets kept in the database sealed with the key-encryption key (`auth.keyFile`, outside the
 * database): AES-256-GCM, `v1.` + base64(12-byte IV || 16-byte tag || ciphertext), the secret's name as
 * additional data so a sealed value moved to another row does not open. The format of the token
 * signing keys (auth/tokens/keys.ts), so one key file opens both.
 */
export function sealSecret(kek: Uint8Array, name: string, plaintext: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", kek, iv);
  cipher.setAAD(Buffer.from(name));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64")}`;
}

/** The plaintext of `sealSecret`; undefined when the format is unknown or the key (or name) is not the one. */
export function unsealSecret(kek: Uint8Array, name: string, stored: string): Buffer | undefined {
  if (!stored.startsWith("v1.")) return undefined;
  const raw = Buffer.from(stored.slice(3), "base64");
  if (raw.length < 28) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", kek, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    return undefined;
  }
}
