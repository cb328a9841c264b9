import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import { ImageError } from "../errors.js";
import { walkImage } from "../image/walk.js";
import { openImage, splitPathAndTag } from "./open-image.js";
import { type BuiltImage, buildImage, tarDirectory, writeDockerSave, writeLayout } from "./testing/build.js";
import type { OpenedImage, OpenedManifestImage } from "./types.js";

let work: string;
let single: BuiltImage;
let amd64: BuiltImage;
let arm64: BuiltImage;
let armv7: BuiltImage;
let indexDigest: string;

function image(opened: OpenedImage): OpenedManifestImage {
  if (opened.kind !== "image") throw new Error("expected an image");
  return opened;
}

async function osRelease(opened: OpenedImage): Promise<string | undefined> {
  const fs = await walkImage(opened, { consumers: [{ select: (f) => f.path === "/etc/os-release" }] });
  return fs.content("/etc/os-release", 0)?.toString();
}

async function failure(promise: Promise<unknown>): Promise<ImageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  return err as ImageError;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-sources-"));
  const layers = (id: string) => [
    [{ name: "etc/os-release", content: `ID=${id}\n` }],
    [{ name: "app/run", content: "#!/bin/sh", mode: 0o755 }],
  ];
  single = await buildImage(layers("single"), { user: "1000", labels: { "org.example": "yes" } });
  amd64 = await buildImage(layers("amd64"));
  arm64 = await buildImage(layers("arm64"), {
    platform: { os: "linux", architecture: "arm64", variant: "v8" },
  });
  armv7 = await buildImage(layers("armv7"), {
    platform: { os: "linux", architecture: "arm", variant: "v7" },
  });
  const written = await writeLayout(join(work, "layout"), [
    { tag: "v1", image: single },
    { tag: "multi", index: [armv7, arm64, amd64] },
  ]);
  indexDigest = written.indexDigests[0]!;
  await tarDirectory(join(work, "layout"), join(work, "layout.tar"));
  await tarDirectory(join(work, "layout"), join(work, "layout-dot.tar"), "./");
  await writeDockerSave(join(work, "save.tar"), single, ["example.com/app:1"]);
  await writeDockerSave(join(work, "save-oci.tar"), single, ["example.com/app:1"], "oci");
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("openImage: OCI layout (oci:DIR[:TAG])", () => {
  it("opens a tagged image with manifest, config and layers", async () => {
    const opened = image(await openImage(`oci:${join(work, "layout")}:v1`));
    expect(opened.digest).toBe(single.digest);
    expect(opened.indexDigest).toBeUndefined();
    expect(opened.reference).toBe("v1");
    expect(opened.manifest.bytes.equals(single.manifest)).toBe(true);
    expect(opened.manifest.parsed.kind).toBe("image");
    expect(opened.config.digest).toBe(single.configDigest);
    expect(opened.config.parsed.config?.User).toBe("1000");
    expect(opened.config.parsed.config?.Labels).toEqual({ "org.example": "yes" });
    expect(opened.config.parsed.history?.[1]?.created_by).toBe("RUN step 1");
    expect(opened.layers.map((l) => l.digest)).toEqual(single.layers.map((l) => l.descriptor.digest));
    expect(await osRelease(opened)).toBe("ID=single\n");
    await opened.close();
  });

  it.each([
    [undefined, "amd64"],
    [{ os: "linux", architecture: "arm64" }, "arm64"],
    [{ os: "linux", architecture: "aarch64", variant: "v8" }, "arm64"],
    [{ os: "linux", architecture: "arm" }, "armv7"],
  ])("picks platform %j from a multi-platform index", async (platform, id) => {
    const opened = image(await openImage(`oci:${join(work, "layout")}:multi`, platform ? { platform } : {}));
    expect(opened.indexDigest).toBe(indexDigest);
    expect(opened.digest).toBe({ amd64, arm64, armv7 }[id as "amd64"].digest);
    expect(await osRelease(opened)).toBe(`ID=${id}\n`);
  });

  it("names the available platforms when the wanted one is missing", async () => {
    const err = await failure(
      openImage(`oci:${join(work, "layout")}:multi`, { platform: { os: "linux", architecture: "s390x" } }),
    );
    expect(err.code).toBe("PLATFORM_NOT_FOUND");
    expect(err.message).toContain("linux/arm/v7, linux/arm64/v8, linux/amd64");
  });

  it("fails clearly on an unknown tag, an ambiguous layout and a missing folder", async () => {
    expect((await failure(openImage(`oci:${join(work, "layout")}:nope`))).message).toContain(
      "tags: v1, multi",
    );
    expect((await failure(openImage(`oci:${join(work, "layout")}`))).code).toBe("IMAGE_NOT_FOUND");
    expect((await failure(openImage(`oci:${join(work, "absent")}:v1`))).code).toBe("IMAGE_NOT_FOUND");
  });

  it("refuses a tampered layer blob when it is walked", async () => {
    const dir = join(work, "tampered");
    await writeLayout(dir, [{ tag: "t", image: single }]);
    const victim = single.layers[1]!;
    const other = single.layers[0]!.bytes;
    await writeFile(join(dir, "blobs", "sha256", victim.descriptor.digest.slice(7)), Buffer.concat([other]));
    const opened = await openImage(`oci:${dir}:t`);
    const err = await failure(walkImage(opened));
    expect(err.code).toBe("LAYER_REFUSED");
    expect(err.message).toContain(victim.descriptor.digest);
  });
});

