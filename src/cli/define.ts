import { type Command, CommanderError, InvalidArgumentError, Option } from "commander";

/**
 * What a command's definition needs (its shared flags, parsers and exit codes), importing nothing but
 * commander: `portcullis verify --help` builds the command from these alone, and the module that runs
 * it (with Sigstore, the registry client, the policy gate) is imported only when it runs.
 * trust/common.ts, options.ts and node-platforms.ts re-export them for the code that runs commands.
 */

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
    .hook("preAction", async (self) => {
      const { configFrom } = await import("./options.js");
      configFrom(self.opts<PlatformFlags>());
    });
}

/** The registry flags every trust command shares (the image ones without --platform: a digest is signed, not a platform). */
export function addRegistryOptions(command: Command): Command {
  return command
    .option("--username <name>", "registry user name (default: from ~/.docker/config.json)")
    .option("--password <secret>", "registry password or token (prefer --password-stdin)")
    .option("--password-stdin", "read the registry password from standard input")
    .option("--insecure", "allow plain HTTP to registries other than localhost and 127.0.0.1");
}

/**
 * Parse errors from commander (a missing argument, an unknown flag) exit 2 like our own usage
 * errors; help and version still exit 0.
 */
export function usageExitCodes(command: Command): Command {
  return command.exitOverride((err) => {
    if (err.exitCode === 0) throw err;
    throw new CommanderError(2, err.code, err.message);
  });
}

export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table");
}

/** `-a key=value`, repeatable. */
export function collectPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export interface AnchorFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
}

export function addAnchorOptions(command: Command): Command {
  return command
    .option("--key <file>", "public key (PEM) the signatures must verify with")
    .option(
      "--certificate-identity <id>",
      "keyless: the signer's certificate identity (email or URI), exactly",
    )
    .option(
      "--certificate-identity-regexp <re>",
      "keyless: a pattern the whole certificate identity must match",
    )
    .option("--certificate-oidc-issuer <url>", "keyless: the OIDC issuer of the signer's certificate")
    .option("--trusted-root <file>", "keyless: Sigstore trusted_root.json (Fulcio CAs, Rekor and CT keys)");
}

/**
 * `--platform` of the policy gates (verify --policy, admission serve): the platforms of the nodes that
 * run what the gate admits, repeated or comma-separated. A multi-platform index is judged by every image
 * a runtime could select on one of them; without the flag, by every image it lists.
 */
export const NODE_PLATFORMS_HELP =
  "platforms of the nodes that run the image (repeat or comma-separate: linux/amd64,linux/arm64); " +
  "a multi-platform index is judged by every image a runtime could select on them (default: every image it lists)";

/** commander's collector: each use of the flag adds its comma-separated platforms. */
export function collectPlatforms(value: string, previous: readonly string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim())];
}

/**
 * Runs a command body and sets its exit code; every error propagates to main, whose one mapper
 * (failure.ts) prints it as one line and picks the exit code (a UsageError exits 2).
 */
export function runWith(setExit: (code: number) => void, body: () => Promise<number>): Promise<void> {
  return body().then(setExit);
}
