import { MerkleError, noteMalformed } from "./errors.js";
import { HASH_SIZE, requireCount } from "./hash.js";
import { openNote, signNote } from "./note.js";
import { decodeBase64, type NoteSigner, type NoteVerifier } from "./note-keys.js";

/**
 * A tree head in the C2SP checkpoint format (https://c2sp.org/tlog-checkpoint): the note text
 * `origin\nsize\nbase64(root)\n` followed by optional extension lines, signed as a signed note.
 */
export interface TreeCheckpoint {
  /** The log's identity, conventionally a schema-less URL; also the signing key's name by convention. */
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

export function formatTreeCheckpoint(checkpoint: TreeCheckpoint): string {
  const { origin, size, root, extensions } = checkpoint;
  if (origin.length === 0 || origin.includes("\n")) throw invalid("the origin is one non-empty line");
  requireCount(size, "tree size");
  if (root.length !== HASH_SIZE) throw invalid(`the root hash is ${HASH_SIZE} bytes, not ${root.length}`);
  if (extensions.some((line) => line.length === 0 || line.includes("\n"))) {
    throw invalid("each extension is one non-empty line");
  }
  const lines = [origin, String(size), Buffer.from(root).toString("base64"), ...extensions];
  return `${lines.join("\n")}\n`;
}

export function parseTreeCheckpoint(text: string): TreeCheckpoint {
  const lines = text.split("\n");
  if (lines.length < 4 || lines.pop() !== "")
    throw noteMalformed("a checkpoint is origin, size and root, each a line");
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw noteMalformed("a checkpoint's origin line is empty");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw noteMalformed(`"${sizeText.slice(0, 40)}" is not a tree size`);
  }
  const root = decodeBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE)
    throw noteMalformed("a checkpoint's root is 32 bytes in base64");
  if (extensions.some((line) => line.length === 0))
    throw noteMalformed("a checkpoint has an empty extension line");
  return { origin, size: Number(sizeText), root, extensions };
}

export function signTreeCheckpoint(checkpoint: TreeCheckpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatTreeCheckpoint(checkpoint), signers);
}

/**
 * Reads a signed checkpoint of the log `origin`: signed by one of `verifiers` (see openNote), and of
 * that log, so a valid checkpoint of another log signed by the same key is refused.
 */
export function openTreeCheckpoint(
  note: string | Uint8Array,
  origin: string,
  verifiers: readonly NoteVerifier[],
): TreeCheckpoint {
  const checkpoint = parseTreeCheckpoint(openNote(note, verifiers).text);
  if (checkpoint.origin !== origin) {
    throw new MerkleError(
      "NOTE_UNVERIFIED",
      `the checkpoint is of log "${checkpoint.origin}", not "${origin}"`,
    );
  }
  return checkpoint;
}

function invalid(message: string): MerkleError {
  return new MerkleError("INVALID_ARGUMENT", message);
}
