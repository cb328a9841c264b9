import { describe, expect, it } from "vitest";
import type { Package } from "../model.js";
import type { Cataloger } from "./cataloger.js";
import { exe, ids, runCataloger, scanImage } from "./testing.js";

/** A cataloger that wants the files under /data and warns the path and mode of each it was given. */
const probe: Cataloger = {
  name: "probe",
  wants: (file) => file.path.startsWith("/data/"),
  catalog: (resolver, context) => {
    for (const file of resolver.selected()) context.warn(`${file.path} ${file.mode.toString(8)}`);
    return [];
  },
};

describe("the shared in-memory image", () => {
  it("builds a real layer: implicit parents, modes, symlinks and hardlinks as the walker records them", async () => {
    const { fs, layerDigests, warnings, selected } = await runCataloger(probe, {
      "/data/a/file": "hello",
      "/data/bin/tool": exe("#!/bin/sh\n"),
      "/data/link": { symlink: "a/file" },
      "/data/hard": { hardlink: "/data/a/file" },
      "/data/dir": { directory: true, mode: 0o700 },
    });
    expect(layerDigests).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    expect(fs.info("/data/a")).toMatchObject({ kind: "directory", layerDigest: layerDigests[0] });
    expect(fs.info("/data/dir")).toMatchObject({ kind: "directory", mode: 0o700 });
    expect(fs.info("/data/link")).toMatchObject({ kind: "symlink", linkTarget: "a/file" });
    expect(fs.realPath("/data/link")).toBe("/data/a/file");
    expect(fs.info("/data/hard")).toMatchObject({ kind: "hardlink", size: 5 });
    expect(fs.content("/data/hard", 1)?.toString()).toBe("hello");
    // A symlink to a wanted kind of file is wanted under its own name too: a container reads it there.
    expect(selected).toEqual(["/data/a/file", "/data/bin/tool", "/data/hard", "/data/link"]);
    expect(warnings).toEqual(["/data/a/file 644", "/data/bin/tool 755", "/data/hard 644", "/data/link 644"]);
  });

  it("squashes several layers, whiteouts included", async () => {
    const { fs } = await scanImage(
      [
        { "/data/old": "1", "/data/kept": "2" },
        { "/data/.wh.old": "", "/data/kept": "3" },
      ],
      [],
    );
    expect(fs.info("/data/old")).toBeUndefined();
    expect(fs.info("/data/kept")).toMatchObject({ layerIndex: 1, size: 1 });
  });

  it("rethrows a throw from catalog, which production would only log", async () => {
    const broken: Cataloger = {
      ...probe,
      catalog: () => {
        throw new Error("boom");
      },
    };
    await expect(runCataloger(broken, { "/data/x": "x" })).rejects.toThrow("boom");
  });

  it("names packages name@version", () => {
    const pkg: Package = {
      type: "npm",
      name: "a",
      version: "1",
      purl: "pkg:npm/a@1",
      licenses: [],
      cataloger: "npm",
      locations: [],
    };
    expect(ids([pkg, { ...pkg, version: "2" }])).toEqual(["a@1", "a@2"]);
  });
});
