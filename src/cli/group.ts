import type { Command } from "commander";
import { type ApiFlags, connect, outputOf, printJson, withApiFlags } from "./account-options.js";
import { printTable } from "./output.js";

/** `portcullis group ...`: groups of users (system.users); grant a group a role with `project member add`. */
export function registerGroup(program: Command, setExit: (code: number) => void): void {
  const group = program.command("group").description("groups of users (accounts mode)");

  withApiFlags(group.command("list").description("list groups and their members")).action(
    async (flags: ApiFlags) => {
      const format = outputOf(flags);
      const { groups } = await connect(flags).client.listGroups();
      if (format === "json") printJson({ groups });
      else
        printTable(
          ["group", "members"],
          groups.map((g) => [g.name, g.members.join(", ")]),
        );
      setExit(0);
    },
  );

  withApiFlags(group.command("create").description("create a group").argument("<name>")).action(
    async (name: string, flags: ApiFlags) => {
      const created = await connect(flags).client.createGroup(name);
      if (outputOf(flags) === "json") printJson(created);
      else process.stdout.write(`Group ${name} created.\n`);
      setExit(0);
    },
  );

  withApiFlags(
    group.command("delete").description("delete a group and its project grants").argument("<name>"),
  ).action(async (name: string, flags: ApiFlags) => {
    await connect(flags).client.deleteGroup(name);
    process.stdout.write(`Group ${name} deleted.\n`);
    setExit(0);
  });

  for (const [verb, member] of [
    ["add", true],
    ["remove", false],
  ] as const) {
    withApiFlags(
      group
        .command(verb)
        .description(member ? "add a user to a group" : "remove a user from a group")
        .argument("<group>")
        .argument("<user>"),
    ).action(async (name: string, user: string, flags: ApiFlags) => {
      await connect(flags).client.setGroupMember(name, user, member);
      process.stdout.write(`${user} ${member ? "added to" : "removed from"} ${name}.\n`);
      setExit(0);
    });
  }
}
