import { createHash, type Hash } from "node:crypto";
import { CoreError } from "./errors.js";

/**
 * Content digests as the OCI image specification defines them (descriptor.md#digests):
 *   digest    ::= algorithm ":" encoded
 *   algorithm ::= component (separator component)*   component ::= [a-z0-9]+   separator ::= [+._-]
 *   encoded   ::= [a-zA-Z0-9=_-]+
 * Only the registered algorithms sha256 and sha512 are supported, each as lower-case hex of fixed length.
 */
export type DigestAlgorithm = "sha256" | "sha512";

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** The canonical string form, `algorithm:hex`. */
  readonly value: string;
}

const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return name === "sha256" || name === "sha512";
}

/** Parses and validates a digest string; throws DIGEST_INVALID or DIGEST_UNSUPPORTED. */
export function parseDigest(input: string): ParsedDigest {
  if (input.length > 256 || !GRAMMAR.test(input)) {
    throw new CoreError("DIGEST_INVALID", `invalid digest ${JSON.stringify(input.slice(0, 80))}`);
  }
  const colon = input.indexOf(":");
  const algorithm = input.slice(0, colon);
  const hex = input.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new CoreError("DIGEST_UNSUPPORTED", `unsupported digest algorithm ${JSON.stringify(algorithm)}`);
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new CoreError(
      "DIGEST_INVALID",
      `invalid ${algorithm} digest ${JSON.stringify(input.slice(0, 80))}`,
    );
  }
  return { algorithm, hex, value: input };
}

export function isValidDigest(input: string): boolean {
  try {
    parseDigest(input);
    return true;
  } catch {
    return false;
  }
}

/** An incremental digester; `copy()` lets an upload keep its running state between chunks. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private hash: Hash;
  private bytes = 0;

  constructor(algorithm: DigestAlgorithm = "sha256", hash?: Hash, bytes = 0) {
    this.algorithm = algorithm;
    this.hash = hash ?? createHash(algorithm);
    this.bytes = bytes;
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** The digest so far, without ending this digester. */
  digest(): string {
    return `${this.algorithm}:${this.hash.copy().digest("hex")}`;
  }

  copy(): Digester {
    return new Digester(this.algorithm, this.hash.copy(), this.bytes);
  }
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;
}
