import { Command, CommanderError, Help } from "commander";
import { COMMAND_MODULES, requestedCommand } from "./commands.js";

const VERSION = "0.1.0";

/**
 * The command tree. `load` says which top-level commands to build for real (by default all of them):
 * the others are placeholders with the name, usage and description `--help` lists, so a run imports
 * only the module of the command it runs (commands.ts). `setExit` receives a command's exit code.
 * Tests walk the full tree (every flag that names a file is tried with a missing, an unreadable and a
 * malformed file), so a new command is covered as soon as it is listed in commands.ts.
 */
export async function createProgram(
  setExit: (code: number) => void,
  load: (name: string) => boolean = () => true,
): Promise<Command> {
  const program = new Command()
    .name("portcullis")
    .description(
      "A self-hosted gate for the container supply chain: OCI registry, scanning, signing and policy.",
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  const wanted = COMMAND_MODULES.map((module) => module.commands.some((summary) => load(summary.name)));
  // Imported together, registered in the table's order (the order --help lists).
  const registers = await Promise.all(
    COMMAND_MODULES.map((module, i) => (wanted[i] ? module.load() : undefined)),
  );
  const terms = new Map<Command, string>();
  for (const [i, module] of COMMAND_MODULES.entries()) {
    const register = registers[i];
    if (register !== undefined) {
      register(program, setExit);
      continue;
    }
    for (const summary of module.commands) {
      const placeholder = program
        .command(summary.name)
        .description(summary.description)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(() => {
          throw new Error(`${summary.name} was not loaded (commands.ts requestedCommand missed it)`);
        });
      terms.set(placeholder, summary.term);
    }
  }
  // Set last so that only the top level's help uses it (subcommands copy their parent's at creation).
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command): string {
      return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  return program;
}

/**
 * Parses argv, runs one command, and resolves to the process exit code. Every error a command throws
 * ends here and is printed as one line with the exit code `cliFailure` gives it (failure.ts).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let running: Command | undefined;
  try {
    const name = requestedCommand(argv.slice(2));
    const program = await createProgram(
      (code) => {
        exitCode = code;
      },
      (candidate) => candidate === name,
    );
    program.hook("preAction", (_program, action) => {
      running = action;
    });
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    // --help and --version end here too: they need no error mapping (nor failure.ts's imports).
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    const { cliFailure } = await import("./failure.js");
    const failure = cliFailure(err, running);
    if (failure.message !== "") process.stderr.write(`portcullis: ${failure.message}\n`);
    return failure.exitCode;
  }
}
