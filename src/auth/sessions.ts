import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Sealed cookies: a small JSON value encrypted and authenticated with AES-256-GCM under a key derived
 * (HKDF) from the key-encryption key, with its expiry inside. Any replica with the same key opens them,
 * nothing is stored, and a cookie cannot be read or altered by its holder. Used for browser sessions
 * after single sign-on and for the OIDC login's state between redirect and callback.
 */
export class CookieSealer {
  private readonly key: Buffer;

  constructor(kek: Buffer, purpose: string) {
    this.key = Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), `portcullis cookie ${purpose}`, 32));
  }

  seal(value: Record<string, unknown>, ttlMs: number, now = Date.now()): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([
      cipher.update(JSON.stringify({ v: value, exp: now + ttlMs })),
      cipher.final(),
    ]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  /** The value, or undefined when the cookie is not ours, was altered, or has expired. */
  open(sealed: string, now = Date.now()): Record<string, unknown> | undefined {
    if (sealed.length > 4096) return undefined;
    const raw = Buffer.from(sealed, "base64url");
    if (raw.length < 29) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      const parsed = JSON.parse(text) as { v?: unknown; exp?: unknown };
      if (typeof parsed.exp !== "number" || parsed.exp <= now) return undefined;
      return parsed.v && typeof parsed.v === "object" ? (parsed.v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
