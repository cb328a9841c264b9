/**
 * A path into a parsed document as people write it: `require.attestations[0].condition` from zod's
 * `["require", "attestations", 0, "condition"]`. The one spelling of a key in every message that names
 * one (policies, lint configuration, standards).
 */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
