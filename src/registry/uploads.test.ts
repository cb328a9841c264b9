import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../core/index.js";
import { type Database, MemoryDriver } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { lentBuffers, MAX_LENT, releaseBuffer, tryTakeBuffer } from "./buffers.js";
import { EventBus } from "./events.js";
import { Registry } from "./registry.js";

/**
 * Upload buffering under stalled clients (issue 11, item 6): a client that pauses mid-body holds no
 * pooled buffer, and when the pool is lent out uploads still complete, byte for byte, without more.
 */
describe.each(databaseTestTargets().slice(0, 1))("upload buffering ($name)", (target) => {
  let database: Database;
  let registry: Registry;

  beforeEach(async () => {
    database = await target.open();
    registry = new Registry({ database, store: new MemoryDriver(), events: new EventBus() });
  });

  afterEach(async () => {
    await database.close();
    expect(lentBuffers()).toBe(0);
  });

  /** A body that yields `first`, then waits until `resume()` before yielding `rest`. */
  function pausingBody(first: Buffer, rest: Buffer) {
    let resume!: () => void;
    const resumed = new Promise<void>((r) => {
      resume = r;
    });
    let paused!: () => void;
    const reachedPause = new Promise<void>((r) => {
      paused = r;
    });
    async function* body(): AsyncIterable<Uint8Array> {
      for (let at = 0; at < first.length; at += 64 * 1024) yield first.subarray(at, at + 64 * 1024);
      paused();
      await resumed;
      yield rest;
    }
    return { body: body(), resume, reachedPause };
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((r) => setTimeout(r, 10));
  }

  it("gives the pooled buffer back while the client pauses, and loses no byte", async () => {
    const blob = randomBytes(1_500_000);
    const { id } = await registry.uploads.start("buf/app");
    const { body, resume, reachedPause } = pausingBody(blob.subarray(0, 600_000), blob.subarray(600_000));
    const append = registry.uploads.append("buf/app", id, body);
    await reachedPause;
    // 600 kB sit in a 1 MiB buffer that would fill only with more bytes: during the pause it is
    // written out and returned to the pool.
    expect(lentBuffers()).toBeGreaterThan(0);
    await until(() => lentBuffers() === 0);
    resume();
    expect((await append).offset).toBe(blob.length);
    const done = await registry.uploads.complete("buf/app", id, digestOf(blob));
    expect(done).toEqual({ digest: digestOf(blob), size: blob.length });
  });

  it("completes uploads without a pooled buffer when the pool is lent out", async () => {
    const taken = Array.from({ length: MAX_LENT }, () => tryTakeBuffer());
    try {
      expect(taken.every((b) => b !== undefined)).toBe(true);
      expect(tryTakeBuffer()).toBeUndefined();
      const blob = randomBytes(3 * 1024 * 1024 + 17);
      async function* body(): AsyncIterable<Uint8Array> {
        for (let at = 0; at < blob.length; at += 16 * 1024) yield blob.subarray(at, at + 16 * 1024);
      }
      const info = await registry.uploads.putMonolithic("buf/app", digestOf(blob), body());
      expect(info).toEqual({ digest: digestOf(blob), size: blob.length });
      const read: Buffer[] = [];
      for await (const chunk of await registry.blobs.stream("buf/app", info.digest))
        read.push(chunk as Buffer);
      expect(Buffer.concat(read).equals(blob)).toBe(true);
      expect(lentBuffers()).toBe(MAX_LENT);
    } finally {
      for (const buffer of taken) releaseBuffer(buffer);
    }
  });
});
