import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { FileConsumer } from "./options.js";
import { gzLayer, memoryImage, type TestEntry } from "./testing/layers.js";
import { walkImage } from "./walk.js";
import { walkDirectory } from "./walk-directory.js";

/**
 * Issue 11, item 2: a package database behind a link. Each shape is a small image whose
 * /var/lib/dpkg/status is reached only through a symlink, a hardlink or a symlinked directory;
 * the consumer asks for that path, as the dpkg cataloger does, and must get the bytes a container
 * would read there (or a LinkIssue saying it cannot), never nothing in silence.
 */
const STATUS = "/var/lib/dpkg/status";
const wantsStatus: FileConsumer = { select: (f) => f.path === STATUS };

async function walk(layers: TestEntry[][], consumers: FileConsumer[] = [wantsStatus], limits = {}) {
  const built = await Promise.all(layers.map((l) => gzLayer(l)));
  const image = memoryImage(built);
  const opened: number[] = [];
  const fs = await walkImage(
    {
      ...image,
      openLayer: (index) => {
        opened.push(index);
        return image.openLayer(index);
      },
    },
    { consumers, limits },
  );
  return {
    fs,
    opened,
    selected: [...fs.selected(0)].map((f) => f.path),
    text: fs.content(STATUS, 0)?.toString(),
  };
}

