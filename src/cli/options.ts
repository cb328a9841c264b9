import type { Command } from "commander";
import { type ResolvedConfig, resolveConfig } from "../app/index.js";

/** The flags every command that opens the platform shares. */
export interface PlatformFlags {
  config?: string;
  data?: string;
}

export function withPlatformFlags(command: Command): Command {
  return command
    .option("-c, --config <file>", "YAML configuration file (every key also settable as PORTCULLIS_...)")
    .option("-d, --data <dir>", "data folder for blobs and the SQLite database (default ./data)");
}

export function configFrom(
  flags: PlatformFlags,
  extra: Record<string, string | boolean | undefined> = {},
): ResolvedConfig {
  return resolveConfig({
    ...(flags.config ? { file: flags.config } : {}),
    flags: { "storage.dataDir": flags.data, ...extra },
  });
}
