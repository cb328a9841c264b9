import type { Command } from "commander";
import { outputOption, runWith, usageExitCodes } from "./define.js";
import type { CheckFlags, TestFlags } from "./policy.js";

// The definition of `portcullis policy` alone: policy.ts, which parses policies (CEL, YAML, the key
// files through trust/), is imported when a subcommand runs, not for `policy --help`.

export function registerPolicy(program: Command, setExit: (code: number) => void): void {
  const policy = program.command("policy").description("validate policies and replay recorded decisions");

  usageExitCodes(
    policy
      .command("check")
      .description("validate a policy file (schema, CEL, patterns) and the key files it names")
      .argument("<file>", "policy YAML")
      .option("--no-key-files", "do not read the key files the policy names")
      .addOption(outputOption()),
  ).action((file: string, flags: CheckFlags) =>
    runWith(setExit, async () => (await import("./policy.js")).checkPolicy(file, flags)),
  );

  usageExitCodes(
    policy
      .command("test")
      .description("replay recorded cases against a policy; exit 1 when a decision differs")
      .argument("<file>", "policy YAML")
      .requiredOption("--cases <dir>", "folder of recorded cases (*.json)")
      .addOption(outputOption()),
  ).action((file: string, flags: TestFlags) =>
    runWith(setExit, async () => (await import("./policy.js")).testPolicy(file, flags)),
  );
}
