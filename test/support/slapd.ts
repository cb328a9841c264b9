import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian's OpenLDAP server lives (package slapd); .ci/run installs it. */
export const SLAPD = "/usr/sbin/slapd";
export const SLAPADD = "/usr/sbin/slapadd";

export function hasSlapd(): boolean {
  return existsSync(SLAPD) && existsSync(SLAPADD) && existsSync("/etc/ldap/schema/core.schema");
}

export interface Slapd {
  readonly url: string;
  readonly suffix: string;
  readonly adminDn: string;
  readonly adminPassword: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real OpenLDAP server for one test file: its own folder, a `dc=example,dc=org` tree loaded offline
 * with slapadd from `ldif`, on 127.0.0.1 and a free port. Resolves once it answers a search.
 */
export async function startSlapd(ldif: string): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-slapd-"));
  const db = join(dir, "db");
  mkdirSync(db);
  const suffix = "dc=example,dc=org";
  const adminDn = `cn=admin,${suffix}`;
  const adminPassword = "slapd-admin-secret";
  const conf = join(dir, "slapd.conf");
  writeFileSync(
    conf,
    [
      "include /etc/ldap/schema/core.schema",
      "include /etc/ldap/schema/cosine.schema",
      "include /etc/ldap/schema/inetorgperson.schema",
      "include /etc/ldap/schema/nis.schema",
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      `pidfile ${join(dir, "slapd.pid")}`,
      "database mdb",
      "maxsize 10485760",
      `suffix "${suffix}"`,
      `rootdn "${adminDn}"`,
      `rootpw ${adminPassword}`,
      `directory ${db}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "data.ldif"), ldif);
  execFileSync(SLAPADD, ["-f", conf, "-l", join(dir, "data.ldif")], { stdio: "pipe" });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d 0: stay in the foreground (so the test owns the process) and log nothing.
  const child: ChildProcess = spawn(SLAPD, ["-f", conf, "-h", url, "-d", "0"], { stdio: "ignore" });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`slapd exited before answering on ${url}`);
    const ready = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(true));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
    });
    if (ready) break;
    if (i > 200) throw new Error(`slapd did not listen on ${url}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url,
    suffix,
    adminDn,
    adminPassword,
    stop: async () => {
      if (!exited) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
