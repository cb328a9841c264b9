import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, constants, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readRegularFile } from "../core/index.js";
import { credentialsPath } from "./credentials-path.js";
import { UsageError } from "./trust/usage-error.js";

export { configDir, credentialsPath } from "./credentials-path.js";

/**
 * What `portcullis login` keeps: per server URL, the name and the password or robot secret it logged in
 * with (the API takes Basic credentials, as `docker login` keeps them in ~/.docker/config.json), and
 * which server commands talk to by default. The file is created with mode 0600 in a folder of mode
 * 0700 and replaced atomically; `logout` removes a server's entry.
 */
const Stored = z.object({
  username: z.string().min(1),
  secret: z.string().min(1),
  /** Plain HTTP to a host other than loopback, allowed by `login --insecure`. */
  insecure: z.boolean().optional(),
});
const File = z.object({
  current: z.string().optional(),
  servers: z.record(z.string(), Stored),
});

export type StoredServer = z.output<typeof Stored>;
export type CredentialsFile = z.output<typeof File>;

export function readCredentials(path = credentialsPath()): CredentialsFile {
  let text: string;
  try {
    text = readRegularFile(path, { maxBytes: 1024 * 1024 }).toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { servers: {} };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never the parser's message: it quotes the file, which holds passwords.
    throw new UsageError(`${path} is not valid JSON: fix or remove it, then log in again`);
  }
  const result = File.safeParse(parsed);
  if (!result.success)
    throw new UsageError(`${path} is not a Portcullis credentials file: remove it and log in again`);
  return result.data;
}

export function writeCredentials(data: CredentialsFile, path = credentialsPath()): void {
  const dir = join(path, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  // The umask cannot widen 0600, but a file made by another tool might have been: set it again.
  chmodSync(temporary, 0o600);
  try {
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/**
 * The server URL as stored and compared: scheme, host, port and any path prefix, without a trailing
 * slash. Plain HTTP sends the password in the clear, so it is refused beyond loopback unless `insecure`.
 */
export function normalizeServer(text: string, insecure = false): string {
  let url: URL;
  try {
    url = new URL(text.includes("://") ? text : `https://${text}`);
  } catch {
    throw new UsageError(
      `${JSON.stringify(text)} is not a server URL (such as https://registry.example.com)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${text}: the server URL must be http:// or https://`);
  if (url.username || url.password || url.search || url.hash)
    throw new UsageError(`${text}: give the server URL alone (credentials go in -u and the password prompt)`);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback && !insecure) {
    throw new UsageError(
      `${text}: plain HTTP would send the password in the clear; use https://, or --insecure on a network you trust`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
