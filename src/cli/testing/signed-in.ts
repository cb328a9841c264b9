import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../../server/testing.js";
import { writeCredentials } from "../credentials.js";

/** An accounts-mode server whose administrator the in-process CLI is logged in as. */
export interface SignedInServer {
  readonly server: TestServer;
  /** The administrator's name and password (what the CLI is logged in with). */
  readonly admin: { readonly username: string; readonly secret: string };
  /** Stops the server, puts PORTCULLIS_CONFIG_DIR back and removes the credentials folder. */
  close(): Promise<void>;
}

/**
 * Starts an accounts-mode server (SQLite), makes the administrator `root` and logs the CLI in as it,
 * with credentials in a fresh folder named after `label` (PORTCULLIS_CONFIG_DIR, restored by close()).
 */
export async function serverSignedInAsAdmin(label: string): Promise<SignedInServer> {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-${label}-`));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;
  process.env.PORTCULLIS_CONFIG_DIR = dir;
  const root = { username: "root", secret: "root password one" };
  const server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
  await server.platform.identity!.store.createUser({
    name: root.username,
    password: root.secret,
    admin: true,
  });
  writeCredentials({ current: server.url, servers: { [server.url]: root } });
  return {
    server,
    admin: root,
    close: async () => {
      await server.close();
      if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
      else process.env.PORTCULLIS_CONFIG_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
