import { Command, CommanderError } from "commander";
import { isPortcullisError } from "../core/index.js";
import { registerAdmission } from "./admission.js";
import { registerAudit } from "./audit.js";
import { registerDb } from "./db.js";
import { registerGc } from "./gc.js";
import { registerLint } from "./lint.js";
import { registerPolicy } from "./policy.js";
import { registerSbom } from "./sbom.js";
import { registerScan } from "./scan/command.js";
import { registerServe } from "./serve.js";
import { registerTrustCommands } from "./trust/index.js";

const VERSION = "0.1.0";

/** Parses argv, runs one command, and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("portcullis")
    .description(
      "A self-hosted gate for the container supply chain: OCI registry, scanning, signing and policy.",
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerServe(program, setExit);
  registerGc(program, setExit);
  registerLint(program, setExit);
  registerSbom(program, setExit);
  registerScan(program, setExit);
  registerDb(program, setExit);
  registerTrustCommands(program, setExit);
  registerPolicy(program, setExit);
  registerAdmission(program, setExit);
  registerAudit(program, setExit);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(
      `portcullis: ${isPortcullisError(err) || err instanceof Error ? err.message : String(err)}\n`,
    );
    return isPortcullisError(err) && err.code === "CONFIG_INVALID" ? 2 : 1;
  }
}
