import { describe, expect, it } from "vitest";
import { readImageFiles } from "./read-files.js";
import { gzLayer, memoryImage } from "./testing/layers.js";

const WANTED = ["/etc/passwd", "/etc/group"];

async function read(layers: Parameters<typeof gzLayer>[0][], limits = {}) {
  const image = memoryImage(await Promise.all(layers.map((entries) => gzLayer(entries))));
  const files = await readImageFiles(image, WANTED, limits);
  return (path: string) => files.get(path)?.toString("utf8");
}

describe("readImageFiles", () => {
  it("reads the final file: a later layer replaces it, a whiteout removes it", async () => {
    const get = await read([
      [
        { name: "etc/passwd", content: "svc:x:1000:1000::/:/bin/sh\n" },
        { name: "etc/group", content: "svc:x:1000:\n" },
      ],
      [{ name: "etc/passwd", content: "svc:x:0:0::/:/bin/sh\n" }, { name: "etc/.wh.group" }],
    ]);
    expect(get("/etc/passwd")).toBe("svc:x:0:0::/:/bin/sh\n");
    expect(get("/etc/group")).toBeUndefined();
  });

  it("follows a symlinked /etc/passwd and a symlinked /etc made in a lower layer", async () => {
    const get = await read([
      [{ name: "usr/lib/passwd", content: "svc:x:0:0::/:/bin/sh\n" }],
      [{ name: "etc/passwd", type: "symlink", linkname: "../usr/lib/passwd" }],
    ]);
    expect(get("/etc/passwd")).toBe("svc:x:0:0::/:/bin/sh\n");
    const viaDir = await read([
      [
        { name: "real/passwd", content: "svc:x:0:0::/:/bin/sh\n" },
        { name: "etc", type: "symlink", linkname: "/real" },
      ],
    ]);
    expect(viaDir("/etc/passwd")).toBe("svc:x:0:0::/:/bin/sh\n");
  });

  it("follows a hardlink", async () => {
    const get = await read([
      [
        { name: "etc/passwd-", content: "svc:x:0:0::/:/bin/sh\n" },
        { name: "etc/passwd", type: "link", linkname: "etc/passwd-" },
      ],
    ]);
    expect(get("/etc/passwd")).toBe("svc:x:0:0::/:/bin/sh\n");
  });

  it("reads a dangling link as absent", async () => {
    const get = await read([[{ name: "etc/passwd", type: "symlink", linkname: "/nowhere" }]]);
    expect(get("/etc/passwd")).toBeUndefined();
  });

  it("fails, never reads as absent, past its bounds", async () => {
    await expect(
      read([[{ name: "etc/passwd", content: "x".repeat(2048) }]], { maxFileBytes: 1024 }),
    ).rejects.toThrow(/\/etc\/passwd holds 2048 bytes, more than the 1024/);
    await expect(read([[], [], []], { maxLayers: 2 })).rejects.toMatchObject({
      code: "LAYER_LIMIT_EXCEEDED",
    });
    await expect(read([[{ name: "a", content: "b" }]], { maxTotalBytes: 10 })).rejects.toMatchObject({
      code: "LAYER_LIMIT_EXCEEDED",
    });
    await expect(read([[{ name: "etc/passwd", type: "directory" }]])).rejects.toMatchObject({
      code: "IMAGE_UNREADABLE",
    });
  });
});
