import { readFileSync } from "node:fs";
import { type Policy, PolicyError, parsePolicy } from "../../policy/index.js";

/**
 * Reads and compiles a policy file. The path as given names the file in messages
 * (`policy.yaml:12: defaultRule.require...`) and anchors relative key paths. Every problem, an
 * unreadable file included, is a PolicyError POLICY_INVALID.
 */
export function loadPolicyFile(path: string, readBytes: (path: string) => Uint8Array = readFileSync): Policy {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PolicyError("POLICY_INVALID", `${path}: cannot read policy file: ${why}`, {
      cause: err,
      detail: { file: path },
    });
  }
  return parsePolicy(bytes, path);
}
