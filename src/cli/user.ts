import type { Command } from "commander";
import {
  type ApiFlags,
  connect,
  outputOf,
  printJson,
  readPassword,
  when,
  withApiFlags,
} from "./account-options.js";
import type { User } from "./api-client.js";
import { readCredentials, writeCredentials } from "./credentials.js";
import { printTable } from "./output.js";

function userRows(users: readonly User[]): string[][] {
  return users.map((u) => [
    u.name,
    u.admin ? "yes" : "",
    u.disabled ? "disabled" : u.mustChangePassword ? "one-time password" : "active",
    u.email ?? "",
    when(u.createdAt),
  ]);
}
const USER_HEADER = ["name", "admin", "state", "email", "created"];

interface CreateFlags extends ApiFlags {
  admin?: boolean;
  email?: string;
  passwordStdin?: boolean;
}

/** `portcullis user ...`: local users over the accounts API (system.users, or one's own password). */
export function registerUser(program: Command, setExit: (code: number) => void): void {
  const user = program.command("user").description("users of a Portcullis server (accounts mode)");

  withApiFlags(user.command("list").description("list users")).action(async (flags: ApiFlags) => {
    const format = outputOf(flags);
    const { users } = await connect(flags).client.listUsers();
    if (format === "json") printJson({ users });
    else printTable(USER_HEADER, userRows(users));
    setExit(0);
  });

  withApiFlags(
    user
      .command("create")
      .description(
        "create a user; without --password-stdin the server makes a one-time password, printed once",
      )
      .argument("<name>")
      .option("--admin", "an administrator (every permission)")
      .option("--email <address>")
      .option("--password-stdin", "read the (one-time) password from stdin"),
  ).action(async (name: string, flags: CreateFlags) => {
    const format = outputOf(flags);
    const password = flags.passwordStdin ? await readPassword(true, "") : undefined;
    const created = await connect(flags).client.createUser({
      name,
      ...(password === undefined ? {} : { password }),
      ...(flags.email ? { email: flags.email } : {}),
      ...(flags.admin ? { admin: true } : {}),
    });
    if (format === "json") printJson(created);
    else {
      printTable(USER_HEADER, userRows([created.user]));
      if (created.password) {
        process.stdout.write(
          `\nOne-time password (shown once; ${name} sets their own at first login):\n${created.password}\n`,
        );
      }
    }
    setExit(0);
  });

  withApiFlags(
    user
      .command("passwd")
      .description(
        "change your password, or (with system.users) set another user's one-time password; the new password comes from the terminal or --password-stdin",
      )
      .argument("[name]", "the user (default: you)")
      .option("--password-stdin", "read the new password from stdin"),
  ).action(async (name: string | undefined, flags: ApiFlags & { passwordStdin?: boolean }) => {
    const { client, server, stored } = connect(flags);
    const target = name ?? stored.username;
    const self = target === stored.username;
    const password = await readPassword(flags.passwordStdin, `New password for ${target}: `, {
      confirm: true,
    });
    // Your own: the stored password proves you know the current one.
    await client.changePassword(target, { password, ...(self ? { currentPassword: stored.secret } : {}) });
    if (self) {
      const file = readCredentials();
      writeCredentials({ ...file, servers: { ...file.servers, [server]: { ...stored, secret: password } } });
    }
    process.stdout.write(
      self
        ? `Password changed for ${target}.\n`
        : `One-time password set for ${target}: they set their own at first login.\n`,
    );
    setExit(0);
  });

  for (const [verb, description] of [
    ["disable", "disable a user: refused at once, whatever tokens it holds"],
    ["enable", "enable a disabled user"],
    ["delete", "delete a user with its memberships"],
  ] as const) {
    withApiFlags(user.command(verb).description(description).argument("<name>")).action(
      async (name: string, flags: ApiFlags) => {
        const { client } = connect(flags);
        if (verb === "delete") await client.deleteUser(name);
        else await client.setUserDisabled(name, verb === "disable");
        process.stdout.write(`${name} ${verb}d.\n`);
        setExit(0);
      },
    );
  }

  withApiFlags(
    user
      .command("admin")
      .description("make a user an administrator (--remove: no longer one)")
      .argument("<name>")
      .option("--remove", "take administration away"),
  ).action(async (name: string, flags: ApiFlags & { remove?: boolean }) => {
    await connect(flags).client.setAdmin(name, !flags.remove);
    process.stdout.write(
      flags.remove ? `${name} is no longer an administrator.\n` : `${name} is an administrator.\n`,
    );
    setExit(0);
  });
}
