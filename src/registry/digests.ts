import { isPortcullisError, type ParsedDigest, parseDigest } from "../core/index.js";
import { RegistryError } from "./errors.js";

/**
 * Parses a digest from a request as a registry error. An unknown algorithm is DIGEST_INVALID too,
 * as Distribution answers, with a message that names the algorithm.
 */
export function requireDigest(input: string): ParsedDigest {
  try {
    return parseDigest(input);
  } catch (err) {
    throw new RegistryError("DIGEST_INVALID", isPortcullisError(err) ? err.message : String(err), {
      cause: err,
      detail: { digest: input },
    });
  }
}
