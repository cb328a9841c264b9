import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { digestOf } from "../../core/index.js";
import { ImageError } from "../errors.js";
import { gzLayer, layerOf, memoryImage, type TestEntry, tarOf } from "./testing/layers.js";
import { walkImage } from "./walk.js";

async function walk(layers: TestEntry[][], options: Parameters<typeof walkImage>[1] = {}) {
  const built = await Promise.all(layers.map((l) => gzLayer(l)));
  return walkImage(memoryImage(built), options);
}

function listing(fs: Awaited<ReturnType<typeof walk>>): string[] {
  return [...fs.paths()].map((f) => `${f.path} ${f.kind}@${f.layerIndex}`);
}

async function failure(promise: Promise<unknown>): Promise<ImageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  return err as ImageError;
}

describe("walkImage: squashing", () => {
  it("records every path with kind, size, mode, link target and the layer that wrote it", async () => {
    const fs = await walk([
      [
        { name: "etc/", type: "directory" },
        { name: "etc/os-release", content: "ID=test\n", mode: 0o644 },
        { name: "bin/sh", content: "#!", mode: 0o4755 },
        { name: "usr/bin/sh", type: "symlink", linkname: "/bin/sh" },
        { name: "bin/sh2", type: "link", linkname: "bin/sh" },
        { name: "dev/null", type: "character-device" },
        { name: "opt/sda", type: "block-device" },
        { name: "run/fifo", type: "fifo" },
      ],
      [{ name: "./etc/os-release", content: "ID=upper\n" }],
    ]);
    expect(listing(fs)).toEqual([
      "/bin directory@0",
      "/bin/sh file@0",
      "/bin/sh2 hardlink@0",
      "/dev directory@0",
      "/dev/null device@0",
      "/etc directory@0",
      "/etc/os-release file@1",
      "/opt directory@0",
      "/opt/sda device@0",
      "/run directory@0",
      "/run/fifo fifo@0",
      "/usr directory@0",
      "/usr/bin directory@0",
      "/usr/bin/sh symlink@0",
    ]);
    expect(fs.info("/bin/sh")).toMatchObject({ size: 2, mode: 0o4755 });
    expect(fs.info("/bin/sh2")).toMatchObject({ linkTarget: "/bin/sh", size: 2 });
    expect(fs.info("/usr/bin/sh")?.linkTarget).toBe("/bin/sh");
    expect(fs.info("/etc/os-release")).toMatchObject({ size: 9, layerDigest: fs.layers[1]!.digest });
    // A device under /dev is what base images carry; one anywhere else is worth a warning.
    expect(fs.warnings.some((w) => w.includes("device file /opt/sda"))).toBe(true);
    expect(fs.warnings.some((w) => w.includes("/dev/null"))).toBe(false);
  });

  it("keeps bytes only for selected files, once per consumer, through each reducer", async () => {
    const seen: string[] = [];
    const fs = await walk(
      [
        [
          { name: "var/lib/dpkg/status", content: "Package: a\n" },
          { name: "app/go-bin", content: "GOBUILDINFO" },
          { name: "big", content: Buffer.alloc(2048) },
        ],
      ],
      {
        consumers: [
          { select: (f) => f.path.startsWith("/var/lib/dpkg") },
          {
            select: (f) => {
              seen.push(f.path);
              return f.path !== "/var/lib/dpkg/status";
            },
            reduce: (f, bytes) => (f.path === "/big" ? undefined : bytes.subarray(0, 2)),
          },
        ],
      },
    );
    expect(seen.sort()).toEqual(["/app/go-bin", "/big", "/var/lib/dpkg/status"]);
    expect(fs.content("/var/lib/dpkg/status", 0)?.toString()).toBe("Package: a\n");
    expect(fs.content("/var/lib/dpkg/status", 1)).toBeUndefined();
    expect(fs.content("/app/go-bin", 1)?.toString()).toBe("GO");
    expect(fs.content("/big", 1)).toBeUndefined();
    expect([...fs.selected(0)].map((f) => f.path)).toEqual(["/var/lib/dpkg/status"]);
    expect([...fs.selected(1)].map((f) => f.path)).toEqual(["/app/go-bin"]);
  });

  it("skips a selected file over maxFileBytes with a FILE_TOO_LARGE warning (data dropped)", async () => {
    const warned: string[] = [];
    const codes: Array<string | undefined> = [];
    const fs = await walk(
      [
        [
          { name: "huge", content: Buffer.alloc(5000) },
          { name: "small", content: "x" },
        ],
      ],
      {
        consumers: [{ select: () => true }],
        limits: { maxFileBytes: 4096 },
        warn: (m, code) => {
          warned.push(m);
          codes.push(code);
        },
      },
    );
    expect(fs.content("/huge", 0)).toBeUndefined();
    expect(fs.content("/small", 0)?.toString()).toBe("x");
    expect(warned).toEqual([expect.stringContaining("/huge is 5000 bytes")]);
    // The code is what makes a scan incomplete (sbom/completeness.ts), whatever the message says.
    expect(codes).toEqual(["FILE_TOO_LARGE"]);
  });

  it("follows symlinks and hardlinks for content, and resolves realPath inside the root", async () => {
    const fs = await walk(
      [
        [
          { name: "usr/lib/os-release", content: "ID=x" },
          { name: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
          { name: "lib", type: "symlink", linkname: "usr/lib" },
          { name: "escape", type: "symlink", linkname: "../../../../usr/lib" },
          { name: "abs", type: "symlink", linkname: "/usr/lib/os-release" },
          { name: "loop1", type: "symlink", linkname: "loop2" },
          { name: "loop2", type: "symlink", linkname: "loop1" },
          { name: "hard", type: "link", linkname: "usr/lib/os-release" },
        ],
      ],
      { consumers: [{ select: (f) => f.path === "/usr/lib/os-release" }] },
    );
    expect(fs.realPath("/etc/os-release")).toBe("/usr/lib/os-release");
    expect(fs.realPath("/lib/os-release")).toBe("/usr/lib/os-release");
    expect(fs.realPath("/escape/os-release")).toBe("/usr/lib/os-release");
    expect(fs.realPath("/abs")).toBe("/usr/lib/os-release");
    expect(fs.realPath("/loop1")).toBeUndefined();
    expect(fs.realPath("/missing/x")).toBeUndefined();
    expect(fs.content("/etc/os-release", 0)?.toString()).toBe("ID=x");
    expect(fs.content("/hard", 0)?.toString()).toBe("ID=x");
    expect(fs.warnings).toEqual([
      expect.stringContaining("symlink /escape -> ../../../../usr/lib points outside"),
      expect.stringContaining("/loop1 -> loop2: more than 40 symlinks"),
      expect.stringContaining("/loop2 -> loop1: more than 40 symlinks"),
    ]);
    expect(fs.linkIssues.map((i) => `${i.code} ${i.path}`)).toEqual(["LINK_LOOP /loop1", "LINK_LOOP /loop2"]);
  });

  it("names layers with their history's created_by, skipping empty layers", async () => {
    const layers = [
      await gzLayer([{ name: "a", content: "1" }]),
      await gzLayer([{ name: "b", content: "2" }]),
    ];
    const fs = await walkImage(
      memoryImage(layers, [
        { created_by: "ADD rootfs /" },
        { created_by: "ENV X=1", empty_layer: true },
        { created_by: "RUN touch b" },
      ]),
    );
    expect(fs.layers.map((l) => [l.index, l.digest, l.size, l.createdBy])).toEqual([
      [0, layers[0]!.descriptor.digest, layers[0]!.descriptor.size, "ADD rootfs /"],
      [1, layers[1]!.descriptor.digest, layers[1]!.descriptor.size, "RUN touch b"],
    ]);
  });

  it("reports progress per layer up to the layer's size", async () => {
    const events: string[] = [];
    await walk([[{ name: "a", content: "1" }], [{ name: "b", content: "2" }]], {
      onProgress: (p) => events.push(`${p.layer}/${p.layers} ${p.bytesRead === p.bytesTotal}`),
    });
    expect(events).toEqual(["0/2 true", "1/2 true"]);
  });
});

describe("walkImage: whiteouts (image-layer.md)", () => {
  const base: TestEntry[] = [
    { name: "etc/", type: "directory" },
    { name: "etc/keep", content: "k" },
    { name: "etc/gone", content: "g" },
    { name: "opt/app/", type: "directory" },
    { name: "opt/app/one", content: "1" },
    { name: "opt/app/sub/two", content: "2" },
  ];
  const cases: Array<[string, TestEntry[], string[]]> = [
    [
      "a .wh. file deletes one file",
      [{ name: "etc/.wh.gone", content: "" }],
      ["/etc", "/etc/keep", "/opt", "/opt/app", "/opt/app/one", "/opt/app/sub", "/opt/app/sub/two"],
    ],
    [
      "a .wh. file deletes a directory and its children",
      [{ name: "opt/.wh.app", content: "" }],
      ["/etc", "/etc/gone", "/etc/keep", "/opt"],
    ],
    [
      "an opaque marker clears lower contents and keeps the directory and the same layer's files",
      [
        { name: "opt/app/.wh..wh..opq", content: "" },
        { name: "opt/app/new", content: "n" },
      ],
      ["/etc", "/etc/gone", "/etc/keep", "/opt", "/opt/app", "/opt/app/new"],
    ],
    [
      "a whiteout does not hide a file of its own layer, in either order",
      [
        { name: "etc/gone", content: "again" },
        { name: "etc/.wh.gone", content: "" },
        { name: "etc/.wh.keep", content: "" },
        { name: "etc/keep", content: "k2" },
      ],
      [
        "/etc",
        "/etc/gone",
        "/etc/keep",
        "/opt",
        "/opt/app",
        "/opt/app/one",
        "/opt/app/sub",
        "/opt/app/sub/two",
      ],
    ],
    [
      "a whited-out directory recreated in the same layer keeps only new children",
      [
        { name: "opt/.wh.app", content: "" },
        { name: "opt/app/fresh", content: "f" },
      ],
      ["/etc", "/etc/gone", "/etc/keep", "/opt", "/opt/app", "/opt/app/fresh"],
    ],
    [
      "a whiteout for a missing path changes nothing",
      [{ name: "nowhere/.wh.x", content: "" }],
      [
        "/etc",
        "/etc/gone",
        "/etc/keep",
        "/opt",
        "/opt/app",
        "/opt/app/one",
        "/opt/app/sub",
        "/opt/app/sub/two",
      ],
    ],
    [
      "a file replacing a directory hides the directory's lower children",
      [{ name: "opt/app", content: "now a file" }],
      ["/etc", "/etc/gone", "/etc/keep", "/opt", "/opt/app"],
    ],
    [
      "an opaque marker at the root clears every lower path",
      [
        { name: ".wh..wh..opq", content: "" },
        { name: "x", content: "" },
      ],
      ["/x"],
    ],
  ];
  it.each(cases)("%s", async (_name, upper, expected) => {
    const fs = await walk([base, upper]);
    expect([...fs.paths()].map((f) => f.path)).toEqual(expected);
    expect([...fs.paths()].some((f) => f.path.includes(".wh."))).toBe(false);
  });

  it("a whiteout in a third layer hides a file re-added in the second", async () => {
    const fs = await walk([
      base,
      [{ name: "etc/gone", content: "2" }],
      [{ name: "etc/.wh.gone", content: "" }],
    ]);
    expect(fs.info("/etc/gone")).toBeUndefined();
    expect(fs.info("/etc/keep")?.layerIndex).toBe(0);
  });
});

describe("walkImage: hostile layers", () => {
  it("normalises absolute names and '..' so nothing escapes the root, with warnings", async () => {
    const fs = await walk([
      [
        { name: "/etc/passwd", content: "root" },
        { name: "../../outside", content: "x" },
        { name: "a/../../b", content: "y" },
      ],
    ]);
    expect([...fs.paths()].map((f) => f.path)).toEqual(["/b", "/etc", "/etc/passwd", "/outside"]);
    expect(fs.warnings.filter((w) => w.includes("climbs out of the root"))).toHaveLength(2);
  });

  it("lets the last of duplicate entries win, with a warning", async () => {
    const fs = await walk(
      [
        [
          { name: "f", content: "first" },
          { name: "f", content: "second!" },
        ],
      ],
      {
        consumers: [{ select: () => true }],
      },
    );
    expect(fs.content("/f", 0)?.toString()).toBe("second!");
    expect(fs.warnings).toEqual([expect.stringContaining("duplicate entry /f")]);
  });

  it("refuses a layer whose bytes do not match its descriptor digest", async () => {
    const good = await gzLayer([{ name: "a", content: "1" }]);
    const tampered = { ...good, bytes: gzipSync(await tarOf([{ name: "a", content: "2" }])) };
    tampered.descriptor = { ...good.descriptor, size: tampered.bytes.length };
    const err = await failure(walkImage(memoryImage([tampered])));
    expect(err.code).toBe("LAYER_REFUSED");
    expect(err.message).toContain(`layer 0 (${good.descriptor.digest})`);
  });

  it("fails a truncated gzip layer, naming it", async () => {
    const whole = gzipSync(await tarOf([{ name: "a", content: Buffer.alloc(100_000, 7) }]));
    const cut = layerOf(whole.subarray(0, whole.length - 40), { gzip: false });
    const err = await failure(walkImage(memoryImage([cut])));
    expect(err.code).toBe("LAYER_TRUNCATED");
    expect(err.message).toContain(cut.descriptor.digest);
  });

  it("fails a truncated uncompressed tar layer", async () => {
    const whole = await tarOf([{ name: "a", content: Buffer.alloc(10_000, 7) }]);
    const cut = layerOf(whole.subarray(0, 3000), { gzip: false });
    expect((await failure(walkImage(memoryImage([cut])))).code).toBe("LAYER_TRUNCATED");
  });

  it("stops a decompression bomb at the ratio limit with an error", async () => {
    const bomb = await gzLayer([{ name: "zeros", content: Buffer.alloc(8 * 1024 * 1024) }]);
    const err = await failure(
      walkImage(memoryImage([bomb]), { limits: { maxCompressionRatio: 50, ratioFloorBytes: 1024 * 1024 } }),
    );
    expect(err.code).toBe("LAYER_LIMIT_EXCEEDED");
    expect(err.message).toContain("decompression bomb");
  });

  it("stops a layer at maxLayerBytes and an image at maxEntries", async () => {
    const big = await gzLayer([{ name: "zeros", content: Buffer.alloc(1024 * 1024) }]);
    expect(
      (await failure(walkImage(memoryImage([big]), { limits: { maxLayerBytes: 64 * 1024 } }))).code,
    ).toBe("LAYER_LIMIT_EXCEEDED");
    const many = await gzLayer(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, content: "" })));
    expect((await failure(walkImage(memoryImage([many]), { limits: { maxEntries: 10 } }))).code).toBe(
      "LAYER_LIMIT_EXCEEDED",
    );
  });

  it("refuses bzip2 layers and fails garbage", async () => {
    const bz = layerOf(Buffer.from("BZh91AY&SYgarbage"), { gzip: false });
    expect((await failure(walkImage(memoryImage([bz])))).code).toBe("LAYER_REFUSED");
    const garbage = layerOf(Buffer.alloc(1024, 0x41), { gzip: false });
    expect((await failure(walkImage(memoryImage([garbage])))).code).toMatch(
      /IMAGE_UNREADABLE|LAYER_TRUNCATED/,
    );
  });
});

