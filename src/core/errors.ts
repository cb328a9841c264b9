/**
 * The one coded-error base. Every domain module subclasses it with its own union of codes;
 * tests assert `code`, never the message, and `server/` maps codes to wire errors in one table.
 */
export class PortcullisError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly detail?: unknown;

  constructor(code: Code, message: string, options: { cause?: unknown; detail?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

export type CoreErrorCode =
  | "DIGEST_INVALID"
  | "DIGEST_UNSUPPORTED"
  | "INVALID_ARGUMENT"
  /** A file the user named is a FIFO, a device, a directory or a socket (readRegularFile). */
  | "FILE_NOT_REGULAR"
  /** A file the user named is over its size limit (readRegularFile). */
  | "FILE_TOO_LARGE"
  /** A user-supplied regular expression RE2 refuses, or one over the size limits (patterns.ts). */
  | "PATTERN_INVALID"
  /** Text that is not JSON, or that poisons prototypes (json.ts). */
  | "JSON_INVALID"
  /** JSON nested deeper than its reader allows (json.ts). */
  | "JSON_LIMIT";

export class CoreError extends PortcullisError<CoreErrorCode> {}

export function isPortcullisError(err: unknown): err is PortcullisError {
  return err instanceof PortcullisError;
}
