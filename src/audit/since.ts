import { parseDuration } from "../core/index.js";
import { AuditError } from "./errors.js";

/**
 * A `since` filter: a duration back from `now` (`24h`, `7d`) or an RFC 3339 / ISO 8601 time
 * (`2026-01-31`, `2026-01-31T12:00:00Z`). Returns epoch milliseconds.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) throw new AuditError("INVALID_ARGUMENT", `invalid time ${JSON.stringify(text)}`);
    return at;
  }
  try {
    return now - parseDuration(trimmed);
  } catch (err) {
    throw new AuditError(
      "INVALID_ARGUMENT",
      `invalid since ${JSON.stringify(text)}: expected a duration such as 24h or a time such as 2026-01-31T12:00:00Z`,
      { cause: err },
    );
  }
}
