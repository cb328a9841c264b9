import { describe, expect, it } from "vitest";
import { StorageError } from "../../driver.js";
import { runDriverConformance } from "../conformance.js";
import { MemoryDriver } from "./memory.js";

runDriverConformance("memory", async () => ({ driver: new MemoryDriver(), cleanup: async () => {} }));

describe("MemoryDriver", () => {
  it("reserves the top-level _tmp folder like the local driver", async () => {
    const driver = new MemoryDriver();
    await expect(driver.put("_tmp/x", Buffer.from("x"))).rejects.toMatchObject({ code: "INVALID_PATH" });
    await expect(driver.list("_tmp")).rejects.toBeInstanceOf(StorageError);
    await driver.put("_tmpx/y", Buffer.from("y"));
    await driver.put("a/_tmp/z", Buffer.from("z"));
    expect((await driver.get("_tmpx/y")).toString()).toBe("y");
    expect((await driver.get("a/_tmp/z")).toString()).toBe("z");
  });

  it("keeps writing to the object an open writer follows through a move", async () => {
    const driver = new MemoryDriver();
    const writer = await driver.writer("uploads/u/data");
    await writer.write(Buffer.from("abc"));
    await driver.move("uploads/u/data", "blobs/b");
    await writer.write(Buffer.from("def"));
    await writer.commit();
    expect((await driver.get("blobs/b")).toString()).toBe("abcdef");
  });

  it("does not let a reader see bytes written after it was opened", async () => {
    const driver = new MemoryDriver();
    const writer = await driver.writer("obj");
    await writer.write(Buffer.from("first"));
    const stream = await driver.reader("obj");
    await writer.write(Buffer.from("second"));
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe("first");
  });
});
