import { Command } from "commander";
import { registerAdmin } from "./admin.js";
import { registerAdmission } from "./admission.js";
import { registerAudit } from "./audit.js";
import { registerDb } from "./db.js";
import { cliFailure } from "./failure.js";
import { registerGc } from "./gc.js";
import { registerGroup } from "./group.js";
import { registerKey } from "./key.js";
import { registerLint } from "./lint.js";
import { registerLogin } from "./login.js";
import { registerPolicy } from "./policy.js";
import { registerProject } from "./project.js";
import { registerReplication } from "./replication.js";
import { registerRobot } from "./robot.js";
import { registerRole } from "./role.js";
import { registerSbom } from "./sbom.js";
import { registerScan } from "./scan/command.js";
import { registerServe } from "./serve.js";
import { registerTrustCommands } from "./trust/index.js";
import { registerUser } from "./user.js";

const VERSION = "0.1.0";

/**
 * The command tree: every command registered, none run. `setExit` receives a command's exit code.
 * Tests walk it (every flag that names a file is tried with a missing, an unreadable and a malformed
 * file), so a new command is covered as soon as it is registered here.
 */
export function createProgram(setExit: (code: number) => void): Command {
  const program = new Command()
    .name("portcullis")
    .description(
      "A self-hosted gate for the container supply chain: OCI registry, scanning, signing and policy.",
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
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
  registerAdmin(program, setExit);
  registerLogin(program, setExit);
  registerUser(program, setExit);
  registerGroup(program, setExit);
  registerProject(program, setExit);
  registerRobot(program, setExit);
  registerRole(program, setExit);
  registerKey(program, setExit);
  registerReplication(program, setExit);
  return program;
}

/**
 * Parses argv, runs one command, and resolves to the process exit code. Every error a command throws
 * ends here and is printed as one line with the exit code `cliFailure` gives it (failure.ts).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let running: Command | undefined;
  const program = createProgram((code) => {
    exitCode = code;
  });
  program.hook("preAction", (_program, action) => {
    running = action;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    const failure = cliFailure(err, running);
    if (failure.message !== "") process.stderr.write(`portcullis: ${failure.message}\n`);
    return failure.exitCode;
  }
}
