import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, requestedCommand } from "./commands.js";
import { createProgram } from "./main.js";

/** The top-level help as a user sees it (commander writes it; no terminal, so a fixed width). */
function topLevelHelp(program: Command): string {
  program.configureOutput({ getOutHelpWidth: () => 100, getErrHelpWidth: () => 100 });
  return program.helpInformation();
}

describe("the command table (commands.ts)", () => {
  it.each(COMMAND_MODULES.map((module) => [module.commands.map((c) => c.name).join(", "), module]))(
    "says what the module of %s registers",
    async (_names, module) => {
      const program = new Command();
      (await module.load())(program, () => {});
      const help = program.createHelp();
      expect(
        program.commands.map((cmd) => ({
          name: cmd.name(),
          term: help.subcommandTerm(cmd),
          description: cmd.description(),
        })),
      ).toEqual(module.commands);
    },
  );

  it("lists every command in the top-level help as the loaded commands would", async () => {
    const lazy = await createProgram(
      () => {},
      () => false,
    );
    const full = await createProgram(() => {});
    expect(lazy.commands.map((cmd) => cmd.name())).toEqual(full.commands.map((cmd) => cmd.name()));
    expect(topLevelHelp(lazy)).toEqual(topLevelHelp(full));
  });

  it("loads only the module of the command that runs", async () => {
    const program = await createProgram(
      () => {},
      (name) => name === "whoami",
    );
    // login.ts registers login, logout and whoami: all three are real, every other one a placeholder.
    const real = program.commands.filter((cmd) => cmd.options.length > 0 || cmd.commands.length > 0);
    expect(real.map((cmd) => cmd.name())).toEqual(["login", "whoami"]);
    expect(program.commands.find((cmd) => cmd.name() === "logout")?.registeredArguments).toHaveLength(1);
    expect(program.commands.find((cmd) => cmd.name() === "verify")?.registeredArguments).toHaveLength(0);
  });
});

describe("requestedCommand", () => {
  it.each([
    [[], undefined],
    [["--version"], undefined],
    [["-h"], undefined],
    [["lint", "Dockerfile"], "lint"],
    [["--help", "verify"], "verify"],
    [["policy", "check", "--policy", "p.yaml"], "policy"],
    [["help"], undefined],
    [["help", "scan"], "scan"],
  ])("finds the command in %j", (args, name) => {
    expect(requestedCommand(args)).toBe(name);
  });
});
