import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../auth/index.js";
import { openDatabase } from "../storage/index.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-admin-");
const run = (...args: string[]) => main(["node", "portcullis", ...args]);

async function users(dir: string) {
  const database = await openDatabase(`${dir}/portcullis.db`);
  try {
    return await new AccountStore(database).listUsers();
  } finally {
    await database.close();
  }
}

describe("portcullis admin", () => {
  afterEach(() => {
    delete process.env.PORTCULLIS_ADMIN_PASSWORD;
  });

  it("init makes the first administrator with a one-time password printed once, then refuses (exit 2)", async () => {
    expect(await run("admin", "init", "--data", io.dir)).toBe(0);
    const password = /\n([A-Za-z0-9_-]{40,})\n/.exec(io.out)?.[1];
    expect(password).toBeDefined();
    expect(io.out).toContain("Created administrator admin.");
    expect(io.err).toContain("auth.mode is anonymous");
    expect(await users(io.dir)).toEqual([
      expect.objectContaining({ name: "admin", admin: true, mustChangePassword: true }),
    ]);
    io.reset();
    expect(await run("admin", "init", "--data", io.dir, "--user", "other")).toBe(2);
    expect(io.err).toContain("an administrator already exists (admin)");
    expect(io.err).toContain("admin reset-password");
  });

  it("init takes the password from PORTCULLIS_ADMIN_PASSWORD, checked against the rules", async () => {
    process.env.PORTCULLIS_ADMIN_PASSWORD = "short";
    expect(await run("admin", "init", "--data", io.dir)).toBe(2);
    expect(io.err).toContain("PORTCULLIS_ADMIN_PASSWORD: a password needs at least 12 characters");
    expect(io.err).not.toContain("short\n");
    io.reset();
    process.env.PORTCULLIS_ADMIN_PASSWORD = "a long enough admin password";
    process.env.PORTCULLIS_AUTH_MODE = "accounts";
    try {
      expect(await run("admin", "init", "--data", io.dir, "--user", "boss", "--json")).toBe(0);
    } finally {
      delete process.env.PORTCULLIS_AUTH_MODE;
    }
    expect(JSON.parse(io.out)).toEqual({ user: "boss", admin: true });
    expect(io.err).toBe("");
    expect(await users(io.dir)).toEqual([
      expect.objectContaining({ name: "boss", mustChangePassword: false }),
    ]);
  });

  it("reset-password gives a new one-time password and records who did it", async () => {
    expect(await run("admin", "init", "--data", io.dir)).toBe(0);
    io.reset();
    expect(await run("admin", "reset-password", "admin", "--data", io.dir, "-o", "json")).toBe(0);
    const answer = JSON.parse(io.out) as { user: string; password: string };
    expect(answer).toMatchObject({ user: "admin", password: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) });
    io.reset();
    expect(await run("admin", "reset-password", "nobody", "--data", io.dir)).toBe(2);
    expect(io.err).toContain("no user nobody");
    io.reset();
    expect(await run("audit", "decisions", "--data", io.dir, "--gate", "access", "-o", "json")).toBe(0);
    const rows = JSON.parse(io.out).decisions as Array<{ actor: string; image: string; reason: string }>;
    expect(rows.map((r) => `${r.actor} ${r.image}`)).toEqual(["system user:admin", "system user:admin"]);
    expect(JSON.stringify(rows)).not.toContain(answer.password);
  });
});
