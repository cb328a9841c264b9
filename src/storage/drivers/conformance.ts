import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FileInfo, type StorageDriver, StorageError, type StorageErrorCode } from "../driver.js";

/**
 * The behaviour every StorageDriver must show. Call it from a driver's test file; `makeDriver` gives a
 * fresh, empty driver per test and a cleanup for whatever backs it.
 */
export function runDriverConformance(
  name: string,
  makeDriver: () => Promise<{ driver: StorageDriver; cleanup: () => Promise<void> }>,
): void {
  describe(`StorageDriver conformance: ${name}`, () => {
    let driver: StorageDriver;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const made = await makeDriver();
      driver = made.driver;
      cleanup = made.cleanup;
    });

    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it("has a name", () => {
      expect(typeof driver.name).toBe("string");
      expect(driver.name.length).toBeGreaterThan(0);
    });

    describe("put and get", () => {
      it("round-trips an object", async () => {
        await driver.put("blobs/sha256/ab/abcdef", text("hello, registry"));
        const data = await driver.get("blobs/sha256/ab/abcdef");
        expect(Buffer.isBuffer(data)).toBe(true);
        expect(data.toString("utf8")).toBe("hello, registry");
      });

      it("stores an empty object", async () => {
        await driver.put("empty", new Uint8Array(0));
        expect((await driver.get("empty")).length).toBe(0);
        expect((await driver.stat("empty")).size).toBe(0);
        expect(await readAll(await driver.reader("empty"))).toEqual(Buffer.alloc(0));
      });

      it("overwrites an object completely, longer then shorter", async () => {
        await driver.put("o/x", text("a much longer first version"));
        await driver.put("o/x", text("short"));
        expect((await driver.get("o/x")).toString()).toBe("short");
        expect((await driver.stat("o/x")).size).toBe(5);
      });

      it("is unaffected by later changes to the caller's buffers", async () => {
        const input = Buffer.from("original");
        await driver.put("iso", input);
        input.fill(0x21);
        const first = await driver.get("iso");
        expect(first.toString()).toBe("original");
        first.fill(0x22);
        expect((await driver.get("iso")).toString()).toBe("original");
      });

      it("keeps unicode and spaces in path segments", async () => {
        await driver.put("dir with space/ünï-cödé.txt", text("ok"));
        expect((await driver.get("dir with space/ünï-cödé.txt")).toString()).toBe("ok");
        expect(await driver.list("dir with space")).toEqual(["dir with space/ünï-cödé.txt"]);
      });

      it("preserves every byte value", async () => {
        const data = allBytes(4);
        await driver.put("bin/all", data);
        expect(await driver.get("bin/all")).toEqual(data);
        expect(await readAll(await driver.reader("bin/all"))).toEqual(data);
        expect(await readAll(await driver.reader("bin/all", { offset: 255, length: 3 }))).toEqual(
          Buffer.from([255, 0, 1]),
        );

        const writer = await driver.writer("bin/written");
        await writer.write(data.subarray(0, 300));
        await writer.write(data.subarray(300));
        await writer.commit();
        expect(await driver.get("bin/written")).toEqual(data);
      });

      it("leaves one complete version when puts to the same path race", async () => {
        const versions = [0, 1, 2, 3, 4, 5].map((i) => Buffer.alloc(64 * 1024 + i * 1000, 0x41 + i));
        await Promise.all(versions.map((version) => driver.put("race/obj", version)));
        const result = await driver.get("race/obj");
        expect(versions.some((version) => version.equals(result))).toBe(true);
        expect(await driver.list("race")).toEqual(["race/obj"]);
      });

      it("refuses to write under an object or over a directory", async () => {
        await driver.put("c/file", text("x"));
        await expectStorageError(driver.put("c/file/child", text("y")), "IO");
        await expectStorageError(driver.put("c", text("y")), "IO");
        await expectStorageError(driver.writer("c"), "IO");
        expect((await driver.get("c/file")).toString()).toBe("x");
        expect(await driver.list("c")).toEqual(["c/file"]);
      });
    });

    describe("missing objects", () => {
      it("NOT_FOUND from get, stat, reader, list, delete and move", async () => {
        await expectStorageError(driver.get("nope/x"), "NOT_FOUND");
        await expectStorageError(driver.stat("nope/x"), "NOT_FOUND");
        await expectStorageError(driver.reader("nope/x"), "NOT_FOUND");
        await expectStorageError(driver.reader("nope/x", { offset: 0, length: 0 }), "NOT_FOUND");
        await expectStorageError(driver.list("nope"), "NOT_FOUND");
        await expectStorageError(driver.delete("nope/x"), "NOT_FOUND");
        await expectStorageError(driver.move("nope/x", "dest"), "NOT_FOUND");
        await expectStorageError(driver.stat("dest"), "NOT_FOUND");
      });

      it("NOT_FOUND when a path runs through an object", async () => {
        await driver.put("f", text("x"));
        await expectStorageError(driver.get("f/under"), "NOT_FOUND");
        await expectStorageError(driver.stat("f/under"), "NOT_FOUND");
        await expectStorageError(driver.reader("f/under"), "NOT_FOUND");
        await expectStorageError(driver.delete("f/under"), "NOT_FOUND");
      });

      it("NOT_FOUND when reading a directory as an object", async () => {
        await driver.put("d/inner", text("x"));
        await expectStorageError(driver.get("d"), "NOT_FOUND");
        await expectStorageError(driver.reader("d"), "NOT_FOUND");
        await expectStorageError(driver.move("d", "e"), "NOT_FOUND");
        expect(await driver.list("d")).toEqual(["d/inner"]);
      });

      it("NOT_FOUND when listing an object", async () => {
        await driver.put("plain", text("x"));
        await expectStorageError(driver.list("plain"), "NOT_FOUND");
      });

      it("walks nothing under a missing directory or an object", async () => {
        expect(await collect(driver.walk("nope"))).toEqual([]);
        await driver.put("plain", text("x"));
        expect(await collect(driver.walk("plain"))).toEqual([]);
      });
    });

    describe("invalid paths", () => {
      const invalid = ["../x", "a/../b", "/abs", "a//b", "a/./b", ".", "", "a\0b", "a/", "a\\b"];

      it.each(invalid)("INVALID_PATH for %j from every method", async (bad) => {
        await expectStorageError(driver.get(bad), "INVALID_PATH");
        await expectStorageError(driver.put(bad, text("x")), "INVALID_PATH");
        await expectStorageError(driver.reader(bad), "INVALID_PATH");
        await expectStorageError(driver.writer(bad), "INVALID_PATH");
        await expectStorageError(driver.writer(bad, { append: true }), "INVALID_PATH");
        await expectStorageError(driver.stat(bad), "INVALID_PATH");
        await expectStorageError(driver.list(bad), "INVALID_PATH");
        await expectStorageError(driver.delete(bad), "INVALID_PATH");
        await expectStorageError(driver.move(bad, "ok"), "INVALID_PATH");
        await expectStorageError(collect(driver.walk(bad)), "INVALID_PATH");
      });

      it("INVALID_PATH for a bad move destination, leaving the source alone", async () => {
        await driver.put("src", text("x"));
        await expectStorageError(driver.move("src", "../escape"), "INVALID_PATH");
        await expectStorageError(driver.move("src", "a//b"), "INVALID_PATH");
        expect((await driver.get("src")).toString()).toBe("x");
      });
    });

    describe("reader", () => {
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

      beforeEach(async () => {
        await driver.put("r/obj", data);
      });

      it("reads everything by default", async () => {
        expect(await readAll(await driver.reader("r/obj"))).toEqual(data);
        expect(await readAll(await driver.reader("r/obj", {}))).toEqual(data);
      });

      it("reads from an offset to the end", async () => {
        expect(await readAll(await driver.reader("r/obj", { offset: 10 }))).toEqual(data.subarray(10));
      });

      it("reads a length from the start", async () => {
        expect(await readAll(await driver.reader("r/obj", { length: 5 }))).toEqual(data.subarray(0, 5));
      });

      it("reads an offset and length", async () => {
        const part = await readAll(await driver.reader("r/obj", { offset: 100, length: 250 }));
        expect(part).toEqual(data.subarray(100, 350));
        expect(part.length).toBe(250);
      });

      it("stops at the end when offset + length runs past it", async () => {
        expect(await readAll(await driver.reader("r/obj", { offset: 990, length: 50 }))).toEqual(
          data.subarray(990),
        );
      });

      it("gives an empty stream for length 0", async () => {
        expect((await readAll(await driver.reader("r/obj", { length: 0 }))).length).toBe(0);
        expect((await readAll(await driver.reader("r/obj", { offset: 500, length: 0 }))).length).toBe(0);
      });

      it("gives an empty stream from the end or beyond it", async () => {
        expect((await readAll(await driver.reader("r/obj", { offset: 1000 }))).length).toBe(0);
        expect((await readAll(await driver.reader("r/obj", { offset: 5000, length: 10 }))).length).toBe(0);
      });
    });

    describe("open (positional reads)", () => {
      const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) % 256));

      it("reads any range into the caller's buffer and 0 at the end", async () => {
        await driver.put("o/obj", data);
        const file = await driver.open("o/obj");
        try {
          expect(file.size).toBe(3000);
          const buffer = Buffer.alloc(1024);
          expect(await file.read(buffer, 1024, 0)).toBe(1024);
          expect(buffer).toEqual(data.subarray(0, 1024));
          expect(await file.read(buffer, 100, 2950)).toBe(50);
          expect(buffer.subarray(0, 50)).toEqual(data.subarray(2950));
          // Never more than the buffer holds, whatever length says.
          expect(await file.read(buffer, 5000, 1000)).toBe(1024);
          expect(buffer).toEqual(data.subarray(1000, 2024));
          expect(await file.read(buffer, 10, 3000)).toBe(0);
        } finally {
          await file.close();
        }
      });

      it("reassembles the object from reads into one reused buffer", async () => {
        await driver.put("o/obj", data);
        const file = await driver.open("o/obj");
        const buffer = Buffer.alloc(700);
        const parts: Buffer[] = [];
        for (let at = 0; ; ) {
          const n = await file.read(buffer, buffer.length, at);
          if (n === 0) break;
          parts.push(Buffer.from(buffer.subarray(0, n)));
          at += n;
        }
        await file.close();
        expect(Buffer.concat(parts)).toEqual(data);
      });

      it("is NOT_FOUND for a missing object or a directory", async () => {
        await expectStorageError(driver.open("o/none"), "NOT_FOUND");
        await driver.put("o/dir/x", data);
        await expectStorageError(driver.open("o/dir"), "NOT_FOUND");
        await expectStorageError(driver.open("../escape"), "INVALID_PATH");
      });
    });

    describe("writer", () => {
      it("creates a new object, with its parents, counting bytes", async () => {
        const writer = await driver.writer("uploads/u1/data");
        expect(writer.size).toBe(0);
        await writer.write(text("hello "));
        expect(writer.size).toBe(6);
        await writer.write(text("world"));
        expect(writer.size).toBe(11);
        await writer.write(new Uint8Array(0));
        expect(writer.size).toBe(11);
        await writer.commit();
        expect((await driver.get("uploads/u1/data")).toString()).toBe("hello world");
        expect((await driver.stat("uploads/u1/data")).size).toBe(11);
      });

      it("starts an existing object empty without append", async () => {
        await driver.put("w/obj", text("old content"));
        const writer = await driver.writer("w/obj");
        expect(writer.size).toBe(0);
        await writer.write(text("new"));
        await writer.commit();
        expect((await driver.get("w/obj")).toString()).toBe("new");
      });

      it("appends at the end of an existing object", async () => {
        await driver.put("w/obj", text("abc"));
        const writer = await driver.writer("w/obj", { append: true });
        expect(writer.size).toBe(3);
        await writer.write(text("def"));
        expect(writer.size).toBe(6);
        await writer.commit();
        expect((await driver.get("w/obj")).toString()).toBe("abcdef");
      });

      it("appends at an offset, discarding the bytes after it", async () => {
        await driver.put("w/obj", text("abcGARBAGE"));
        const writer = await driver.writer("w/obj", { append: true, offset: 3 });
        expect(writer.size).toBe(3);
        await writer.write(text("def"));
        expect(writer.size).toBe(6);
        await writer.commit();
        expect((await driver.get("w/obj")).toString()).toBe("abcdef");
        expect((await driver.stat("w/obj")).size).toBe(6);
      });

      it("appends at offset 0 and at the exact end", async () => {
        await driver.put("w/a", text("xyz"));
        const fromStart = await driver.writer("w/a", { append: true, offset: 0 });
        expect(fromStart.size).toBe(0);
        await fromStart.write(text("1"));
        await fromStart.commit();
        expect((await driver.get("w/a")).toString()).toBe("1");

        await driver.put("w/b", text("xyz"));
        const atEnd = await driver.writer("w/b", { append: true, offset: 3 });
        expect(atEnd.size).toBe(3);
        await atEnd.write(text("!"));
        await atEnd.commit();
        expect((await driver.get("w/b")).toString()).toBe("xyz!");
      });

      it("creates a missing object when appending from the start", async () => {
        const writer = await driver.writer("w/fresh", { append: true });
        expect(writer.size).toBe(0);
        await writer.write(text("new"));
        await writer.commit();
        expect((await driver.get("w/fresh")).toString()).toBe("new");
      });

      it("refuses to append past the end of an object", async () => {
        await driver.put("w/short", text("abc"));
        await expectStorageError(driver.writer("w/short", { append: true, offset: 4 }), "IO");
        expect((await driver.get("w/short")).toString()).toBe("abc");
        await expectStorageError(driver.writer("w/missing", { append: true, offset: 10 }), "NOT_FOUND");
        await expectStorageError(driver.stat("w/missing"), "NOT_FOUND");
      });

      it("cancel removes a new object", async () => {
        const writer = await driver.writer("w/cancelled");
        await writer.write(text("doomed"));
        await writer.cancel();
        await expectStorageError(driver.get("w/cancelled"), "NOT_FOUND");
        expect(await collect(driver.walk("w"))).toEqual([]);
      });

      it("cancel removes an appended-to object", async () => {
        await driver.put("w/existing", text("abc"));
        const writer = await driver.writer("w/existing", { append: true });
        await writer.write(text("def"));
        await writer.cancel();
        await expectStorageError(driver.get("w/existing"), "NOT_FOUND");
      });

      it("close keeps the data for a later append", async () => {
        const first = await driver.writer("w/resumable");
        await first.write(text("part1"));
        await first.close();
        expect((await driver.get("w/resumable")).toString()).toBe("part1");

        const second = await driver.writer("w/resumable", { append: true });
        expect(second.size).toBe(5);
        await second.write(text("part2"));
        await second.close();

        const third = await driver.writer("w/resumable", { append: true, offset: 10 });
        await third.write(text("part3"));
        expect(third.size).toBe(15);
        await third.commit();
        expect((await driver.get("w/resumable")).toString()).toBe("part1part2part3");
      });

      it("throws IO for any call after the writer is finished", async () => {
        const committed = await driver.writer("w/done");
        await committed.write(text("x"));
        await committed.commit();
        await expectStorageError(committed.write(text("y")), "IO");
        await expectStorageError(committed.commit(), "IO");
        await expectStorageError(committed.close(), "IO");
        await expectStorageError(committed.cancel(), "IO");
        expect((await driver.get("w/done")).toString()).toBe("x");

        const closed = await driver.writer("w/closed");
        await closed.close();
        await expectStorageError(closed.write(text("y")), "IO");
        await expectStorageError(closed.close(), "IO");

        const cancelled = await driver.writer("w/cancelled");
        await cancelled.cancel();
        await expectStorageError(cancelled.write(text("y")), "IO");
        await expectStorageError(cancelled.commit(), "IO");
        await expectStorageError(driver.stat("w/cancelled"), "NOT_FOUND");
      });

      it("writes 5 MiB in many uneven chunks and reads back identical bytes", async () => {
        const total = 5 * 1024 * 1024;
        const source = pseudoRandomBytes(total, 42);
        const writer = await driver.writer("big/blob");
        let offset = 0;
        let chunks = 0;
        let seed = 7;
        while (offset < total) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const size = Math.min(total - offset, 1 + (seed % (96 * 1024)));
          await writer.write(source.subarray(offset, offset + size));
          offset += size;
          chunks++;
          expect(writer.size).toBe(offset);
        }
        await writer.commit();
        expect(chunks).toBeGreaterThan(50);

        expect((await driver.stat("big/blob")).size).toBe(total);
        expect(await sha256(await driver.reader("big/blob"))).toBe(sha256Of(source));
        expect(sha256Of(await driver.get("big/blob"))).toBe(sha256Of(source));
        const start = 1024 * 1024 + 7;
        const length = 2 * 1024 * 1024 + 3;
        expect(await sha256(await driver.reader("big/blob", { offset: start, length }))).toBe(
          sha256Of(source.subarray(start, start + length)),
        );
      });
    });

    describe("stat", () => {
      it("describes an object and a directory", async () => {
        const before = Date.now();
        await driver.put("s/dir/obj", text("12345"));
        const after = Date.now();

        const object = await driver.stat("s/dir/obj");
        expect(object.path).toBe("s/dir/obj");
        expect(object.size).toBe(5);
        expect(object.isDirectory).toBe(false);
        expect(object.modifiedAt).toBeInstanceOf(Date);
        expect(object.modifiedAt.getTime()).toBeGreaterThanOrEqual(before - 2000);
        expect(object.modifiedAt.getTime()).toBeLessThanOrEqual(after + 2000);

        const dir = await driver.stat("s/dir");
        expect(dir.path).toBe("s/dir");
        expect(dir.isDirectory).toBe(true);
        expect(dir.size).toBe(0);
        expect(dir.modifiedAt).toBeInstanceOf(Date);
      });
    });

    describe("move", () => {
      it("moves an object to a new directory", async () => {
        await driver.put("uploads/u1/data", text("payload"));
        await driver.move("uploads/u1/data", "blobs/sha256/ab/abcd");
        expect((await driver.get("blobs/sha256/ab/abcd")).toString()).toBe("payload");
        await expectStorageError(driver.get("uploads/u1/data"), "NOT_FOUND");
        // The emptied folder is gone, or (a top-level one, which drivers may keep) empty.
        await expectStorageError(driver.list("uploads/u1"), "NOT_FOUND");
        expect(await driver.list("uploads").catch(() => [])).toEqual([]);
      });

      it("replaces the destination", async () => {
        await driver.put("m/dest", text("old destination content"));
        await driver.put("m/src", text("new"));
        await driver.move("m/src", "m/dest");
        expect((await driver.get("m/dest")).toString()).toBe("new");
        await expectStorageError(driver.get("m/src"), "NOT_FOUND");
        expect(await driver.list("m")).toEqual(["m/dest"]);
      });

      it("is a no-op onto itself", async () => {
        await driver.put("m/same", text("kept"));
        await driver.move("m/same", "m/same");
        expect((await driver.get("m/same")).toString()).toBe("kept");
      });

      it("refuses to replace a directory", async () => {
        await driver.put("m/src", text("x"));
        await driver.put("m/dir/child", text("y"));
        await expectStorageError(driver.move("m/src", "m/dir"), "IO");
        expect((await driver.get("m/src")).toString()).toBe("x");
        expect((await driver.get("m/dir/child")).toString()).toBe("y");
      });
    });

    describe("delete", () => {
      it("deletes an object, leaving its siblings", async () => {
        await driver.put("del/a", text("a"));
        await driver.put("del/b", text("b"));
        await driver.delete("del/a");
        await expectStorageError(driver.get("del/a"), "NOT_FOUND");
        await expectStorageError(driver.delete("del/a"), "NOT_FOUND");
        expect(await driver.list("del")).toEqual(["del/b"]);
      });

      it("deletes a directory and everything under it, and nothing else", async () => {
        const kept = ["d.txt", "dx/1", "other/d/1"];
        const removed = ["d/1", "d/sub/2", "d/sub/deeper/3"];
        for (const path of [...kept, ...removed]) await driver.put(path, text(path));
        await driver.delete("d");
        for (const path of removed) await expectStorageError(driver.get(path), "NOT_FOUND");
        await expectStorageError(driver.stat("d"), "NOT_FOUND");
        await expectStorageError(driver.list("d"), "NOT_FOUND");
        expect(await collect(driver.walk("d"))).toEqual([]);
        for (const path of kept) expect((await driver.get(path)).toString()).toBe(path);
      });

      it("leaves no empty directory behind its last object", async () => {
        await driver.put("gc/x/y/z", text("z"));
        await driver.put("gc/keep", text("k"));
        await driver.delete("gc/x/y/z");
        await expectStorageError(driver.stat("gc/x"), "NOT_FOUND");
        expect(await driver.list("gc")).toEqual(["gc/keep"]);
      });
    });

    describe("list", () => {
      it("gives immediate children, files and directories, sorted", async () => {
        for (const path of ["l/b", "l/a.txt", "l/c/d", "l/c/e/f", "l/a", "l/Z", "other/x"]) {
          await driver.put(path, text(path));
        }
        expect(await driver.list("l")).toEqual(["l/Z", "l/a", "l/a.txt", "l/b", "l/c"]);
        expect(await driver.list("l/c")).toEqual(["l/c/d", "l/c/e"]);
        expect(await driver.list("l/c/e")).toEqual(["l/c/e/f"]);
        expect((await driver.stat("l/c")).isDirectory).toBe(true);
        expect((await driver.stat("l/a")).isDirectory).toBe(false);
      });
    });

    describe("walk", () => {
      it("gives every object under a directory, depth first in sorted order, with sizes", async () => {
        const files: Record<string, string> = {
          "w/c": "c",
          "w/b.txt": "bt",
          "w/a": "aaa",
          "w/b/c": "bccc",
          "w/b/a/z": "zzzzz",
          "w/b/a/y/deep": "deep!!",
          "wx/outside": "no",
        };
        for (const [path, content] of Object.entries(files)) await driver.put(path, text(content));

        const walked = await collect(driver.walk("w"));
        expect(walked.map((info) => info.path)).toEqual([
          "w/a",
          "w/b/a/y/deep",
          "w/b/a/z",
          "w/b/c",
          "w/b.txt",
          "w/c",
        ]);
        for (const info of walked) {
          expect(info.size).toBe(Buffer.byteLength(files[info.path] ?? ""));
          expect(info.isDirectory).toBe(false);
          expect(info.modifiedAt).toBeInstanceOf(Date);
        }
        expect((await collect(driver.walk("w/b/a"))).map((info) => info.path)).toEqual([
          "w/b/a/y/deep",
          "w/b/a/z",
        ]);
      });
    });
  });
}

function text(value: string): Buffer {
  return Buffer.from(value, "utf8");
}

async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  const outcome = await promise.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) {
    expect.fail(`expected a StorageError ${code}, but it resolved`);
    return;
  }
  expect(outcome.error).toBeInstanceOf(StorageError);
  expect(outcome.error).toMatchObject({ code });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function collect(iterable: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const items: FileInfo[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

function sha256Of(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function allBytes(repeats: number): Buffer {
  const data = Buffer.alloc(256 * repeats);
  for (let i = 0; i < data.length; i++) data[i] = i % 256;
  return data;
}

/** Deterministic bytes (xorshift32) so a failing run can be reproduced. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    data[i] = state & 0xff;
  }
  return data;
}
