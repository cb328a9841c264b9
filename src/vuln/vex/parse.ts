import { VulnError } from "../errors.js";
import { type OpenVexDocument, openVexSchema } from "./schema.js";

/** The largest OpenVEX document read (64 MiB): hundreds of thousands of statements. */
export const MAX_VEX_BYTES = 64 * 1024 * 1024;

/**
 * Reads one OpenVEX document from its JSON text (or already-parsed value). Anything malformed
 * (not JSON, not OpenVEX, a statement without products, a not_affected without a justification)
 * is a VEX_INVALID error naming the document and the field.
 */
export function parseOpenVex(input: string | unknown, where = "OpenVEX document"): OpenVexDocument {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new VulnError("VEX_INVALID", `${where}: not JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  const result = openVexSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(document)"}: ${issue.message}`)
      .join("; ");
    throw new VulnError("VEX_INVALID", `${where}: ${problems}`);
  }
  return result.data;
}
