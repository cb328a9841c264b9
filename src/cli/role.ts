import type { Command } from "commander";
import {
  type ApiFlags,
  collect,
  connect,
  outputOf,
  permissionName,
  printJson,
  withApiFlags,
} from "./account-options.js";
import { printTable } from "./output.js";
import { UsageError } from "./trust/usage-error.js";

/** `portcullis role ...`: the built-in project roles and custom ones (system.roles to change). */
export function registerRole(program: Command, setExit: (code: number) => void): void {
  const role = program
    .command("role")
    .description("project roles and their permissions (docs/permissions.md)");

  withApiFlags(role.command("list").description("list built-in and custom roles")).action(
    async (flags: ApiFlags) => {
      const format = outputOf(flags);
      const { roles } = await connect(flags).client.listRoles();
      if (format === "json") printJson({ roles });
      else
        printTable(
          ["role", "kind", "permissions"],
          roles.map((r) => [r.name, r.builtin ? "built-in" : "custom", r.permissions.join(", ")]),
        );
      setExit(0);
    },
  );

  withApiFlags(
    role
      .command("create")
      .description("create a custom role from project permissions")
      .argument("<name>")
      .option(
        "-p, --permission <permission>",
        "a project permission (repeatable, or comma-separated)",
        collect,
        [],
      )
      .option("--description <text>"),
  ).action(async (name: string, flags: ApiFlags & { permission: string[]; description?: string }) => {
    if (flags.permission.length === 0) throw new UsageError("give at least one --permission");
    const created = await connect(flags).client.createRole({
      name,
      permissions: flags.permission.map(permissionName),
      ...(flags.description ? { description: flags.description } : {}),
    });
    if (outputOf(flags) === "json") printJson(created);
    else process.stdout.write(`Role ${name} created: ${created.permissions.join(", ")}.\n`);
    setExit(0);
  });

  withApiFlags(
    role.command("delete").description("delete a custom role no longer granted").argument("<name>"),
  ).action(async (name: string, flags: ApiFlags) => {
    await connect(flags).client.deleteRole(name);
    process.stdout.write(`Role ${name} deleted.\n`);
    setExit(0);
  });
}
