import { RuntimeError } from "./errors.js";
import type { JsonValue } from "./event.js";

/**
 * Bounds on what one request may carry. Sizes of whole bodies are the server's (it refuses them before
 * reading); these bound what a body that fits may still ask of us, and keep each normalised event under
 * the record's 64 KiB payload limit with room for its canonical encoding.
 */
export const RUNTIME_LIMITS = {
  /** Falco alerts in one POST (falcosidekick sends one; a batch from a relay may hold more). */
  alertsPerRequest: 1000,
  /** Items in one audit EventList (the API server's webhook batches at most 400 by default). */
  auditItemsPerRequest: 10_000,
  /** Keys of one alert's output_fields (Falco's rules print a few dozen). */
  outputFields: 256,
  /** Tags of one alert. */
  tags: 64,
  /** Characters of one free-text field kept in a payload (Falco's output line, a command line). */
  textLength: 8192,
  /** Containers named by one workload spec (all lists together). */
  containers: 128,
  /** Annotations kept from one audit event. */
  annotations: 64,
  /** A normalised payload, as JSON bytes: the record refuses more than 64 KiB of canonical JSON. */
  payloadBytes: 60 * 1024,
  /** Characters of a summary line. */
  summaryLength: 300,
} as const;

export function tooLarge(message: string): RuntimeError {
  return new RuntimeError("RUNTIME_INPUT_TOO_LARGE", message);
}

/** Refuses a payload the record would refuse, naming the event by where it sat in the body. */
export function checkPayloadSize(payload: { [key: string]: JsonValue }, where: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(payload), "utf8");
  if (bytes > RUNTIME_LIMITS.payloadBytes) {
    throw tooLarge(`${where}: normalised event is ${bytes} bytes (at most ${RUNTIME_LIMITS.payloadBytes})`);
  }
}

/** One line for people, cut with an ellipsis: summaries are for lists, the payload keeps the detail. */
export function summaryLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= RUNTIME_LIMITS.summaryLength
    ? line
    : `${line.slice(0, RUNTIME_LIMITS.summaryLength - 1)}…`;
}
