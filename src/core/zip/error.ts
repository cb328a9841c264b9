import { PortcullisError } from "../errors.js";

export type ZipErrorCode =
  /** The bytes are not a sound ZIP archive: truncated, corrupt, overlapping, or lying about sizes. */
  | "ZIP_INVALID"
  /** A sound archive using what the reader does not read: encryption, a method other than stored or deflated. */
  | "ZIP_UNSUPPORTED"
  /** Over a limit the caller set: entries, an entry's size, the decompressed budget. */
  | "ZIP_LIMIT";

/**
 * Every problem the ZIP reader finds, never Node's RangeError from a read past a buffer. When the
 * problem is one entry's, `entry` names it and the message starts with that name.
 */
export class ZipError extends PortcullisError<ZipErrorCode> {
  readonly entry?: string;

  constructor(code: ZipErrorCode, message: string, entry?: string) {
    super(code, entry === undefined ? message : `${entry}: ${message}`, {
      ...(entry === undefined ? {} : { detail: { entry } }),
    });
    if (entry !== undefined) this.entry = entry;
  }
}
