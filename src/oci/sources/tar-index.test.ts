import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError } from "../errors.js";
import { tarOf } from "../image/testing/layers.js";
import type { FileTree } from "./files.js";
import { openTarTree } from "./tar-index.js";

let work: string;
const longName = `blobs/sha256/${"d".repeat(64)}/${"x".repeat(150)}`;

async function read(tree: FileTree, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await tree.open(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-tar-index-"));
  await writeFile(
    join(work, "a.tar"),
    await tarOf([
      { name: "./index.json", content: "{}" },
      { name: longName, content: "long" },
      { name: "empty", content: "" },
      { name: "dir/", type: "directory" },
      { name: "abc/layer.tar", content: "layer bytes" },
      { name: "def/layer.tar", type: "symlink", linkname: "../abc/layer.tar" },
    ]),
  );
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("openTarTree", () => {
  it("indexes regular files by normalised path, with pax long names and docker save's symlinked layers", async () => {
    const tree = await openTarTree(join(work, "a.tar"), "test");
    expect(await tree.size("index.json")).toBe(2);
    expect(await read(tree, "index.json")).toBe("{}");
    expect(await read(tree, longName)).toBe("long");
    expect(await read(tree, "empty")).toBe("");
    expect(await tree.size("dir")).toBeUndefined();
    expect(await read(tree, "def/layer.tar")).toBe("layer bytes");
    await expect(tree.open("missing")).rejects.toMatchObject({ code: "IMAGE_NOT_FOUND" });
    await tree.close();
  });

  it("refuses a truncated archive and a missing file", async () => {
    const whole = await tarOf([{ name: "f", content: Buffer.alloc(5000) }]);
    await writeFile(join(work, "cut.tar"), whole.subarray(0, 2048));
    await expect(openTarTree(join(work, "cut.tar"), "cut")).rejects.toMatchObject({
      code: "IMAGE_UNREADABLE",
    });
    await expect(openTarTree(join(work, "nope.tar"), "nope")).rejects.toBeInstanceOf(ImageError);
  });
});
