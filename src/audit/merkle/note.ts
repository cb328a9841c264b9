import { MerkleError, noteMalformed } from "./errors.js";
import { decodeBase64, hex, isValidKeyName, type NoteSigner, type NoteVerifier } from "./note-keys.js";

/**
 * C2SP signed notes (https://c2sp.org/signed-note): UTF-8 text ending in a newline, a blank line, then
 * one line per signature, `— <key name> <base64(key ID || signature)>`. Bounded: a note is at most
 * MAX_NOTE_BYTES and carries at most MAX_NOTE_SIGNATURES signatures (checkpoints are a few hundred bytes).
 */
export const MAX_NOTE_BYTES = 64 * 1024;
export const MAX_NOTE_SIGNATURES = 100;

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The Ed25519 signature (or, for an unknown key, whatever followed the key ID). */
  readonly signature: Uint8Array;
}

export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface OpenedNote {
  readonly text: string;
  /** Signatures by the verifiers given, each once. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys the caller did not give: ignored, as the spec requires. */
  readonly unverified: readonly NoteSignature[];
}

const SIGNATURE_PREFIX = "\u2014 ";
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/** Checks note text: UTF-8, ending in a newline, no control character but newline, within the bound. */
function checkText(text: string): void {
  if (Buffer.byteLength(text) > MAX_NOTE_BYTES)
    throw noteMalformed(`a note is at most ${MAX_NOTE_BYTES} bytes`);
  if (!text.endsWith("\n")) throw noteMalformed("note text must end with a newline");
  if (CONTROL.test(text)) throw noteMalformed("note text holds a control character");
  if (Buffer.from(text).toString() !== text) throw noteMalformed("note text is not well-formed Unicode");
}

/** Signs `text` with each signer; the note it returns is text, a blank line and one line per signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES) {
    throw new MerkleError("INVALID_ARGUMENT", `a note needs 1 to ${MAX_NOTE_SIGNATURES} signers`);
  }
  const message = Buffer.from(text);
  const lines = signers.map((signer) => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(signer.keyId);
    const blob = Buffer.concat([id, signer.sign(message)]).toString("base64");
    return `${SIGNATURE_PREFIX}${signer.name} ${blob}\n`;
  });
  const note = `${text}\n${lines.join("")}`;
  if (Buffer.byteLength(note) > MAX_NOTE_BYTES)
    throw noteMalformed(`a note is at most ${MAX_NOTE_BYTES} bytes`);
  return note;
}

/** Splits a note into its text and signatures without checking any signature. */
export function parseNote(input: string | Uint8Array): ParsedNote {
  const note = typeof input === "string" ? input : decodeUtf8(input);
  if (Buffer.byteLength(note) > MAX_NOTE_BYTES)
    throw noteMalformed(`a note is at most ${MAX_NOTE_BYTES} bytes`);
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw noteMalformed("a note has no blank line before its signatures");
  const text = note.slice(0, split + 1);
  checkText(text);
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) throw noteMalformed("a note's last signature line must end with a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw noteMalformed(`a note carries at most ${MAX_NOTE_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

function parseSignatureLine(line: string, index: number): NoteSignature {
  const fields = line.startsWith(SIGNATURE_PREFIX) ? line.slice(SIGNATURE_PREFIX.length).split(" ") : [];
  const blob = fields.length === 2 ? decodeBase64(fields[1]!) : undefined;
  if (fields.length !== 2 || !isValidKeyName(fields[0]!) || blob === undefined || blob.length < 5) {
    throw noteMalformed(`signature line ${index + 1} is not "— <key name> <base64 signature>"`);
  }
  return { name: fields[0]!, keyId: Buffer.from(blob).readUInt32BE(0), signature: blob.subarray(4) };
}

/**
 * Opens a note: every signature by a given verifier must verify (SIGNATURE_INVALID otherwise), others are
 * set aside, and at least one must be by a given verifier (NOTE_UNVERIFIED otherwise).
 */
export function openNote(input: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const byKey = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const key = `${verifier.name}+${hex(verifier.keyId)}`;
    if (byKey.has(key)) throw new MerkleError("INVALID_ARGUMENT", `verifier ${key} is given twice`);
    byKey.set(key, verifier);
  }
  const { text, signatures } = parseNote(input);
  const message = Buffer.from(text);
  const verified = new Map<string, NoteSignature>();
  const unverified: NoteSignature[] = [];
  for (const signature of signatures) {
    const key = `${signature.name}+${hex(signature.keyId)}`;
    const verifier = byKey.get(key);
    if (verifier === undefined) {
      unverified.push(signature);
    } else if (!verifier.verify(message, signature.signature)) {
      throw new MerkleError("SIGNATURE_INVALID", `invalid signature for key ${key}`);
    } else if (!verified.has(key)) {
      verified.set(key, signature);
    }
  }
  if (verified.size === 0)
    throw new MerkleError("NOTE_UNVERIFIED", "the note has no signature by a trusted key");
  return { text, verified: [...verified.values()], unverified };
}

function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length > MAX_NOTE_BYTES) throw noteMalformed(`a note is at most ${MAX_NOTE_BYTES} bytes`);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw noteMalformed("a note is not UTF-8");
  }
}
