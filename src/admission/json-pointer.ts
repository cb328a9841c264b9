/**
 * JSON Pointers (RFC 6901): each reference token escapes "~" as "~0" and "/" as "~1", in that order,
 * so that "a/b" and "a~1b" stay distinct.
 */

export function escapePointerToken(token: string | number): string {
  return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

export function jsonPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${escapePointerToken(token)}`).join("");
}
