import { createHash } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import type { FileWriter } from "../../driver.js";
import { runDriverConformance } from "../conformance.js";
import type { S3Driver } from "./s3.js";
import { s3TestDriver, s3TestSettings } from "./testing.js";

const settings = s3TestSettings();
const MiB = 1024 * 1024;

describe.skipIf(unavailable("an S3 server (PORTCULLIS_TEST_S3)", settings !== undefined))("S3Driver", () => {
  if (!settings) return;
  runDriverConformance("s3", () => s3TestDriver(settings));

  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  async function driverOn(prefix?: string): Promise<{ driver: S3Driver; prefix: string }> {
    const made = await s3TestDriver(settings!, { partSize: 5 * MiB, ...(prefix ? { prefix } : {}) });
    // Only the first driver on a prefix cleans it up; a "restarted" one just closes its client.
    cleanups.push(prefix ? async () => made.driver.destroy() : made.cleanup);
    return made;
  }

  it("resumes a multipart writer from a new driver, cutting back to a known-good offset", async () => {
    const data = seededBytes(14 * MiB, 1);
    const { driver, prefix } = await driverOn();
    const first = await driver.writer("uploads/u/data");
    await writeInChunks(first, data.subarray(0, 8 * MiB));
    await first.close();

    // Another process (or replica): its own client, no memory of the first writer. It resumes at
    // 6 MiB, as if the bytes past it were never acknowledged, so they must go.
    const { driver: restarted } = await driverOn(prefix);
    const counted = countCommands(restarted);
    const second = await restarted.writer("uploads/u/data", { append: true, offset: 6 * MiB });
    expect(second.size).toBe(6 * MiB);
    await writeInChunks(second, data.subarray(6 * MiB, 13 * MiB));
    await second.close();
    // The kept prefix was copied inside the store, not downloaded and uploaded again.
    expect(counted.UploadPartCopyCommand).toBe(1);
    expect(counted.GetObjectCommand ?? 0).toBe(0);

    const third = await restarted.writer("uploads/u/data", { append: true });
    expect(third.size).toBe(13 * MiB);
    await third.write(data.subarray(13 * MiB));
    await third.commit();
    expect(sha(await restarted.get("uploads/u/data"))).toBe(sha(data));
  });

  it("resumes a short object from its bytes and leaves it untouched when nothing changes", async () => {
    const { driver, prefix } = await driverOn();
    await driver.put("w/short", Buffer.from("0123456789"));
    const { driver: other } = await driverOn(prefix);
    const unchanged = await other.writer("w/short", { append: true });
    await unchanged.close();
    const appended = await other.writer("w/short", { append: true, offset: 4 });
    await appended.write(Buffer.from("xyz"));
    await appended.close();
    expect((await driver.get("w/short")).toString()).toBe("0123xyz");
  });

  it("keeps the last closed version when a writer dies mid-object, and cleanTemp aborts its upload", async () => {
    const { driver, prefix } = await driverOn();
    await driver.put("w/obj", Buffer.from("acknowledged"));
    const doomed = await driver.writer("w/obj", { append: true });
    await writeInChunks(doomed, seededBytes(11 * MiB, 2)); // two parts uploaded, never completed
    // The process "dies" here: the writer is dropped without close.
    const { driver: restarted } = await driverOn(prefix);
    expect((await restarted.get("w/obj")).toString()).toBe("acknowledged");
    expect(await restarted.cleanTemp(60_000)).toBe(0); // too young
    expect(await restarted.cleanTemp(0)).toBe(1);
    expect(await restarted.list("w")).toEqual(["w/obj"]);
  });

  it("serves positional reads from a read-ahead window, and sequential ones from one streaming GET", async () => {
    const data = seededBytes(3 * MiB, 3);
    const { driver } = await driverOn();
    await driver.put("r/blob", data);
    const counted = countCommands(driver);
    const file = await driver.open("r/blob");
    const buffer = Buffer.alloc(4096);
    for (let at = 0; at < 512 * 1024; at += 4096) {
      expect(await file.read(buffer, buffer.length, at)).toBe(4096);
      expect(buffer.equals(data.subarray(at, at + 4096))).toBe(true);
    }
    // One GET for the first window, one streaming GET once the reads proved sequential.
    for (let at = 512 * 1024; at < data.length; at += 4096) {
      expect(await file.read(buffer, buffer.length, at)).toBe(4096);
      expect(buffer.equals(data.subarray(at, at + 4096))).toBe(true);
    }
    expect(await file.read(buffer, buffer.length, data.length)).toBe(0);
    expect(counted.GetObjectCommand).toBe(2);
    // A jump back into the window costs nothing; a jump elsewhere fetches a window there.
    expect(await file.read(buffer, 10, 5)).toBe(10);
    expect(buffer.subarray(0, 10).equals(data.subarray(5, 15))).toBe(true);
    expect(counted.GetObjectCommand).toBe(2);
    expect(await file.read(buffer, 10, 2 * MiB + 5)).toBe(10);
    expect(buffer.subarray(0, 10).equals(data.subarray(2 * MiB + 5, 2 * MiB + 15))).toBe(true);
    expect(counted.GetObjectCommand).toBe(3);
    await file.close();
  });

  it("carries a read on where the connection broke, for streams and positional reads", async () => {
    const data = seededBytes(6 * MiB, 4);
    const { driver, prefix } = await driverOn();
    await driver.put("cut/blob", data);
    // A proxy in front of the real server that cuts the next GETs' bodies after 1 MiB.
    const proxy = await cuttingProxy(new URL(settings.endpoint!));
    try {
      const made = await s3TestDriver(
        { ...settings, endpoint: `http://127.0.0.1:${proxy.port}` },
        { prefix, partSize: 5 * MiB },
      );
      cleanups.push(async () => made.driver.destroy());
      const viaProxy = made.driver;

      proxy.cuts = 2;
      const chunks: Buffer[] = [];
      for await (const chunk of await viaProxy.reader("cut/blob", { offset: 10 })) chunks.push(chunk);
      expect(sha(Buffer.concat(chunks))).toBe(sha(data.subarray(10)));
      expect(proxy.cuts).toBe(0);

      // The first GET is the 1 MiB window (whole before the cut); the second, the streaming one, breaks.
      proxy.cuts = 2;
      const file = await viaProxy.open("cut/blob");
      const buffer = Buffer.alloc(256 * 1024);
      const read: Buffer[] = [];
      for (let at = 0; ; ) {
        const n = await file.read(buffer, buffer.length, at);
        if (n === 0) break;
        read.push(Buffer.from(buffer.subarray(0, n)));
        at += n;
      }
      await file.close();
      expect(sha(Buffer.concat(read))).toBe(sha(data));
      expect(proxy.cuts).toBe(0);
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });

  it("deletes a directory of more than one DeleteObjects batch and lists it in pages", async () => {
    const { driver } = await driverOn();
    const names = Array.from({ length: 1001 }, (_, i) => `many/d/${String(i).padStart(5, "0")}`);
    // Straight PUTs (no ancestor checks): the test is about listing and deleting.
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => driver.putObject(name, Buffer.from(name))));
    }
    await driver.put("many/kept", Buffer.from("k"));
    expect(await driver.list("many/d")).toEqual(names);
    const counted = countCommands(driver);
    await driver.delete("many/d");
    expect(counted.DeleteObjectsCommand).toBe(2);
    expect(await driver.list("many")).toEqual(["many/kept"]);
  });

  it("deletes many objects in batches of 1,000, ignoring keys already gone (GC's sweep)", async () => {
    const { driver } = await driverOn();
    const names = Array.from({ length: 1003 }, (_, i) => `bulk/${String(i).padStart(5, "0")}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => driver.putObject(name, Buffer.from(name))));
    }
    await driver.put("bulk/~kept", Buffer.from("k"));
    const counted = countCommands(driver);
    await driver.deleteMany([...names, "bulk/never-written"]);
    expect(counted.DeleteObjectsCommand).toBe(2);
    expect(await driver.list("bulk")).toEqual(["bulk/~kept"]);
    await expect(driver.deleteMany(["../escape"])).rejects.toMatchObject({ code: "INVALID_PATH" });
  });
});

/**
 * An HTTP proxy to the S3 server that, while `cuts` is above 0, sends the headers and the first MiB of
 * a GET's body and then destroys the connection: what a reset or a restarted gateway does mid-body.
 * The Host header passes through unchanged, so the requests' signatures still verify.
 */
async function cuttingProxy(target: URL): Promise<{ server: Server; port: number; cuts: number }> {
  const state = { server: undefined as unknown as Server, port: 0, cuts: 0 };
  state.server = createServer((req, res) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const cut =
          req.method === "GET" &&
          answer.statusCode !== undefined &&
          answer.statusCode < 300 &&
          state.cuts > 0;
        if (!cut) {
          answer.pipe(res);
          return;
        }
        state.cuts--;
        let sent = 0;
        answer.on("data", (chunk: Buffer) => {
          if (sent >= MiB) return;
          const part = chunk.subarray(0, MiB - sent);
          sent += part.length;
          res.write(part);
          if (sent >= MiB) {
            answer.destroy();
            res.socket?.destroy();
          }
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

/** Counts the SDK commands a driver sends from now on, by command name. */
function countCommands(driver: S3Driver): Record<string, number> {
  const counts: Record<string, number> = {};
  driver.client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "unknown";
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize" },
  );
  return counts;
}

async function writeInChunks(writer: FileWriter, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 700 * 1024) await writer.write(data.subarray(at, at + 700 * 1024));
}

function sha(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic bytes from a seed (SHA-256 in counter mode). */
function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, block = 0; at < length; block++) {
    at += createHash("sha256").update(`${seed}:${block}`).digest().copy(out, at);
  }
  return out;
}
