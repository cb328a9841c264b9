import type { z } from "zod";
import { SbomError } from "../errors.js";

/**
 * A value of a document, checked: itself when the plain shape check passes (no copy, which matters
 * for a million components), else zod's parse, whose error names the field under `at()` (a function,
 * so well-formed values cost no path).
 */
export function checkedValue<T>(
  format: string,
  value: unknown,
  isShape: (v: unknown) => v is T,
  schema: z.ZodType<T>,
  at: () => readonly PropertyKey[],
): T {
  if (isShape(value)) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidSbom(format, parsed.error, at());
  return parsed.data;
}

/** "components[3].licenses[0]" from a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(document)" : out;
}

/**
 * SBOM_INVALID naming the first problem's path, e.g. "CycloneDX components[2].name: must be a string";
 * `at` is where in the document the value checked sits (a nested component checked on its own).
 */
export function invalidSbom(format: string, error: z.ZodError, at: readonly PropertyKey[] = []): SbomError {
  const first = error.issues[0];
  const where = first ? issuePath([...at, ...first.path]) : "(document)";
  const message = first ? first.message : "invalid";
  return new SbomError("SBOM_INVALID", `${format} ${where}: ${message}`, {
    detail: error.issues
      .slice(0, 20)
      .map((i) => ({ path: issuePath([...at, ...i.path]), message: i.message })),
  });
}
