import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { thrownBy } from "../../test/support/errors.js";
import { CoreError } from "./errors.js";
import { describeReadError, readRegularFile } from "./read-file.js";

/** `mkfifo` (coreutils): Node cannot make a FIFO. Missing, the test fails naming it. */
function makeFifo(path: string): void {
  try {
    execFileSync("mkfifo", [path], { stdio: "pipe" });
  } catch (err) {
    throw new Error(`these tests need the mkfifo tool (coreutils): ${(err as Error).message}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), "read-file-"));
let server: Server | undefined;
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("readRegularFile (issue 22, item 3)", () => {
  it("reads a regular file, and one through a symlink (Kubernetes mounts ConfigMaps so)", () => {
    writeFileSync(join(dir, "key.pem"), "hello");
    symlinkSync(join(dir, "key.pem"), join(dir, "link.pem"));
    expect(readRegularFile(join(dir, "key.pem"), { maxBytes: 5 }).toString()).toBe("hello");
    expect(readRegularFile(join(dir, "link.pem"), { maxBytes: 64 }).toString()).toBe("hello");
    writeFileSync(join(dir, "empty"), "");
    expect(readRegularFile(join(dir, "empty"), { maxBytes: 64 }).length).toBe(0);
  });

  it("refuses a FIFO at once, without waiting for a writer", () => {
    const fifo = join(dir, "fifo");
    makeFifo(fifo);
    const err = thrownBy(CoreError, () => readRegularFile(fifo, { maxBytes: 65536 }));
    expect(err.code).toBe("FILE_NOT_REGULAR");
    expect(err.message).toBe(`${fifo} is a FIFO, not a regular file`);
  });

  it("refuses /dev/zero (a character device) without reading it", () => {
    const err = thrownBy(CoreError, () => readRegularFile("/dev/zero", { maxBytes: 65536 }));
    expect(err.code).toBe("FILE_NOT_REGULAR");
    expect(err.message).toContain("/dev/zero is a character device");
  });

  it("refuses a directory and a Unix socket by what they are", async () => {
    mkdirSync(join(dir, "sub"));
    expect(thrownBy(CoreError, () => readRegularFile(join(dir, "sub"), { maxBytes: 64 })).message).toContain(
      "is a directory",
    );
    const socket = join(dir, "sock");
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    const err = thrownBy(CoreError, () => readRegularFile(socket, { maxBytes: 64 }));
    expect(err.code).toBe("FILE_NOT_REGULAR");
    expect(err.message).toContain("is a socket");
  });

  it("refuses a file over the limit, and keeps Node's errno for a missing one", () => {
    writeFileSync(join(dir, "big"), Buffer.alloc(65537, 0x41));
    const err = thrownBy(CoreError, () => readRegularFile(join(dir, "big"), { maxBytes: 65536 }));
    expect(err.code).toBe("FILE_TOO_LARGE");
    expect(err.message).toContain("65536-byte limit");
    expect(readRegularFile(join(dir, "big"), { maxBytes: 65537 }).length).toBe(65537);
    let missing: unknown;
    try {
      readRegularFile(join(dir, "absent"), { maxBytes: 64 });
    } catch (e) {
      missing = e;
    }
    expect((missing as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect(describeReadError(missing)).toBe("ENOENT");
    expect(describeReadError(err)).toBe(err.message);
  });
});