describe("openImage: oci-archive:FILE[:TAG]", () => {
  it.each(["layout.tar", "layout-dot.tar"])("reads %s in place, by offset", async (file) => {
    const opened = image(
      await openImage(`oci-archive:${join(work, file)}:multi`, {
        platform: { os: "linux", architecture: "arm64", variant: "v8" },
      }),
    );
    expect(opened.digest).toBe(arm64.digest);
    expect(await osRelease(opened)).toBe("ID=arm64\n");
    await opened.close();
  });

  it("fails on a file that is not a tar", async () => {
    await writeFile(join(work, "junk.tar"), Buffer.alloc(2048, 0x41));
    expect((await failure(openImage(`oci-archive:${join(work, "junk.tar")}`))).code).toBe("IMAGE_UNREADABLE");
  });
});

describe("openImage: docker-archive:FILE[:REF]", () => {
  it("reads legacy and OCI-layout-style docker saves with uncompressed layers", async () => {
    for (const spec of [
      `docker-archive:${join(work, "save.tar")}`,
      `docker-archive:${join(work, "save.tar")}:example.com/app:1`,
      `docker-archive:${join(work, "save-oci.tar")}`,
    ]) {
      const opened = image(await openImage(spec));
      expect(opened.reference).toBe("example.com/app:1");
      expect(opened.config.digest).toBe(single.configDigest);
      expect(opened.layers.map((l) => l.digest)).toEqual(single.tars.map((t) => digestOf(t)));
      expect(opened.digest).toBe(digestOf(opened.manifest.bytes));
      expect(await osRelease(opened)).toBe("ID=single\n");
      await opened.close();
    }
  });

  it("fails on an unknown reference", async () => {
    expect((await failure(openImage(`docker-archive:${join(work, "save.tar")}:other:2`))).code).toBe(
      "IMAGE_NOT_FOUND",
    );
  });
});

describe("openImage: dir:ROOTFS", () => {
  it("opens a plain directory as kind 'directory' and walks it without following symlinks", async () => {
    const root = join(work, "rootfs");
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(join(root, "etc", "os-release"), "ID=dir\n");
    await symlink("../../../../etc/passwd", join(root, "etc", "escape"));
    const opened = await openImage(`dir:${root}`);
    expect(opened.kind).toBe("directory");
    const fs = await walkImage(opened, { consumers: [{ select: () => true }] });
    expect([...fs.paths()].map((f) => `${f.path} ${f.kind}`)).toEqual([
      "/etc directory",
      "/etc/escape symlink",
      "/etc/os-release file",
    ]);
    expect(fs.content("/etc/os-release", 0)?.toString()).toBe("ID=dir\n");
    expect(fs.realPath("/etc/escape")).toBeUndefined();
    expect(fs.info("/etc/os-release")?.layerDigest).toBe("");
    expect(fs.warnings).toEqual([expect.stringContaining("points outside the root")]);
    expect((await failure(openImage(`dir:${join(work, "nothing")}`))).code).toBe("IMAGE_NOT_FOUND");
  });
});

describe("splitPathAndTag", () => {
  it.each([
    ["/a/b:v1", { path: "/a/b", tag: "v1" }],
    ["/a/b", { path: "/a/b" }],
    ["./x:1:2", { path: "./x:1", tag: "2" }],
    ["/a:b/c", { path: "/a:b/c" }],
  ])("%s", (input, expected) => {
    expect(splitPathAndTag(input)).toEqual(expected);
  });
});
