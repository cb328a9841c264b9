import { createHash, timingSafeEqual } from "node:crypto";
import { invalidArgument } from "./errors.js";

/** RFC 6962 / 9162 §2.1.1 hashing, SHA-256: a leaf is H(0x00 || data), an interior node H(0x01 || left || right). */
export const HASH_SIZE = 32;

/** MTH({}) = SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = createHash("sha256").digest();

export function leafHash(data: Uint8Array): Uint8Array {
  return createHash("sha256").update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/** Constant-time comparison (false, not an exception, when the lengths differ). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The largest power of two strictly below n (n ≥ 2): the split point k of RFC 9162 §2.1.1. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isSafeInteger(n) && 2 ** Math.floor(Math.log2(n)) === n;
}

/**
 * Sizes and indexes are plain numbers: a log of 2^53 entries is far beyond any store, and a value that
 * is not a safe integer (a JSON number that lost precision) is refused rather than rounded.
 */
export function requireCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`${what} must be a non-negative safe integer, not ${value}`);
  }
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
