import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares two byte strings in time independent of where they differ. Both sides are hashed first
 * so unequal lengths neither throw (timingSafeEqual does) nor leak through an early return.
 */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}
