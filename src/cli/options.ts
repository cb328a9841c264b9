import type { Command } from "commander";
import { type ResolvedConfig, resolveConfig } from "../app/index.js";

/** The flags every command that opens the platform shares. */
export interface PlatformFlags {
  config?: string;
  data?: string;
}

/**
 * Adds -c/--config and -d/--data. The configuration is resolved before the command runs, so a
 * missing or invalid file named by --config stops every command that takes it (exit 2), also one
 * whose flags happen not to need the configuration this time (`scan --sbom --skip-db`).
 */
export function withPlatformFlags(command: Command): Command {
  return command
    .option("-c, --config <file>", "YAML configuration file (every key also settable as PORTCULLIS_...)")
    .option("-d, --data <dir>", "data folder for blobs and the SQLite database (default ./data)")
    .hook("preAction", (self) => {
      configFrom(self.opts<PlatformFlags>());
    });
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
