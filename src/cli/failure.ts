import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { type Command, CommanderError } from "commander";
import { isPortcullisError } from "../core/index.js";
import { UsageError } from "./trust/usage-error.js";

/**
 * The exit codes every command shares (README, "Commands"). Findings are what a command was asked to
 * look for (vulnerabilities, lint findings, a deny, an untrusted image, a broken audit chain); a usage
 * or input error is the command line or a file it names being wrong, which a CI script must not
 * mistake for findings. An error the command could not get past otherwise (a registry that does not
 * answer) is 1 as well, so a gate fails closed whatever it meant.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;

/** What a failed command prints (one line, without `portcullis: `) and the code it exits with. */
export interface CliFailure {
  readonly message: string;
  readonly exitCode: number;
}

/**
 * Codes of our errors that mean the input was wrong: a file or flag the user gave that is missing,
 * malformed, refused, or names an image or database that is not there. Everything else is 1.
 */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  // core, app
  "INVALID_ARGUMENT",
  "FILE_NOT_REGULAR",
  "FILE_TOO_LARGE",
  "CONFIG_INVALID",
  // sbom, vuln
  "SBOM_INVALID",
  "FORMAT_UNSUPPORTED",
  "ADVISORY_INVALID",
  "IMPORT_FAILED",
  "DATABASE_MISSING",
  "DATABASE_EMPTY",
  "VEX_INVALID",
  "STANDARDS_INVALID",
  // policy, gates
  "POLICY_INVALID",
  "CASE_INVALID",
  "KEY_UNREADABLE",
  "INVALID_REFERENCE",
  // trust
  "KEY_INVALID",
  "KEY_UNSUPPORTED",
  "KEY_TOO_WEAK",
  "KEY_ENCRYPTION_UNSUPPORTED",
  "PASSWORD_REQUIRED",
  "WRONG_PASSWORD",
  "STATEMENT_INVALID",
  "PREDICATE_TYPE_UNKNOWN",
  "TRUSTED_ROOT_INVALID",
  "CERTIFICATE_INVALID",
  // oci: references given on the command line, images named by path
  "NAME_INVALID",
  "TAG_INVALID",
  "REFERENCE_INVALID",
  "DIGEST_INVALID",
  "DIGEST_UNSUPPORTED",
  "IMAGE_NOT_FOUND",
  "IMAGE_UNREADABLE",
  "PLATFORM_NOT_FOUND",
  // dockerfile (lint's configuration and files, provenance's --dockerfile)
  "FILE_UNREADABLE",
  "DOCKERFILE_INVALID",
]);

/** Node's errno codes for a path that cannot be used, each with what it means and the fix. */
const PATH_ERRORS: Readonly<Record<string, (path?: string) => string>> = {
  ENOENT: (path) =>
    path === undefined || existsSync(dirname(path))
      ? "no such file or folder (check the path)"
      : `the folder ${dirname(path)} does not exist (check the path, or create the folder)`,
  ENOTDIR: () => "a part of the path is a file, not a folder (check the path)",
  EISDIR: () => "is a folder, not a file (name the file inside it)",
  EACCES: () => "permission denied (check its permissions and those of its folders)",
  EPERM: () => "operation not permitted (check its permissions and those of its folders)",
  EEXIST: () => "already exists (refusing to overwrite it: choose another name or move it away)",
  ELOOP: () => "too many symbolic links (a link loop?)",
  ENAMETOOLONG: () => "the name is too long",
  EROFS: () => "the file system is read-only (choose a writable place)",
};

/** What to do next, for codes whose messages name the file but not the fix. */
const HINTS: Readonly<Record<string, string>> = {
  ADVISORY_INVALID: "db import takes OSV JSON records, folders of them, or OSV's all.zip archives",
  SBOM_INVALID: "give a CycloneDX or SPDX JSON SBOM, such as `portcullis sbom IMAGE` writes",
  FORMAT_UNSUPPORTED:
    "give a CycloneDX 1.4 to 1.6 or SPDX 2.2 or 2.3 JSON SBOM, such as `portcullis sbom IMAGE` writes",
};

/**
 * Messages written elsewhere still carry Node's errno text ("ENOENT: no such file or directory, open
 * 'x'") or zod's ("id: Invalid input: expected string, received undefined"): say them in words.
 */
function tidy(message: string): string {
  return message
    .replace(/\b(E[A-Z]{3,}): [^,]+, [a-z]+(?: '([^']*)')?/g, (raw, code: string, path?: string) => {
      const explain = PATH_ERRORS[code];
      return explain === undefined ? raw : explain(path);
    })
    .replace(/\b(E[A-Z]{3,})\b(?![:\w])/g, (raw, code: string) => PATH_ERRORS[code]?.() ?? raw)
    .replace(/Invalid input: expected (\w+), received undefined/g, "missing (expected $1)")
    .replace(/Invalid input: expected (\w+), received (\w+)/g, "expected $1, got $2");
}

