import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NoteSigner,
  NoteVerifier,
  openTreeCheckpoint,
  pruneRecord,
  type RecordEventInput,
  signTreeCheckpoint,
} from "../audit/index.js";
import { startTestServer, type TestServer, testDatabases } from "../server/testing.js";
import { writeCredentials } from "./credentials.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli();
const ROOT = { name: "root", secret: "root password one" };
const DEV = { name: "dev", secret: "developer password" };

function event(i: number): RecordEventInput {
  return {
    kind: "image.pulled",
    actor: "ci",
    repository: "team/app",
    summary: `ci pulled :${i}`,
    payload: { i },
  };
}

/** `portcullis audit verify --server URL`: a running server's record, checked over its API. */
describe.each(testDatabases())("portcullis audit verify --server (%s)", (database) => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-server-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;
  const checkpointFile = join(dir, "record.checkpoint");
  let key = "";
  const loginAs = (who: { name: string; secret: string }) =>
    writeCredentials({
      current: server.url,
      servers: { [server.url]: { username: who.name, secret: who.secret } },
    });
  const verify = async (...args: string[]) => {
    io.reset();
    return main(["node", "portcullis", "audit", "verify", "--server", server.url, ...args]);
  };
  const text = async (path: string) =>
    (
      await fetch(`${server.url}/api/v1/audit/record/${path}`, {
        headers: { authorization: `Basic ${Buffer.from(`${ROOT.name}:${ROOT.secret}`).toString("base64")}` },
      })
    ).text();

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: DEV.name, password: DEV.secret });
    await server.platform.record.append([0, 1, 2, 3, 4].map(event));
    writeFileSync(checkpointFile, await text("checkpoint"));
    key = (await text("key")).trim();
    await server.platform.record.append([5, 6, 7].map(event));
  });
  afterAll(async () => {
    await server.close();
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("proves the record intact and an extension of the saved checkpoint, with the pinned key", async () => {
    loginAs(ROOT);
    const size = await server.platform.record.size();
    // Access events of the requests themselves may land between appends: read the saved size back.
    const savedSize = Number(readFileSync(checkpointFile, "utf8").split("\n")[1]);
    expect(savedSize).toBeGreaterThanOrEqual(5);
    expect(await verify("--checkpoint", checkpointFile, "--key", key)).toBe(0);
    // The requests' own access events may land meanwhile: at least the entries there were.
    const shown =
      /record verified on (\S+): (\d+) entries hash into the current root; it extends the saved checkpoint of (\d+) entries/.exec(
        io.out,
      );
    expect(shown?.[1]).toBe(server.url);
    expect(Number(shown?.[2])).toBeGreaterThanOrEqual(size);
    expect(Number(shown?.[3])).toBe(savedSize);
    expect(io.err).toBe("");
    expect(await verify("--checkpoint", checkpointFile, "--no-rehash")).toBe(0);
    expect(io.out).toContain(
      `an append-only extension of the saved one of ${savedSize} (entries not rehashed)`,
    );
    // Without --key the server's own key was used: said on stderr.
    expect(io.err).toContain("pin it with --key");
  });

  it("refuses a caller without system.audit, and a checkpoint of another key", async () => {
    loginAs(DEV);
    expect(await verify()).not.toBe(0);
    expect(io.err).toMatch(/system\.audit|permission|403|denied/i);
    loginAs(ROOT);
    // A well-formed key of the same name, but not the server's: its signature does not open.
    const other = NoteSigner.generate(server.platform.record.signer!.name).verifier.toString();
    expect(await verify("--checkpoint", checkpointFile, "--key", other)).toBe(1);
    expect(io.out).toMatch(/RECORD NOT VERIFIED on .*: the server.s current checkpoint/);
  });

  it("refuses --no-rehash without --server, and --data with it", async () => {
    io.reset();
    expect(await main(["node", "portcullis", "audit", "verify", "--no-rehash", "--data", dir])).toBe(2);
    expect(io.err).toContain("--no-rehash goes with --server");
    expect(await verify("--data", dir)).toBe(2);
    expect(io.err).toContain("--server reads the record over the API");
  });

  it("fails a checkpoint the current record does not extend", async () => {
    loginAs(ROOT);
    const signer = server.platform.record.signer!;
    const forged = signTreeCheckpoint(
      { origin: signer.name, size: 5, root: new Uint8Array(32).fill(7), extensions: [] },
      [signer],
    );
    const file = join(dir, "forged.checkpoint");
    writeFileSync(file, forged);
    expect(await verify("--checkpoint", file, "--key", key)).toBe(1);
    expect(io.out).toContain("is not an append-only extension of the saved checkpoint of 5 entries");
  });

  it("fails once an entry was edited in the server's database", async () => {
    loginAs(ROOT);
    const row = await server.platform.database.db
      .selectFrom("record_entries")
      .select("leaf")
      .where("idx", "=", 2)
      .executeTakeFirstOrThrow();
    await server.platform.database.db
      .updateTable("record_entries")
      .set({ leaf: row.leaf.replace("ci pulled :2", "ci pulled :9") })
      .where("idx", "=", 2)
      .execute();
    expect(await verify("--checkpoint", checkpointFile, "--key", key)).toBe(1);
    expect(io.out).toMatch(
      /RECORD NOT VERIFIED on .*: the \d+ stored entries do not hash into the tree's root/,
    );
  });

  it("audit checkpoint --server saves the server's signed checkpoint, checked against the pinned key", async () => {
    loginAs(ROOT);
    const checkpoint = async (...args: string[]) => {
      io.reset();
      return main(["node", "portcullis", "audit", "checkpoint", "--server", server.url, ...args]);
    };
    const file = join(dir, "taken.checkpoint");
    expect(await checkpoint("--out", file, "--key", key)).toBe(0);
    expect(io.err).toMatch(new RegExp(`saved the checkpoint of \\S+ \\(\\d+ entries\\) to ${file}`));
    const verifier = NoteVerifier.parse(key);
    const head = openTreeCheckpoint(readFileSync(file, "utf8"), verifier.name, [verifier]);
    expect(head.size).toBeGreaterThanOrEqual(8);
    // Kept, it is a checkpoint `audit verify --server` proves the record extends (entry 2 was edited
    // above, so the head and the proof only).
    expect(await verify("--checkpoint", file, "--key", key, "--no-rehash")).toBe(0);
    // To stdout without --out; unpinned, it says the server's own key was used.
    expect(await checkpoint()).toBe(0);
    expect(io.out).toMatch(/^\S.*\n\d+\n/);
    expect(io.err).toContain("pin it with --key");
    // Signed by another key than the pinned one: refused, nothing written.
    const other = NoteSigner.generate(server.platform.record.signer!.name).verifier.toString();
    const refused = join(dir, "refused.checkpoint");
    expect(await checkpoint("--out", refused, "--key", other)).toBe(1);
    expect(io.err).toContain("does not verify");
    expect(existsSync(refused)).toBe(false);
    // Without system.audit: refused by the server.
    loginAs(DEV);
    expect(await checkpoint()).not.toBe(0);
    expect(io.err).toMatch(/system\.audit|permission|403|denied/i);
    expect(await checkpoint("--key", key, "--data", dir)).toBe(2);
  });

  // Runs last: it prunes the server's record (the edited entry 2 with it).
  it("folds pruned entries in by their kept leaf hashes, and fails once one of those is changed", async () => {
    loginAs(ROOT);
    const { platform } = server;
    const pruned = await pruneRecord(platform.database, platform.record, {
      keep: (await platform.record.size()) - 4,
    });
    expect(pruned.before).toBeGreaterThanOrEqual(4);
    expect(await verify("--checkpoint", checkpointFile, "--key", key)).toBe(0);
    expect(io.out).toMatch(
      new RegExp(
        `record verified on \\S+: \\d+ entries hash into the current root \\(${pruned.before} pruned entries by their kept leaf hashes\\); it extends the saved checkpoint`,
      ),
    );
    // A server that changed a pruned entry's kept leaf hash: the rehashed root no longer matches.
    await platform.database.db
      .updateTable("record_nodes")
      .set({ hash: Buffer.alloc(32, 9) })
      .where("level", "=", 0)
      .where("idx", "=", 1)
      .execute();
    expect(await verify("--checkpoint", checkpointFile, "--key", key)).toBe(1);
    expect(io.out).toMatch(
      /RECORD NOT VERIFIED on .*: the \d+ stored entries do not hash into the tree's root/,
    );
  });
});
