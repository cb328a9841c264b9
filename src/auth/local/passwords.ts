import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { AuthError } from "../errors.js";

/**
 * Passwords are hashed with scrypt (memory-hard: 32 MiB and about 50 ms per guess here), stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` in base64url so the cost can rise later without a migration:
 * a stored hash carries its own parameters.
 */
const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
/** Parameters read back from the database are bounded too: a tampered row cannot ask for 16 GiB. */
const MAX_LOG2_N = 20;

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_BYTES,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** Refuses passwords a guess list would find first; length is what matters (NIST SP 800-63B). */
export function checkPasswordRules(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AuthError("INVALID", `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new AuthError("INVALID", `a password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG2_N, R, P);
  return ["scrypt", LOG2_N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether `password` matches `stored`; the comparison takes the same time wherever they differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (
    ![log2N, r, p].every(Number.isInteger) ||
    log2N < 10 ||
    log2N > MAX_LOG2_N ||
    r < 1 ||
    r > 32 ||
    p < 1 ||
    p > 4
  ) {
    return false;
  }
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(parts[5]!, "base64url");
  const key = await derive(password, Buffer.from(parts[4]!, "base64url"), log2N, r, p);
  return expected.length === key.length && timingSafeEqual(expected, key);
}

/** Whether a stored hash was made with weaker parameters than today's (rehash on the next login). */
export function needsRehash(stored: string): boolean {
  const parts = stored.split("$");
  return parts[0] !== "scrypt" || Number(parts[1]) < LOG2_N || Number(parts[2]) < R;
}

/**
 * A generated secret (robot secrets, refresh tokens, one-time passwords): 32 random bytes. Such secrets
 * cannot be guessed, so they are stored as a plain SHA-256 (fast to check on every request), unlike
 * passwords, which people choose.
 */
export function generateSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export function secretDigest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time comparison of a presented secret with a stored SHA-256 digest. */
export function secretMatches(secret: string, storedDigest: string): boolean {
  const a = Buffer.from(secretDigest(secret), "hex");
  const b = Buffer.from(storedDigest, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