const HAS_ZSTD = existsSync("/usr/bin/zstd") || existsSync("/usr/local/bin/zstd");

describe("walkImage: compression", () => {
  it("reads an uncompressed layer whatever its media type says", async () => {
    const layer = layerOf(await tarOf([{ name: "a", content: "plain" }]), {
      gzip: false,
      mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    });
    const fs = await walkImage(memoryImage([layer]), { consumers: [{ select: () => true }] });
    expect(fs.content("/a", 0)?.toString()).toBe("plain");
  });

  it.skipIf(unavailable("the zstd tool", HAS_ZSTD))("reads a zstd layer made by the zstd CLI", async () => {
    const tar = await tarOf([
      { name: "etc/os-release", content: "ID=zstd\n" },
      { name: "data", content: Buffer.alloc(3 * 1024 * 1024, 9) },
    ]);
    const compressed = execFileSync("zstd", ["-q", "-c", "-3"], { input: tar });
    const layer = layerOf(compressed, {
      gzip: false,
      mediaType: "application/vnd.oci.image.layer.v1.tar+zstd",
    });
    expect(layer.descriptor.digest).toBe(digestOf(compressed));
    const fs = await walkImage(memoryImage([layer]), {
      consumers: [{ select: (f) => f.path === "/etc/os-release" }],
    });
    expect(fs.content("/etc/os-release", 0)?.toString()).toBe("ID=zstd\n");
    expect(fs.info("/data")?.size).toBe(3 * 1024 * 1024);
  });

  it.skipIf(unavailable("the zstd tool", HAS_ZSTD))("fails a truncated zstd layer", async () => {
    const tar = await tarOf([
      { name: "data", content: Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)) },
    ]);
    const compressed = execFileSync("zstd", ["-q", "-c"], { input: tar });
    const cut = layerOf(compressed.subarray(0, compressed.length >> 1), { gzip: false });
    expect((await failure(walkImage(memoryImage([cut])))).code).toBe("LAYER_TRUNCATED");
  });
});