describe("walkImage: a selected path behind links (issue 11, item 2)", () => {
  it("a plain file needs one pass over each layer", async () => {
    const { selected, text, opened } = await walk([[{ name: "var/lib/dpkg/status", content: "db" }]]);
    expect(selected).toEqual([STATUS]);
    expect(text).toBe("db");
    expect(opened).toEqual([0]);
  });

  it.each([
    ["an absolute symlink", "/opt/db/status"],
    ["a relative symlink", "../../../opt/db/status"],
    [
      "a relative symlink climbing above the root (clamped, as a chroot does)",
      "../../../../../../opt/db/status",
    ],
  ])("a symlinked file: %s", async (_name, linkname) => {
    const { fs, selected, text, opened } = await walk([
      [{ name: "opt/db/status", content: "db" }],
      [{ name: "var/lib/dpkg/status", type: "symlink", linkname }],
    ]);
    expect(selected).toEqual([STATUS]);
    expect(text).toBe("db");
    expect(fs.stat(STATUS)).toMatchObject({ path: STATUS, kind: "file", size: 2, layerIndex: 0 });
    // The bytes were under a name nobody selected while layer 0 streamed: one more pass, over layer 0 only.
    expect(opened).toEqual([0, 1, 0]);
    expect(fs.linkIssues).toEqual([]);
  });

  it("a hardlinked file, in the same layer and to a lower layer", async () => {
    const same = await walk([
      [
        { name: "opt/db/status", content: "db" },
        { name: "var/lib/dpkg/status", type: "link", linkname: "opt/db/status" },
      ],
    ]);
    expect(same.selected).toEqual([STATUS]);
    expect(same.text).toBe("db");
    const lower = await walk([
      [{ name: "opt/db/status", content: "db2" }],
      [{ name: "var/lib/dpkg/status", type: "link", linkname: "opt/db/status" }],
    ]);
    expect(lower.selected).toEqual([STATUS]);
    expect(lower.text).toBe("db2");
    expect(lower.fs.stat(STATUS)?.kind).toBe("file");
  });

  it("a hardlink keeps the bytes it was made with when its target is replaced later", async () => {
    const { text } = await walk([
      [
        { name: "opt/db/status", content: "old" },
        { name: "var/lib/dpkg/status", type: "link", linkname: "opt/db/status" },
      ],
      [{ name: "opt/db/status", content: "new" }],
    ]);
    expect(text).toBe("old");
  });

  it("a symlinked parent directory created in a lower layer", async () => {
    const { selected, text } = await walk([
      [
        { name: "opt/pkgdb/", type: "directory" },
        { name: "var/lib/dpkg", type: "symlink", linkname: "/opt/pkgdb" },
      ],
      [{ name: "opt/pkgdb/status", content: "db" }],
    ]);
    expect(selected).toEqual([STATUS]);
    expect(text).toBe("db");
  });

  it("an entry written through a lower layer's symlinked parent lands where an unpacker puts it", async () => {
    const { fs, selected, text } = await walk([
      [{ name: "var/lib/dpkg", type: "symlink", linkname: "../../opt/pkgdb" }],
      [{ name: "var/lib/dpkg/status", content: "db" }],
    ]);
    expect(fs.info("/var/lib/dpkg")?.kind).toBe("symlink");
    expect(fs.realPath(STATUS)).toBe("/opt/pkgdb/status");
    expect(selected).toEqual([STATUS]);
    expect(text).toBe("db");
  });

  it("a chain of symlinks through files and directories", async () => {
    const { selected, text } = await walk([
      [
        { name: "var/lib/dpkg", type: "symlink", linkname: "/a" },
        { name: "a", type: "symlink", linkname: "b" },
        { name: "b", type: "symlink", linkname: "../d/." },
        { name: "d/status", type: "symlink", linkname: "real" },
        { name: "d/real", content: "db" },
      ],
    ]);
    expect(selected).toEqual([STATUS]);
    expect(text).toBe("db");
  });

  it("a directory cycle: /var/lib/dpkg -> . still names /var/lib/status", async () => {
    const { selected, text } = await walk([
      [
        { name: "var/lib/dpkg", type: "symlink", linkname: "." },
        { name: "var/lib/status", content: "db" },
      ],
    ]);
    expect(selected).toEqual([STATUS]);
    expect(text).toBe("db");
  });

  it("a whiteout of the link's target, or of the link, leaves nothing to read", async () => {
    const base: TestEntry[] = [
      { name: "opt/db/status", content: "db" },
      { name: "var/lib/dpkg/status", type: "symlink", linkname: "/opt/db/status" },
    ];
    expect((await walk([base, [{ name: "opt/db/.wh.status", content: "" }]])).selected).toEqual([]);
    expect((await walk([base, [{ name: "var/lib/dpkg/.wh.status", content: "" }]])).selected).toEqual([]);
    const readded = await walk([
      base,
      [{ name: "opt/.wh.db", content: "" }],
      [{ name: "opt/db/status", content: "db3" }],
    ]);
    expect(readded.text).toBe("db3");
  });

  it("a whiteout written through a symlinked parent hides the real file", async () => {
    const { selected } = await walk([
      [
        { name: "var/lib/dpkg", type: "symlink", linkname: "/opt/db" },
        { name: "opt/db/status", content: "db" },
      ],
      [{ name: "var/lib/dpkg/.wh.status", content: "" }],
    ]);
    expect(selected).toEqual([]);
  });

  it("an opaque directory over the link's target directory, and over the link's parent", async () => {
    const base: TestEntry[] = [
      { name: "var/lib/dpkg", type: "symlink", linkname: "/opt/db" },
      { name: "opt/db/status", content: "old" },
    ];
    const target = await walk([
      base,
      [
        { name: "opt/db/.wh..wh..opq", content: "" },
        { name: "opt/db/status", content: "new" },
      ],
    ]);
    expect(target.text).toBe("new");
    const parent = await walk([base, [{ name: "var/lib/.wh..wh..opq", content: "" }]]);
    expect(parent.selected).toEqual([]);
    expect(parent.fs.info("/var/lib/dpkg")).toBeUndefined();
  });

  it("a link that leaves the root is a warning and resolves inside the image", async () => {
    const { fs, selected } = await walk([
      [{ name: "var/lib/dpkg/status", type: "symlink", linkname: "../../../../../etc/hostname" }],
    ]);
    expect(selected).toEqual([]);
    expect(fs.realPath(STATUS)).toBeUndefined();
    expect(fs.warnings).toEqual([expect.stringContaining("points outside the image root")]);
  });

  it("a symlink loop is a LINK_LOOP issue, not silence", async () => {
    const { fs, selected } = await walk([
      [
        { name: "var/lib/dpkg", type: "symlink", linkname: "dpkg2" },
        { name: "var/lib/dpkg2", type: "symlink", linkname: "/var/lib/dpkg" },
      ],
    ]);
    expect(selected).toEqual([]);
    expect(fs.linkIssues.map((i) => i.code)).toEqual(["LINK_LOOP", "LINK_LOOP"]);
  });

  it("a hardlink to a missing target is a LINK_UNRESOLVED issue", async () => {
    const { fs } = await walk([[{ name: "var/lib/dpkg/status", type: "link", linkname: "nowhere" }]]);
    expect(fs.linkIssues).toEqual([expect.objectContaining({ code: "LINK_UNRESOLVED", path: STATUS })]);
  });

  it("a symlink farm past maxLinkedPaths is a LINK_LIMIT issue", async () => {
    const farm: TestEntry[] = [{ name: "d0/status", content: "x" }];
    for (let i = 1; i <= 8; i++) {
      farm.push({ name: `d${i}/a`, type: "symlink", linkname: `/d${i - 1}` });
      farm.push({ name: `d${i}/b`, type: "symlink", linkname: `/d${i - 1}` });
    }
    const { fs } = await walk([farm], [wantsStatus], { maxLinkedPaths: 100 });
    expect(fs.linkIssues.map((i) => i.code)).toEqual(["LINK_LIMIT"]);
  });

  it("a file reached both by its own name and through a link is taken once, under its own name", async () => {
    const { selected } = await walk(
      [
        [
          { name: "usr/bin/tool", content: "x", mode: 0o755 },
          { name: "bin", type: "symlink", linkname: "usr/bin" },
          { name: "usr/bin/X11", type: "symlink", linkname: "." },
        ],
      ],
      [{ select: (f) => f.path.endsWith("/tool"), byContent: true }],
    );
    expect(selected).toEqual(["/usr/bin/tool"]);
  });

  it("a consumer that reads paths gets every name: an installed package behind a link to a project folder", async () => {
    const { selected } = await walk(
      [
        [
          { name: "opt/x/package.json", content: "{}" },
          { name: "app/node_modules/x", type: "symlink", linkname: "/opt/x" },
        ],
      ],
      [{ select: (f) => f.path.endsWith("/package.json") }],
    );
    expect(selected).toEqual(["/app/node_modules/x/package.json", "/opt/x/package.json"]);
  });
});

