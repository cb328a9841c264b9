import { Transform, type TransformCallback } from "node:stream";
import { Digester, parseDigest } from "../../core/index.js";
import { ImageError } from "../errors.js";

/**
 * A pass-through that hashes every byte and fails at the end when the bytes do not hash to
 * `digest` or do not add up to `size` (descriptor.md#digests: content "MUST" be verified against
 * its digest). Consumers see the bytes as they arrive, so an error at the end means everything
 * derived from the stream must be thrown away; the layer walker and the sources do exactly that.
 */
export function verifyingStream(digest: string, size: number | undefined, what: string): Transform {
  const expected = parseDigest(digest);
  const digester = new Digester(expected.algorithm);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      digester.update(chunk);
      if (size !== undefined && digester.size > size) {
        callback(
          new ImageError("BLOB_DIGEST_MISMATCH", `${what} is larger than its descriptor's size ${size}`, {
            detail: { digest },
          }),
        );
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = digester.digest();
      if (actual !== expected.value) {
        callback(
          new ImageError("BLOB_DIGEST_MISMATCH", `${what}: content hashes to ${actual}, expected ${digest}`, {
            detail: { digest, actual },
          }),
        );
      } else if (size !== undefined && digester.size !== size) {
        callback(
          new ImageError(
            "BLOB_DIGEST_MISMATCH",
            `${what} is ${digester.size} bytes, its descriptor says ${size}`,
            { detail: { digest } },
          ),
        );
      } else {
        callback();
      }
    },
  });
}
