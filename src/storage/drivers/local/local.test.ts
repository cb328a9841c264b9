import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../../../test/support/random.js";
import { StorageError } from "../../driver.js";
import { runDriverConformance } from "../conformance.js";
import { LocalDriver, readBufferSize } from "./local.js";

/** Where each writer starts numbering its versions, from one seed (test/support/random.ts). */
const random = seededRandom("storage/local");

async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), "portcullis-local-"));
}

runDriverConformance("local", async () => {
  const root = await makeRoot();
  return { driver: new LocalDriver(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

runDriverConformance("local (fsync off)", async () => {
  const root = await makeRoot();
  return {
    driver: new LocalDriver(root, { fsync: false }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("LocalDriver", () => {
  let root: string;
  let driver: LocalDriver;

  beforeEach(async () => {
    root = await makeRoot();
    driver = new LocalDriver(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("defaults to fsync and resolves its root", () => {
    expect(driver.fsync).toBe(true);
    expect(driver.root).toBe(root);
    expect(new LocalDriver(root, { fsync: false }).fsync).toBe(false);
  });

  it("stores object a/b/c at <root>/a/b/c and leaves no temporary file behind", async () => {
    await driver.put("a/b/c", Buffer.from("content"));
    expect(await readFile(join(root, "a", "b", "c"), "utf8")).toBe("content");
    expect(await readdir(join(root, "_tmp"))).toEqual([]);
    expect((await readdir(root)).sort()).toEqual(["_tmp", "a"]);
  });

  it("reads a small object with a buffer its size, not 1 MiB (external memory per pull, issue 13)", async () => {
    await driver.put("small", Buffer.alloc(5000, 7));
    await driver.put("big", Buffer.alloc(3 * 1024 * 1024, 8));
    const small = await driver.reader("small");
    expect(small.readableHighWaterMark).toBe(5000);
    const chunks: Buffer[] = [];
    for await (const chunk of small) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(5000, 7));
    const tail = await driver.reader("big", { offset: 3 * 1024 * 1024 - 10 });
    expect(tail.readableHighWaterMark).toBe(10);
    tail.destroy();
    const big = await driver.reader("big");
    expect(big.readableHighWaterMark).toBe(1024 * 1024);
    big.destroy();
    const ranged = await driver.reader("big", { offset: 5, length: 100 });
    expect(ranged.readableHighWaterMark).toBe(100);
    ranged.destroy();
  });

  it("still reads an object to its end when it grew after the reader opened it", async () => {
    await driver.put("grows", Buffer.from("abc"));
    const reader = await driver.reader("grows");
    await appendFile(join(root, "grows"), "defgh");
    const chunks: Buffer[] = [];
    for await (const chunk of reader) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("abcdefgh");
  });

  it("sizes read buffers by what is to be read, between 1 byte and 1 MiB", () => {
    expect(readBufferSize(4096, 0, undefined)).toBe(4096);
    expect(readBufferSize(10 * 1024 * 1024, 0, undefined)).toBe(1024 * 1024);
    expect(readBufferSize(10 * 1024 * 1024, 0, 200)).toBe(200);
    expect(readBufferSize(0, 0, undefined)).toBe(1);
    expect(readBufferSize(10, 20, undefined)).toBe(1);
  });

  it("reserves the top-level _tmp folder", async () => {
    await expect(driver.put("_tmp/x", Buffer.from("x"))).rejects.toMatchObject({ code: "INVALID_PATH" });
    await expect(driver.list("_tmp")).rejects.toMatchObject({ code: "INVALID_PATH" });
    await expect(driver.delete("_tmp")).rejects.toMatchObject({ code: "INVALID_PATH" });
    await driver.put("_tmpx/y", Buffer.from("y"));
    await driver.put("a/_tmp/z", Buffer.from("z"));
    expect((await driver.get("_tmpx/y")).toString()).toBe("y");
    expect(await driver.list("a")).toEqual(["a/_tmp"]);
  });

  it("removes directories emptied by a delete, but never a top-level folder or the root", async () => {
    await driver.put("a/b/c", Buffer.from("1"));
    await driver.put("x/y", Buffer.from("2"));
    await driver.delete("a/b/c");
    await expect(stat(join(root, "a", "b"))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(join(root, "a"))).isDirectory()).toBe(true);
    await driver.delete("x");
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it("reports IO errors with their cause", async () => {
    await driver.put("f", Buffer.from("file"));
    const error = await driver.put("f/g", Buffer.from("x")).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "IO" });
    expect((error as StorageError).cause).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) });
  });

  it("streams a big object with a large buffer", async () => {
    await driver.put("big", Buffer.alloc(2 * 1024 * 1024));
    const stream = await driver.reader("big");
    expect(stream.readableHighWaterMark).toBeGreaterThanOrEqual(1024 * 1024);
    stream.destroy();
  });

  it("keeps writes issued without awaiting in order", async () => {
    const writer = await driver.writer("ordered");
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) pending.push(writer.write(Buffer.from(`${i},`)));
    await Promise.all(pending);
    await writer.commit();
    const expected = Array.from({ length: 100 }, (_, i) => `${i},`).join("");
    expect((await driver.get("ordered")).toString()).toBe(expected);
  });

  it("cleanTemp removes only temporary files older than the given age", async () => {
    expect(await driver.cleanTemp(0)).toBe(0); // no _tmp yet
    await mkdir(join(root, "_tmp"), { recursive: true });
    await writeFile(join(root, "_tmp", "stale"), "partial");
    await writeFile(join(root, "_tmp", "fresh"), "in flight");
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    await utimes(join(root, "_tmp", "stale"), hourAgo, hourAgo);

    expect(await driver.cleanTemp(60 * 1000)).toBe(1);
    expect(await readdir(join(root, "_tmp"))).toEqual(["fresh"]);
  });

  it("leaves only complete objects when a writing process is SIGKILLed", { timeout: 60_000 }, async () => {
    const keys = ["objects/0", "objects/1", "objects/2", "objects/3"];
    for (let round = 0; round < 3; round++) {
      const child = spawnWriter(root, keys);
      try {
        await waitForLine(child, "ready");
        await new Promise((done) => setTimeout(done, 40 + round * 60));
      } finally {
        child.kill("SIGKILL");
      }
      if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
      expect(child.signalCode).toBe("SIGKILL");

      const fresh = new LocalDriver(root);
      for (const key of keys) checkVersion(key, await fresh.get(key));
      expect(await fresh.list("objects")).toEqual(keys);
      const walked = [];
      for await (const info of fresh.walk("objects")) walked.push(info);
      expect(walked.map((info) => info.path)).toEqual(keys);
      for (const info of walked) expect(info.size).toBe((await fresh.get(info.path)).length);
    }

    // Whatever a killed put left in _tmp (plus a planted leftover) is invisible, then cleaned up.
    await writeFile(join(root, "_tmp", "leftover"), "half an obj");
    expect((await readdir(root)).sort()).toEqual(["_tmp", "objects"]);
    expect(await driver.list("objects")).toEqual(keys);
    expect(await driver.cleanTemp(0)).toBeGreaterThanOrEqual(1);
    expect(await readdir(join(root, "_tmp"))).toEqual([]);
    for (const key of keys) checkVersion(key, await driver.get(key));
  });
});

/**
 * Version `seq` of an object: 256 KiB to 1 MiB, starting with its length and sequence number (u32 BE),
 * then filled with `seq & 0xff`. A torn write shows as a wrong length or a wrong fill byte.
 */
const VERSION_SOURCE = `
function version(seq) {
  const size = 256 * 1024 + ((seq * 7919) % (768 * 1024));
  const data = Buffer.alloc(size, seq & 0xff);
  data.writeUInt32BE(size, 0);
  data.writeUInt32BE(seq, 4);
  return data;
}`;

function checkVersion(key: string, data: Buffer): void {
  expect(data.length, `${key} has a header`).toBeGreaterThanOrEqual(8);
  const size = data.readUInt32BE(0);
  const seq = data.readUInt32BE(4);
  expect(data.length, `${key} version ${seq} is complete`).toBe(size);
  const fill = seq & 0xff;
  const wrong = data.subarray(8).findIndex((byte) => byte !== fill);
  expect(wrong, `${key} version ${seq} holds only its own bytes`).toBe(-1);
}

function spawnWriter(root: string, keys: string[]): ChildProcess {
  const moduleUrl = new URL("./local.ts", import.meta.url).href;
  const code = `
    ${VERSION_SOURCE}
    const { LocalDriver } = await import(process.argv[1]);
    const keys = JSON.parse(process.argv[3]);
    const driver = new LocalDriver(process.argv[2]);
    let seq = Number(process.argv[4]);
    for (const key of keys) await driver.put(key, version(seq++));
    process.stdout.write("ready\\n");
    for (;;) {
      await driver.put(keys[seq % keys.length], version(seq));
      seq++;
    }
  `;
  const projectRoot = fileURLToPath(new URL("../../../../", import.meta.url));
  return spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      code,
      moduleUrl,
      root,
      JSON.stringify(keys),
      String(Math.floor(random() * 1_000_000)),
    ],
    { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
}

async function waitForLine(child: ChildProcess, line: string): Promise<void> {
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer never became ready: ${stderr}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split("\n").includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`writer exited with ${code} before ready: ${stderr}`));
    });
  });
}