describe("walkDirectory: links never leave the root (issue 11, item 2)", () => {
  const root = mkdtempSync(join(tmpdir(), "pc-links-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("follows a symlinked parent inside the root, and never reads a host file a link names", async () => {
    const outside = join(root, "host-secret");
    writeFileSync(outside, "host");
    const rootfs = join(root, "rootfs");
    mkdirSync(join(rootfs, "opt/db"), { recursive: true });
    mkdirSync(join(rootfs, "var/lib"), { recursive: true });
    writeFileSync(join(rootfs, "opt/db/status"), "db");
    symlinkSync("/opt/db", join(rootfs, "var/lib/dpkg"));
    symlinkSync(outside, join(rootfs, "opt/db/secret"));
    symlinkSync("../../../host-secret", join(rootfs, "opt/escape"));
    const fs = await walkDirectory(rootfs, {
      consumers: [wantsStatus, { select: (f) => f.path.endsWith("secret") || f.path === "/opt/escape" }],
    });
    expect([...fs.selected(0)].map((f) => f.path)).toEqual([STATUS]);
    expect(fs.content(STATUS, 0)?.toString()).toBe("db");
    expect([...fs.selected(1)]).toEqual([]);
    expect(fs.content("/opt/db/secret", 1)).toBeUndefined();
    expect(fs.content("/opt/escape", 1)).toBeUndefined();
  });
});
