import type { Command } from "commander";
import pino from "pino";
import { createPlatform, type Platform } from "../app/index.js";
import { AuthError, checkPasswordRules, generateSecret } from "../auth/index.js";
import { outputOf, printJson } from "./account-options.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { UsageError } from "./trust/usage-error.js";

/** The environment variable `admin init` takes the first administrator's password from. */
export const ADMIN_PASSWORD_ENV = "PORTCULLIS_ADMIN_PASSWORD";

interface AdminFlags extends PlatformFlags {
  output?: string;
  json?: boolean;
}

/**
 * Opens the server's own database (as `gc` does: same --config and --data), in accounts mode whatever
 * the configuration says, so the first administrator can be made before `serve` requires accounts.
 * Changes are recorded in the audit log with the actor `system`, and awaited before the database closes.
 */
async function withIdentity<T>(
  flags: PlatformFlags,
  work: (identity: NonNullable<Platform["identity"]>) => Promise<T>,
): Promise<T> {
  if (configFrom(flags).auth.mode !== "accounts") {
    process.stderr.write(
      "portcullis: note: auth.mode is anonymous in this configuration: set auth.mode: accounts (PORTCULLIS_AUTH_MODE=accounts) for serve to require these accounts\n",
    );
  }
  const platform = await createPlatform(configFrom(flags, { "auth.mode": "accounts" }), {
    logger: pino({ level: "warn" }),
    // An account change and exit: the servers' shared jobs are not this process's to take.
    takeSharedJobs: false,
  });
  try {
    const identity = platform.identity!;
    const result = await work(identity);
    await identity.settled();
    return result;
  } finally {
    await platform.close();
  }
}

function oneTimeNotice(name: string, password: string): string {
  return `One-time password for ${name} (shown once; set your own at first login with \`portcullis user passwd\`):\n${password}\n`;
}

/**
 * `portcullis admin init` and `admin reset-password`: local commands on the server's host, for the
 * first administrator and for lost access. Never a default password: one from the environment, checked
 * against the rules, or a generated one-time password printed once.
 */
export function registerAdmin(program: Command, setExit: (code: number) => void): void {
  const admin = program
    .command("admin")
    .description(
      "local administration on the server's host (opens its database like gc: same --config and --data)",
    );

  withPlatformFlags(
    admin
      .command("init")
      .description(
        `create the first administrator: password from ${ADMIN_PASSWORD_ENV}, else a generated one-time password printed once; refuses when an administrator exists`,
      )
      .option("--user <name>", "the administrator's name", "admin")
      .option("-o, --output <format>", "table or json", "table")
      .option("--json", "print JSON (the same as -o json)"),
  ).action(async (flags: AdminFlags & { user: string }) => {
    const format = outputOf(flags);
    const fromEnv = process.env[ADMIN_PASSWORD_ENV];
    if (fromEnv !== undefined) {
      try {
        checkPasswordRules(fromEnv);
      } catch (err) {
        throw new UsageError(`${ADMIN_PASSWORD_ENV}: ${(err as Error).message}`);
      }
    }
    const password = fromEnv ?? generateSecret("");
    const created = await withIdentity(flags, async (identity) => {
      const admins = (await identity.store.listUsers()).filter((u) => u.admin).map((u) => u.name);
      if (admins.length > 0) {
        throw new UsageError(
          `an administrator already exists (${admins.join(", ")}): admin init runs once; to recover access, run \`portcullis admin reset-password NAME\` here`,
        );
      }
      try {
        const user = await identity.store.createUser({
          name: flags.user,
          password,
          admin: true,
          mustChangePassword: fromEnv === undefined,
        });
        identity.record({
          type: "user.changed",
          actor: "system",
          target: `user:${user.name}`,
          outcome: "allow",
          reason: `first administrator created by portcullis admin init (password from ${fromEnv === undefined ? "a generated one-time password" : ADMIN_PASSWORD_ENV})`,
        });
        return user;
      } catch (err) {
        if (err instanceof AuthError && (err.code === "INVALID" || err.code === "CONFLICT"))
          throw new UsageError(`--user ${flags.user}: ${err.message}`);
        throw err;
      }
    });
    if (format === "json") {
      printJson({ user: created.name, admin: true, ...(fromEnv === undefined ? { password } : {}) });
    } else {
      process.stdout.write(`Created administrator ${created.name}.\n`);
      if (fromEnv === undefined) process.stdout.write(oneTimeNotice(created.name, password));
      else process.stdout.write(`Its password is the one in ${ADMIN_PASSWORD_ENV}.\n`);
      process.stdout.write(
        `\nNext: run serve with auth.mode: accounts, then \`portcullis login URL -u ${created.name}\`.\n`,
      );
    }
    setExit(0);
  });

  withPlatformFlags(
    admin
      .command("reset-password")
      .description("give a user a new one-time password, printed once (lost administrator access)")
      .argument("<name>")
      .option("--enable", "also enable the account if it is disabled")
      .option("-o, --output <format>", "table or json", "table")
      .option("--json", "print JSON (the same as -o json)"),
  ).action(async (name: string, flags: AdminFlags & { enable?: boolean }) => {
    const format = outputOf(flags);
    const password = generateSecret("");
    const user = await withIdentity(flags, async (identity) => {
      const found = await identity.store.findUser(name);
      if (!found) throw new UsageError(`no user ${name} in this database`);
      await identity.store.setPassword(name, password, { mustChange: true });
      if (flags.enable && found.disabled) await identity.store.setUserFlags(name, { disabled: false });
      const revoked = await identity.store.revokeRefreshTokens({ kind: "user", id: found.id });
      identity.record({
        type: "user.changed",
        actor: "system",
        target: `user:${name}`,
        outcome: "allow",
        reason: `password reset by portcullis admin reset-password (one-time)${flags.enable && found.disabled ? "; enabled" : ""}${revoked ? `; ${revoked} refresh token(s) revoked` : ""}`,
      });
      return found;
    });
    const stillDisabled = user.disabled && !flags.enable;
    if (format === "json") printJson({ user: name, password, disabled: stillDisabled });
    else {
      process.stdout.write(oneTimeNotice(name, password));
      if (stillDisabled)
        process.stderr.write(`portcullis: note: ${name} is disabled; add --enable to enable it\n`);
    }
    setExit(0);
  });
}
