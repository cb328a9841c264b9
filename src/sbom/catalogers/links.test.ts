import { describe, expect, it } from "vitest";
import { apkCataloger } from "./apk/index.js";
import type { Cataloger } from "./cataloger.js";
import { dpkgCataloger } from "./dpkg/index.js";
import { npmCataloger } from "./npm/cataloger.js";
import { pythonCataloger } from "./python/cataloger.js";
import { ids, runCataloger, type TestFiles } from "./testing.js";

/**
 * Issue 11, item 2: the same link shapes for catalogers of different kinds (two package
 * databases at fixed paths, two language manifests found by pattern), to show that the walker's
 * path resolution, not one cataloger, finds a database a link hides. Each image is real tar layers
 * through the production walker (runCataloger).
 */
interface Subject {
  cataloger: Cataloger;
  /** Where the cataloger looks. */
  path: string;
  content(version: string): string;
  id(version: string): string;
}

const subjects: Record<string, Subject> = {
  dpkg: {
    cataloger: dpkgCataloger,
    path: "/var/lib/dpkg/status",
    content: (v) =>
      `Package: zlib1g\nStatus: install ok installed\nVersion: ${v}\nArchitecture: amd64\nSource: zlib\n\n`,
    id: (v) => `zlib1g@${v}`,
  },
  apk: {
    cataloger: apkCataloger,
    path: "/lib/apk/db/installed",
    content: (v) => `P:musl\nV:${v}\nA:x86_64\nL:MIT\no:musl\n\n`,
    id: (v) => `musl@${v}`,
  },
  npm: {
    cataloger: npmCataloger,
    path: "/app/node_modules/left-pad/package.json",
    content: (v) => JSON.stringify({ name: "left-pad", version: v }),
    id: (v) => `left-pad@${v}`,
  },
  python: {
    cataloger: pythonCataloger,
    path: "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
    content: (v) => `Metadata-Version: 2.1\nName: requests\nVersion: ${v}\n`,
    id: (v) => `requests@${v}`,
  },
};

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);
/** Where the attacker really puts the bytes. */
const ELSEWHERE = "/opt/hidden";

/** Each shape: the layers, and the version a container would read at the cataloger's path (undefined: none). */
function shapes(s: Subject): Array<[string, TestFiles[], string | undefined]> {
  const file = `${ELSEWHERE}/${baseOf(s.path)}`;
  return [
    [
      "a symlinked file (absolute target)",
      [{ [file]: s.content("1.0") }, { [s.path]: { symlink: file } }],
      "1.0",
    ],
    [
      "a symlinked file (relative target climbing above the root, clamped)",
      [{ [file]: s.content("1.0") }, { [s.path]: { symlink: `${"../".repeat(12)}${file.slice(1)}` } }],
      "1.0",
    ],
    [
      "a hardlinked file in a later layer",
      [{ [file]: s.content("1.1") }, { [s.path]: { hardlink: file } }],
      "1.1",
    ],
    [
      "a symlinked parent directory created in a lower layer",
      [
        { [ELSEWHERE]: { directory: true }, [dirOf(s.path)]: { symlink: ELSEWHERE } },
        { [file]: s.content("1.2") },
      ],
      "1.2",
    ],
    [
      "a symlink chain",
      [
        {
          [dirOf(s.path)]: { symlink: "/chain/a" },
          "/chain/a": { symlink: "b" },
          "/chain/b": { symlink: ELSEWHERE },
        },
        { [file]: s.content("1.3") },
      ],
      "1.3",
    ],
    [
      "a whiteout of the link's target",
      [
        { [file]: s.content("1.0"), [s.path]: { symlink: file } },
        { [`${ELSEWHERE}/.wh.${baseOf(s.path)}`]: "" },
      ],
      undefined,
    ],
    [
      "an opaque directory over the link target's directory",
      [
        { [dirOf(s.path)]: { symlink: ELSEWHERE }, [file]: s.content("1.0") },
        { [`${ELSEWHERE}/.wh..wh..opq`]: "", [file]: s.content("2.0") },
      ],
      "2.0",
    ],
    ["a symlink loop", [{ [dirOf(s.path)]: { symlink: dirOf(s.path) } }], undefined],
  ];
}

describe.each(Object.entries(subjects))(
  "%s: a package database behind a link (issue 11, item 2)",
  (_name, s) => {
    it.each(shapes(s))("%s", async (_shape, layers, version) => {
      const run = await runCataloger(s.cataloger, layers);
      expect(ids(run.packages)).toEqual(version === undefined ? [] : [s.id(version)]);
      if (version !== undefined) expect(run.packages[0]!.locations[0]!.path).toBe(s.path);
    });

    it("a symlink loop is reported, never silent", async () => {
      const run = await runCataloger(s.cataloger, [{ [dirOf(s.path)]: { symlink: dirOf(s.path) } }]);
      expect(run.fs.linkIssues.map((i) => i.code)).toEqual(["LINK_LOOP"]);
      expect(run.log).toContainEqual(expect.stringContaining("more than 40 symlinks"));
    });

    it("a link out of the root is a warning and reads the image's file, not the host's", async () => {
      const run = await runCataloger(s.cataloger, [
        { [s.path]: { symlink: "../../../../../../../../../../etc/hostname" } },
      ]);
      expect(run.packages).toEqual([]);
      expect(run.log).toContainEqual(expect.stringContaining("points outside the image root"));
    });
  },
);
