import { TrustError } from "../errors.js";

/**
 * The largest key read (64 KiB): a PEM key or certificate is a few KiB (RSA 4096 private, PKCS#1,
 * about 3.3 KiB; cosign's encrypted P-256 key under 1 KiB); anything far larger is not a key. Files
 * are capped when read (core readRegularFile); the key parsers check again, so text that reached
 * them another way (a test, a library caller) gets the same clear error before any parsing.
 */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Refuses key material over MAX_KEY_FILE_BYTES (a string's length never exceeds its UTF-8 size). */
export function checkKeySize(size: number, what: string): void {
  if (size <= MAX_KEY_FILE_BYTES) return;
  throw new TrustError(
    "KEY_INVALID",
    `${what} is ${size} bytes, larger than 64 KiB (${MAX_KEY_FILE_BYTES} bytes): not a key`,
    { detail: { size, maxBytes: MAX_KEY_FILE_BYTES } },
  );
}