/**
 * The flag (or argument) of the running command whose value is `path`, so a message can say
 * `--sbom missing.json` rather than a bare path. Undefined when no flag holds it.
 */
function flagNaming(command: Command | undefined, path: string): string | undefined {
  if (command === undefined) return undefined;
  const holds = (value: unknown) => value === path || (Array.isArray(value) && value.includes(path));
  for (const option of command.options) {
    if (holds(command.getOptionValue(option.attributeName())))
      return option.long ?? option.short ?? option.flags;
  }
  return undefined;
}

function errnoOf(err: unknown): (NodeJS.ErrnoException & { path: string }) | undefined {
  const e = err as NodeJS.ErrnoException | null;
  return e !== null && typeof e === "object" && typeof e.code === "string" && typeof e.path === "string"
    ? (e as NodeJS.ErrnoException & { path: string })
    : undefined;
}

/** One line: a message with line breaks (a YAML error's code frame, say) keeps its first line. */
function oneLine(message: string): string {
  return message.split(/\r?\n/, 1)[0]!.trim();
}

/**
 * The one mapping from an error to what the CLI prints and the exit code, used by `main` for every
 * command. `command` is the command that was running, when known: it lets a raw file error name the
 * flag that gave the file.
 */
export function cliFailure(err: unknown, command?: Command): CliFailure {
  // Commander has already printed its own message (and help for a usage mistake).
  if (err instanceof CommanderError)
    return { message: "", exitCode: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (err instanceof UsageError) return { message: tidy(oneLine(err.message)), exitCode: EXIT.usage };
  const errno = errnoOf(err);
  if (errno !== undefined) {
    const explain = PATH_ERRORS[errno.code!];
    if (explain !== undefined) {
      const flag = flagNaming(command, errno.path);
      const subject = flag === undefined ? errno.path : `${flag} ${errno.path}`;
      return { message: `${subject}: ${explain(errno.path)}`, exitCode: EXIT.usage };
    }
  }
  if (isPortcullisError(err)) {
    const hint = HINTS[err.code];
    return {
      message: `${tidy(oneLine(err.message))}${hint === undefined ? "" : `; ${hint}`}`,
      exitCode: INPUT_ERROR_CODES.has(err.code) ? EXIT.usage : EXIT.findings,
    };
  }
  return {
    message: tidy(oneLine(err instanceof Error ? err.message : String(err))),
    exitCode: EXIT.findings,
  };
}

/**
 * Why a file could not be used, in words with the fix, or undefined when `err` is not a file-system
 * error. `path` stands in for errors that carry none (a read of a folder fails with EISDIR on `read`).
 */
export function describePathError(err: unknown, path?: string): string | undefined {
  const e = err as NodeJS.ErrnoException | null;
  if (e === null || typeof e !== "object" || typeof e.code !== "string") return undefined;
  const where = typeof e.path === "string" ? e.path : path;
  const explain = PATH_ERRORS[e.code];
  return explain === undefined || where === undefined ? undefined : explain(where);
}

/** better-sqlite3 names no file when it cannot open one (a folder, say): say what it means. */
function describeSqliteError(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "SQLITE_CANTOPEN") return "cannot be opened as a database file (is it a folder?)";
  if (code === "SQLITE_NOTADB") return "not a database file";
  return undefined;
}

/**
 * A failure while reading or parsing a file the user named, as one usage error naming the flag and
 * the file (`--sbom x.json: not valid JSON`). Errors that are not about the input (a bug, a network
 * failure) are returned unchanged.
 */
export function inputError(flag: string, path: string, err: unknown): unknown {
  const words = describePathError(err, path) ?? describeSqliteError(err);
  const about =
    words !== undefined || isPortcullisError(err) || err instanceof UsageError || err instanceof SyntaxError;
  if (!about) return err;
  const hint = isPortcullisError(err) ? HINTS[err.code] : undefined;
  const reason = `${words ?? (err as Error).message}${hint === undefined ? "" : `; ${hint}`}`;
  return new UsageError(reason.includes(path) ? reason : `${flag} ${path}: ${reason}`);
}

/** Runs `use` on a file the user named; a failure to read or parse it becomes inputError's usage error. */
export function fromInputFile<T>(flag: string, path: string, use: () => T): T {
  try {
    const result = use();
    if (result instanceof Promise)
      return result.catch((err: unknown) => {
        throw inputError(flag, path, err);
      }) as T;
    return result;
  } catch (err) {
    throw inputError(flag, path, err);
  }
}
