import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { readRegularFile } from "../core/index.js";
import { type OpenImageOptions, parsePlatform } from "../oci/index.js";
import { UsageError } from "./trust/usage-error.js";

/** The flags every command that reads an image shares (sbom, scan, sign, verify, ...). */
export interface ImageFlags {
  platform?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
}

export function addImageOptions(command: Command): Command {
  return command
    .option("--platform <os/arch[/variant]>", "platform to pick from a multi-platform image", "linux/amd64")
    .option("--username <name>", "registry user name (default: from ~/.docker/config.json)")
    .option("--password <secret>", "registry password or token (prefer --password-stdin)")
    .option("--password-stdin", "read the registry password from standard input")
    .option("--insecure", "allow plain HTTP to registries other than localhost and 127.0.0.1");
}

const IMAGE_FORMS =
  "IMAGE is a registry reference (localhost:5000/app:1, alpine:3.19, name@sha256:...), oci:DIR[:TAG], " +
  "oci-archive:FILE, docker-archive:FILE or dir:ROOTFS";

export function imageHelp(): string {
  return IMAGE_FORMS;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** The docker CLI's config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
function dockerConfigText(): string | undefined {
  const dir = process.env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  try {
    // A regular file of at most 1 MiB: a FIFO or a device there must not hang or exhaust a command.
    return readRegularFile(join(dir, "config.json"), { maxBytes: 1024 * 1024 }).toString("utf8");
  } catch {
    return undefined;
  }
}

/** Turns the shared flags into openImage options; credentials never leave this object. */
export async function imageOptionsFrom(flags: ImageFlags): Promise<OpenImageOptions> {
  const password = flags.passwordStdin ? await readStdin() : flags.password;
  if (password !== undefined && flags.username === undefined) {
    throw new UsageError("--password needs --username");
  }
  const platform = parsePlatform(flags.platform ?? "linux/amd64");
  if (!platform) {
    throw new UsageError(
      `--platform must be OS/ARCH[/VARIANT] (linux/arm64), not ${JSON.stringify(flags.platform)}`,
    );
  }
  const dockerConfig = dockerConfigText();
  return {
    platform,
    registry: {
      ...(flags.username !== undefined && password !== undefined
        ? { credentials: { username: flags.username, password } }
        : {}),
      ...(dockerConfig !== undefined ? { dockerConfig } : {}),
      insecure: flags.insecure === true,
    },
  };
}
