import { TrustError } from "../errors.js";

/** One PEM block (RFC 7468): its label and the DER (or JSON, for cosign keys) it carries. */
export interface PemBlock {
  label: string;
  bytes: Buffer;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/**
 * Reads the first PEM block of a text. Lax about surrounding text and line length as RFC 7468
 * section 3 allows parsers to be, strict about the label matching and the base64 body.
 */
export function decodePem(text: string): PemBlock {
  const begin = BEGIN.exec(text);
  if (!begin) throw new TrustError("KEY_INVALID", "no PEM block found");
  const label = begin[1]!;
  const endMarker = `-----END ${label}-----`;
  const start = begin.index + begin[0].length;
  const end = text.indexOf(endMarker, start);
  if (end < 0) throw new TrustError("KEY_INVALID", `PEM block ${label} has no END line`);
  const body = text.slice(start, end);
  // Headers (RFC 1421 "Proc-Type:" and friends) are not used by any format we read.
  if (!BASE64_BODY.test(body)) throw new TrustError("KEY_INVALID", `PEM block ${label} is not base64`);
  const bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  if (bytes.length === 0) throw new TrustError("KEY_INVALID", `PEM block ${label} is empty`);
  return { label, bytes };
}

/** Every PEM block of a text, in order (certificate chains). */
export function decodePemAll(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let rest = text;
  while (BEGIN.test(rest)) {
    const block = decodePem(rest);
    blocks.push(block);
    const endMarker = `-----END ${block.label}-----`;
    rest = rest.slice(rest.indexOf(endMarker) + endMarker.length);
  }
  return blocks;
}

/** PEM with 64-column lines (RFC 7468 section 2), ending in a newline as Go's pem.Encode does. */
export function encodePem(label: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
