import { appendFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino, { type Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type AuditCheckpoint, AuditLog, type AuditRecord, parseCheckpoints } from "../audit/index.js";
import { type Database, openDatabase } from "../storage/index.js";
import { AuditCheckpointWriter } from "./audit-checkpoints.js";
import { resolveConfig } from "./config.js";
import { createPlatform } from "./platform.js";

const INTERVAL = 20;

function record(i: number): AuditRecord {
  return {
    gate: "registry-push",
    image: `127.0.0.1:5000/team/app:${i}`,
    effect: "allow",
    mode: "enforce",
    reason: "allowed",
    rules: [],
  };
}

interface LogLine {
  level: number;
  msg: string;
}

/** A pino logger whose lines land in `lines` (pino writes to an object stream synchronously). */
function capturingLogger(lines: LogLine[]): Logger {
  return pino({ level: "debug" }, { write: (text: string) => lines.push(JSON.parse(text) as LogLine) });
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l !== "");
}

async function checkpointsIn(file: string): Promise<AuditCheckpoint[]> {
  return parseCheckpoints(await readFile(file, "utf8"), file);
}

describe("AuditCheckpointWriter (SQLite file, temp checkpoint file)", () => {
  let dir: string;
  let file: string;
  let database: Database;
  let audit: AuditLog;
  let logs: LogLine[];
  let logger: Logger;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcullis-checkpoints-"));
    file = join(dir, "worm", "audit.jsonl");
    await mkdir(join(dir, "worm"));
    database = await openDatabase(join(dir, "portcullis.db"));
    audit = new AuditLog(database);
    logs = [];
    logger = capturingLogger(logs);
  });

  afterEach(async () => {
    vi.useRealTimers();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("appends the head when it moves, nothing while it stands still, and the last head at close", async () => {
    // The interval is driven by hand (only setInterval is faked: the database and the file are real),
    // and each look it starts is awaited, so "nothing was written" is checked after looks that
    // happened, never after a delay that may or may not have held one.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const writer = new AuditCheckpointWriter({ audit, file, intervalMs: INTERVAL, logger });
    const looks = vi.spyOn(writer, "write");
    /** One interval passes: the look it starts is awaited. */
    const tick = async () => {
      const before = looks.mock.calls.length;
      vi.advanceTimersByTime(INTERVAL);
      expect(looks).toHaveBeenCalledTimes(before + 1);
      await looks.mock.results[before]!.value;
    };
    writer.start();
    for (let i = 0; i < 5; i++) await tick();
    expect(await lines(file)).toEqual([]);

    await audit.append(record(1));
    await audit.append(record(2));
    await tick();
    expect(await lines(file)).toHaveLength(1);
    for (let i = 0; i < 5; i++) await tick();
    expect(await checkpointsIn(file)).toEqual([
      { id: 2, hash: (await audit.head())!.hash, count: 2, at: expect.any(String) },
    ]);

    await audit.append(record(3));
    await tick();
    expect(await lines(file)).toHaveLength(2);
    writer.stop();
    await audit.append(record(4));
    const stoppedAt = looks.mock.calls.length;
    vi.advanceTimersByTime(INTERVAL * 3);
    expect(looks).toHaveBeenCalledTimes(stoppedAt);
    expect(await lines(file)).toHaveLength(2);
    await writer.close();
    const written = await checkpointsIn(file);
    expect(written.map((c) => [c.id, c.count])).toEqual([
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);

    // What the file is for: the chain alone accepts a truncated log, the checkpoints do not.
    expect(await audit.verifyChain({ checkpoints: written })).toEqual({ ok: true, count: 4, checkpoints: 3 });
    await sql`delete from decisions where id > 2`.execute(database.db);
    expect(await audit.verifyChain()).toEqual({ ok: true, count: 2 });
    const result = await audit.verifyChain({ checkpoints: written });
    expect(result).toMatchObject({ ok: false, id: 3 });
    expect(result.ok ? "" : result.problem).toContain("the log was truncated: checkpoint row 3");

    // A writer started later (a restart) sees the head went back, says so, and records the new head.
    const after = new AuditCheckpointWriter({ audit, file, intervalMs: 0, logger });
    after.start();
    await after.close();
    expect((await checkpointsIn(file)).map((c) => c.id)).toEqual([2, 3, 4, 2]);
    expect(logs.find((l) => l.level === 50)?.msg).toContain("decisions were deleted or rewritten");
  });

  it("adds no duplicate line after a restart, and never glues a line onto a torn one", async () => {
    await audit.append(record(1));
    const first = new AuditCheckpointWriter({ audit, file, intervalMs: 0, logger });
    first.start();
    await first.close();
    const second = new AuditCheckpointWriter({ audit, file, intervalMs: 0, logger });
    second.start();
    await second.close();
    expect(await lines(file)).toHaveLength(1);

    // A crash in the middle of an append leaves half a line without its newline.
    await appendFile(file, '{"id":2,"hash":"sha');
    await audit.append(record(2));
    const third = new AuditCheckpointWriter({ audit, file, intervalMs: 0, logger });
    third.start();
    await third.close();
    const text = await readFile(file, "utf8");
    const [, torn, fresh] = text.split("\n");
    expect(torn).toBe('{"id":2,"hash":"sha');
    expect(JSON.parse(fresh!)).toMatchObject({ id: 2, count: 2 });
    expect(() => parseCheckpoints(text, file)).toThrow(`${file}:2: not a JSON checkpoint line`);
    expect(logs.some((l) => l.level === 40 && l.msg.includes("torn line"))).toBe(true);
  });

  it("writes nothing at close unless it was started", async () => {
    await audit.append(record(1));
    const writer = new AuditCheckpointWriter({ audit, file, intervalMs: INTERVAL, logger });
    await writer.close();
    expect(await lines(file)).toEqual([]);
  });

  it("logs a failed write, keeps running and succeeds once the file can be written", async () => {
    const unwritable = join(dir, "not-yet", "audit.jsonl");
    const writer = new AuditCheckpointWriter({ audit, file: unwritable, intervalMs: INTERVAL, logger });
    writer.start();
    await audit.append(record(1));
    await vi.waitFor(() =>
      expect(logs.some((l) => l.level === 50 && l.msg === "writing an audit checkpoint failed")).toBe(true),
    );
    await mkdir(join(dir, "not-yet"));
    await vi.waitFor(async () => expect(await lines(unwritable)).toHaveLength(1));
    await writer.close();
    expect(await lines(unwritable)).toHaveLength(1);
  });

  it("resolves close even when the final write fails", async () => {
    await audit.append(record(1));
    const writer = new AuditCheckpointWriter({ audit, file: dir, intervalMs: 0, logger });
    writer.start();
    await expect(writer.close()).resolves.toBeUndefined();
    expect(logs.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
      "writing an audit checkpoint failed",
    ]);
  });
});

