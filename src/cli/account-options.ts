import type { Command } from "commander";
import { ApiClient } from "./api-client.js";
import { credentialsPath, normalizeServer, readCredentials, type StoredServer } from "./credentials.js";
import { printTable } from "./output.js";
import { promptHidden } from "./trust/password.js";
import { UsageError } from "./trust/usage-error.js";

/** The flags every command over the accounts API shares. */
export interface ApiFlags {
  server?: string;
  output?: string;
  json?: boolean;
}

/** Adds --server, -o/--output and --json (the same as -o json). */
export function withApiFlags(command: Command): Command {
  return command
    .option("--server <url>", "a server logged in to with `portcullis login` (default: the last one)")
    .option("-o, --output <format>", "table or json", "table")
    .option("--json", "print JSON (the same as -o json)");
}

export function outputOf(flags: ApiFlags): "table" | "json" {
  if (flags.json) return "json";
  if (flags.output !== "table" && flags.output !== "json")
    throw new UsageError(`--output must be table or json, not ${JSON.stringify(flags.output)}`);
  return flags.output;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * An answer as the caller asked: the JSON as it came, or a table of `rows()`. `format` is `outputOf`'s,
 * read before the request so a bad --output fails before anything is sent.
 */
export function printAnswer(
  format: "table" | "json",
  json: unknown,
  header: string[],
  rows: () => string[][],
): void {
  if (format === "json") printJson(json);
  else printTable(header, rows());
}

export interface Connection {
  readonly client: ApiClient;
  readonly server: string;
  readonly stored: StoredServer;
}

/** The API client for `--server` (or the last server logged in to), with its stored credentials. */
export function connect(flags: ApiFlags): Connection {
  const file = readCredentials();
  const server = flags.server ? normalizeServer(flags.server, true) : file.current;
  if (server === undefined) {
    throw new UsageError("not logged in to a Portcullis server: run `portcullis login URL` first");
  }
  const stored = file.servers[server];
  if (!stored) {
    throw new UsageError(
      `not logged in to ${server} (${credentialsPath()} has no entry for it): run \`portcullis login ${server}\``,
    );
  }
  return {
    client: new ApiClient(server, { username: stored.username, secret: stored.secret }),
    server,
    stored,
  };
}

/** All of stdin, less one trailing newline (`echo "$PASSWORD" | ... --password-stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * A password: from stdin with --password-stdin, else asked on the terminal without echo (twice for a
 * new one). Never an argument: it would sit in the shell history and in `ps`.
 */
export async function readPassword(
  passwordStdin: boolean | undefined,
  prompt: string,
  options: { confirm?: boolean } = {},
): Promise<string> {
  if (passwordStdin) {
    const value = await readStdin();
    if (value === "") throw new UsageError("--password-stdin: stdin was empty");
    return value;
  }
  if (!process.stdin.isTTY)
    throw new UsageError("a password is needed: pipe it with --password-stdin, or run on a terminal");
  const first = await promptHidden(prompt);
  if (options.confirm) {
    const second = await promptHidden(prompt.replace(/: $/, " again: "));
    if (first !== second) throw new UsageError("the passwords do not match");
  }
  return first;
}

/** `pull`, `push`, `delete` for the repository permissions, or any permission by its full name. */
export function permissionName(text: string): string {
  return ["pull", "push", "delete"].includes(text) ? `repository.${text}` : text;
}

/** Values of a repeatable flag, also comma-separated (`--permission pull,push`). */
export function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== ""),
  ];
}

export function when(at: string | null): string {
  return at === null ? "never" : at.replace(/\.\d+Z$/, "Z");
}
