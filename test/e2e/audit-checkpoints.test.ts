/**
 * Audit checkpoints end to end with the real binary: `serve` with audit.checkpointFile writes the head
 * on SIGTERM after its last requests (the periodic writes are tested in src/app/audit-checkpoints.test.ts),
 * `audit checkpoint` prints the same line for cron, and `audit decisions --verify --checkpoints` catches
 * the newest decisions deleted straight from the database.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog, type AuditRecord, parseCheckpoints } from "../../src/audit/index.js";
import { openDatabase } from "../../src/storage/index.js";
import { freePort, PORTCULLIS_BIN, type RunResult, run, tempDir } from "../support/targets.js";

const TIMEOUT = 60_000;

function record(i: number): AuditRecord {
  return {
    gate: "ci",
    image: `registry.example/app:${i}`,
    effect: "allow",
    mode: "enforce",
    reason: "ok",
    rules: [],
  };
}

describe("audit checkpoints with the real binary", () => {
  const temps: string[] = [];
  let dataDir: string;
  let file: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let output = "";

  beforeAll(async () => {
    const work = await tempDir("portcullis-checkpoints-e2e-", temps);
    dataDir = join(work, "data");
    file = join(work, "audit.jsonl");
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  /** Appends decisions as a gate in another process would: through the same SQLite file. */
  async function append(from: number, to: number): Promise<void> {
    const database = await openDatabase(join(dataDir, "portcullis.db"));
    try {
      const log = new AuditLog(database);
      for (let i = from; i <= to; i++) await log.append(record(i));
    } finally {
      await database.close();
    }
  }

  function audit(args: string[]): Promise<RunResult> {
    return run(process.execPath, [PORTCULLIS_BIN, "audit", ...args, "--data", dataDir], {
      timeoutMs: 30_000,
      allowFailure: true,
    });
  }

  it(
    "writes the head at shutdown, prints it for cron, and the checkpoints catch a truncated log",
    async () => {
      const empty = await audit(["checkpoint"]);
      expect(empty).toMatchObject({ code: 0, stdout: "" });
      expect(empty.stderr).toContain("the audit log is empty");

      const port = await freePort();
      child = spawn(
        process.execPath,
        [PORTCULLIS_BIN, "serve", "--listen", `127.0.0.1:${port}`, "--data", dataDir],
        {
          env: {
            ...process.env,
            PORTCULLIS_AUDIT_CHECKPOINT_FILE: file,
            PORTCULLIS_AUDIT_CHECKPOINT_INTERVAL: "1h",
            PORTCULLIS_SCAN_ON_PUSH: "false",
            PORTCULLIS_LOG_LEVEL: "warn",
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child.stdout!.on("data", (d) => {
        output += d;
      });
      child.stderr!.on("data", (d) => {
        output += d;
      });
      exited = once(child, "exit").then(([code]) => code as number | null);
      let up = false;
      for (let i = 0; i < 200 && !up; i++) {
        up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!up) await new Promise((r) => setTimeout(r, 50));
      }
      if (!up) throw new Error(`portcullis serve did not start:\n${output}`);

      // The interval is long: only the shutdown write can put these in the file.
      await append(1, 5);
      const read = () => readFile(file, "utf8").catch(() => "");
      expect(await read()).toBe("");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(output).toBe("");
      const written = parseCheckpoints(await read(), file);
      expect(written).toEqual([
        { id: 5, hash: expect.stringMatching(/^sha256:/), count: 5, at: expect.any(String) },
      ]);

      const printed = await audit(["checkpoint"]);
      expect(printed.code).toBe(0);
      expect(JSON.parse(printed.stdout)).toMatchObject({ id: 5, hash: written.at(-1)!.hash, count: 5 });

      const intact = await audit(["decisions", "--verify", "--checkpoints", file]);
      expect(intact.code).toBe(0);
      expect(intact.stdout).toContain("chain verified: 5 decisions");

      const database = await openDatabase(join(dataDir, "portcullis.db"));
      await sql`delete from decisions where id > 3`.execute(database.db);
      await database.close();
      expect((await audit(["decisions", "--verify"])).code).toBe(0);
      const caught = await audit(["decisions", "--verify", "--checkpoints", file]);
      expect(caught.code).toBe(1);
      expect(caught.stdout).toMatch(
        /CHAIN BROKEN at row \d: the log was truncated: checkpoint row \d \(taken /,
      );
    },
    TIMEOUT,
  );
});
