import { type Command, Option } from "commander";
import {
  addAnchorOptions,
  addRegistryOptions,
  collectPair,
  collectPlatforms,
  NODE_PLATFORMS_HELP,
  outputOption,
  runWith,
  usageExitCodes,
  withPlatformFlags,
} from "../define.js";
import type { VerifyFlags } from "./verify-run.js";

// The definition alone: `verify --help` reads it without Sigstore, the policy gate and the registry
// client, which verify-run.ts imports when the command runs.

/**
 * `portcullis verify IMAGE`: cosign verify (`--key` or the keyless flags): exit 0 when at least one
 * signature verifies and passes every check, 1 when none does. With `--policy FILE`, the policy gate
 * instead: every requirement of the selected rule with its reason; exit 0 on allow or warn, 1 on deny.
 * A usage error or a malformed policy (file:line: key: message) exits 2.
 */
export function registerVerify(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    withPlatformFlags(
      addAnchorOptions(
        usageExitCodes(
          program
            .command("verify")
            .description(
              "verify an image's signatures (cosign tag scheme and Sigstore bundle referrers), or decide with a policy",
            )
            .argument("<image>", "registry reference"),
        ),
      )
        .option(
          "-a, --annotation <key=value>",
          "annotation the signature must carry (repeatable)",
          collectPair,
        )
        .option("--strict-reference", "fail, not warn, when a signature names another repository")
        .option(
          "--policy <file>",
          "decide with this policy (portcullis.dev/v1) instead of --key/keyless flags",
        )
        .option("--namespace <ns>", "with --policy: the namespace whose rule applies")
        .option(
          "--service-account <sa>",
          "with --policy: the service account (in --namespace) whose rule applies",
        )
        .addOption(
          new Option(
            "--scan <mode>",
            "with --policy: scan the image here (local), read its scan from a Portcullis server (api), or have no scan (none)",
          ).choices(["local", "none", "api"]),
        )
        .option(
          "--scan-api <url>",
          "with --scan api: the Portcullis server whose scan reports to read (e.g. https://registry.example.com:5000); " +
            "credentials from PORTCULLIS_SCAN_API_USERNAME/_PASSWORD or the docker config",
        )
        .option("--db <file>", "with --scan local: advisory database (default scan.advisoryDatabase)")
        .option("--platform <os/arch[/variant]>", `with --policy: ${NODE_PLATFORMS_HELP}`, collectPlatforms)
        .addOption(outputOption()),
    ),
  ).action((spec: string, flags: VerifyFlags) =>
    runWith(setExit, async () => {
      const { runVerify } = await import("./verify-run.js");
      return runVerify(spec, flags, program.version() ?? "dev");
    }),
  );
}
