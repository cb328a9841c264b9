import type { RecordEntry } from "./entry.js";

/**
 * The SD-ID of our structured data. RFC 5424 §7.2.2 wants name@<IANA private enterprise number>;
 * Portcullis has none of its own, so this uses 32473, the number RFC 5612 reserves for documentation
 * and examples (a registered number would replace it; receivers match on the name).
 */
export const SYSLOG_SD_ID = "portcullis@32473";

export interface SyslogFormat {
  /** RFC 5424 facility, 0..23 (default 13, "log audit"). */
  readonly facility: number;
  /** APP-NAME, at most 48 printable US-ASCII characters. */
  readonly appName: string;
  /** HOSTNAME (default: "-", the nil value). */
  readonly hostname?: string;
  readonly procId?: string;
}

/** Severity by kind: a runtime alert is a warning, everything else informational. */
function severityOf(entry: RecordEntry): number {
  return entry.kind === "runtime.alert" ? 4 : 6;
}

/** PRINTUSASCII only (33..126), at most `max` characters; empty becomes the nil value "-". */
function header(value: string | undefined, max: number): string {
  const clean = (value ?? "").replace(/[^\x21-\x7e]/g, "").slice(0, max);
  return clean === "" ? "-" : clean;
}

/** An SD-PARAM value with `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
function paramValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/**
 * One record entry as an RFC 5424 syslog message: MSGID its kind, structured data with its index, leaf
 * hash, digest and actor (what a SIEM filters on), and the whole entry as JSON in MSG (UTF-8, so it
 * starts with the BOM RFC 5424 §6.4 asks for).
 */
export function syslogMessage(entry: RecordEntry, format: SyslogFormat): string {
  const pri = format.facility * 8 + severityOf(entry);
  const params: [string, string | undefined][] = [
    ["index", String(entry.index)],
    ["leafHash", entry.leafHash],
    ["digest", entry.digest],
    ["actor", entry.actor],
    ["repository", entry.repository],
  ];
  const sd = `[${SYSLOG_SD_ID}${params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([name, value]) => ` ${name}="${paramValue(value)}"`)
    .join("")}]`;
  return [
    `<${pri}>1`,
    new Date(entry.at).toISOString(),
    header(format.hostname, 255),
    header(format.appName, 48),
    header(format.procId, 128),
    header(entry.kind, 32),
    sd,
    `\uFEFF${JSON.stringify(entry)}`,
  ].join(" ");
}

/** Octet-counting framing (RFC 6587 §3.4.1, the framing RFC 5425 requires over TLS): "LEN SP MSG". */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}

/**
 * Splits a stream of octet-counted frames: the complete messages in `buffer` and what is left over
 * (the start of the next frame). For receivers and tests; throws on a frame that does not start with
 * a length.
 */
export function readFrames(buffer: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, at);
    if (space < 0) break;
    const lengthText = buffer.subarray(at, space).toString("ascii");
    if (!/^[1-9]\d{0,8}$/.test(lengthText))
      throw new Error(`not an octet-counted frame: ${lengthText.slice(0, 20)}`);
    const end = space + 1 + Number(lengthText);
    if (end > buffer.length) break;
    messages.push(buffer.subarray(space + 1, end).toString("utf8"));
    at = end;
  }
  return { messages, rest: buffer.subarray(at) };
}
