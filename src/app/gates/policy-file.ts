import { describeReadError, readRegularFile } from "../../core/index.js";
import { MAX_POLICY_BYTES, type Policy, PolicyError, parsePolicy } from "../../policy/index.js";

/** Reads a policy file: a regular file of at most MAX_POLICY_BYTES, never a FIFO or a device. */
export const readPolicyBytes = (path: string): Buffer =>
  readRegularFile(path, { maxBytes: MAX_POLICY_BYTES });

/**
 * Reads and compiles a policy file. The path as given names the file in messages
 * (`policy.yaml:12: defaultRule.require...`) and anchors relative key paths. Every problem, an
 * unreadable file included, is a PolicyError POLICY_INVALID.
 */
export function loadPolicyFile(
  path: string,
  readBytes: (path: string) => Uint8Array = readPolicyBytes,
): Policy {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (err) {
    throw new PolicyError("POLICY_INVALID", `${path}: cannot read policy file: ${describeReadError(err)}`, {
      cause: err,
      detail: { file: path },
    });
  }
  return parsePolicy(bytes, path);
}
