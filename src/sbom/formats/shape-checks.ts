/**
 * Plain shape checks for the readers' fast paths (cyclonedx/schema.ts, spdx/schema.ts): a well-formed
 * value is used as JSON.parse built it, and only a value these refuse goes through zod for its message.
 */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const optionalString = (v: unknown): boolean => v === undefined || typeof v === "string";

/** Absent, or an array whose every item passes `check`. */
export function everyItem(v: unknown, check: (item: unknown) => boolean): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!check(item)) return false;
  return true;
}
