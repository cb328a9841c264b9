import { PortcullisError } from "../../core/index.js";

/**
 * `CONFIG_INVALID`: the lint configuration file is unreadable or invalid (the CLI exits 2, as for the
 * platform configuration). `FILE_UNREADABLE`: a Dockerfile to lint cannot be read at all.
 */
export type LintErrorCode = "CONFIG_INVALID" | "FILE_UNREADABLE";

export class LintError extends PortcullisError<LintErrorCode> {}