describe("audit checkpoints in the platform", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcullis-checkpoints-platform-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the two keys: off by default, a path relative to the working directory, a duration", () => {
    const defaults = resolveConfig({ env: {} });
    expect(defaults.audit).toEqual({ checkpointIntervalMs: 60_000, retention: {} });
    const set = resolveConfig({
      env: {
        PORTCULLIS_AUDIT_CHECKPOINT_FILE: "worm/audit.jsonl",
        PORTCULLIS_AUDIT_CHECKPOINT_INTERVAL: "15s",
      },
    });
    expect(set.audit).toEqual({
      checkpointFile: join(process.cwd(), "worm", "audit.jsonl"),
      checkpointIntervalMs: 15_000,
      retention: {},
    });
  });

  it("writes checkpoints while background jobs run and the final head at close", async () => {
    const file = join(dir, "audit.jsonl");
    const config = resolveConfig({
      env: {},
      flags: {
        "storage.dataDir": join(dir, "data"),
        "scan.onPush": false,
        "audit.checkpointFile": file,
        "audit.checkpointInterval": `${INTERVAL}ms`,
      },
    });
    const platform = await createPlatform(config, { logger: pino({ level: "silent" }) });
    const stop = platform.startBackgroundJobs();
    await platform.audit.append(record(1));
    await vi.waitFor(async () => expect(await lines(file)).toHaveLength(1));
    stop();
    await platform.audit.append(record(2));
    await platform.close();
    expect((await checkpointsIn(file)).map((c) => [c.id, c.count])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
