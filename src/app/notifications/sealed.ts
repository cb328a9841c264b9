import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Webhook secrets at rest. HMAC needs the secret itself, so it cannot be stored as a hash as robot
 * secrets are: it is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the key-encryption
 * key that seals the token signing keys (auth.keyFile), bound to the webhook's id as associated data
 * (a sealed secret copied onto another row does not open). A database dump alone reveals no secret.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** `purpose` separates the keys of different secrets (a proxy project's upstream password has its own). */
  constructor(kek: Buffer, purpose = "portcullis webhook secret") {
    this.key = Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), purpose, 32));
  }

  seal(context: string, secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** The secret, or undefined when it was sealed under another key or for another context. */
  open(context: string, sealed: string): string | undefined {
    if (!sealed.startsWith("v1.")) return undefined;
    const raw = Buffer.from(sealed.slice(3), "base64");
    if (raw.length < 29) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
