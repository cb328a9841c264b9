import { spawnSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { digestOf } from "../../core/index.js";
import { MAX_SYMLINK_HOPS } from "./resolve.js";
import { layerOf, memoryImage, type TestEntry, tarOf } from "./testing/layers.js";
import { walkImage } from "./walk.js";

/**
 * Issue 11, item 2, "Done when": path resolution in layers against a reference unpacker. Random
 * small layer stacks (files, directories, symlinks with absolute, relative and root-climbing
 * targets, hardlinks, whiteouts, opaque directories) become a real OCI layout that
 * `umoci unpack --rootless` unpacks; every path of a small namespace must then name the same thing
 * for our walker as in the unpacked rootfs (read with a chroot-style lookup that never leaves it),
 * and the files a consumer selects by path must be exactly the files the rootfs has at those paths.
 */
const HAS_UMOCI = spawnSync("umoci", ["--version"]).status === 0;
const NAMES = ["a", "b", "c"];

type Op =
  | { t: "file"; path: string }
  | { t: "dir"; path: string }
  | { t: "symlink"; path: string; target: string }
  | { t: "hardlink"; path: string; pick: number }
  | { t: "whiteout"; path: string }
  | { t: "opaque"; path: string };

const pathArb = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((p) => p.join("/"));
const targetArb = fc.oneof(
  pathArb.map((p) => `/${p}`),
  pathArb,
  fc.tuple(fc.integer({ min: 1, max: 4 }), pathArb).map(([up, p]) => `${"../".repeat(up)}${p}`),
  fc.constantFrom(".", "..", "/"),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: pathArb.map((path) => ({ t: "file" as const, path })) },
  { weight: 2, arbitrary: pathArb.map((path) => ({ t: "dir" as const, path })) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant("symlink" as const), path: pathArb, target: targetArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("hardlink" as const), path: pathArb, pick: fc.nat() }),
  },
  { weight: 2, arbitrary: pathArb.map((path) => ({ t: "whiteout" as const, path })) },
  { weight: 1, arbitrary: pathArb.map((path) => ({ t: "opaque" as const, path })) },
);
const stackArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 3 });

/**
 * One layer's tar entries. A hardlink names a file written earlier in the stack (`files`, by
 * `pick`), since a link to nothing is a stack umoci refuses and so a case that compares nothing.
 */
function entriesOf(ops: readonly Op[], layer: number, files: string[]): TestEntry[] {
  return ops.map((op, i): TestEntry => {
    const dir = op.path.includes("/") ? `${op.path.slice(0, op.path.lastIndexOf("/"))}/` : "";
    const base = op.path.slice(op.path.lastIndexOf("/") + 1);
    switch (op.t) {
      case "file":
        files.push(op.path);
        return { name: op.path, content: `L${layer}E${i}` };
      case "dir":
        return { name: `${op.path}/`, type: "directory" };
      case "symlink":
        return { name: op.path, type: "symlink", linkname: op.target };
      case "hardlink":
        if (files.length === 0) return { name: op.path, content: `L${layer}E${i}` };
        return { name: op.path, type: "link", linkname: files[op.pick % files.length]! };
      case "whiteout":
        return { name: `${dir}.wh.${base}`, content: "" };
      default:
        return { name: `${op.path}/.wh..wh..opq`, content: "" };
    }
  });
}

/** Every path of the namespace up to `depth` components. */
function namespace(depth: number): string[] {
  let level = [""];
  const all: string[] = [];
  for (let d = 0; d < depth; d++) {
    level = level.flatMap((p) => NAMES.map((n) => `${p}/${n}`));
    all.push(...level);
  }
  return all;
}

/** What a path names in the unpacked rootfs: symlinks followed inside it as a chroot would, never outside. */
function reference(rootfs: string, path: string): string {
  const pending = path.split("/").reverse();
  let current = "";
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.pop()!;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      current = current.slice(0, Math.max(0, current.lastIndexOf("/")));
      continue;
    }
    const next = `${current}/${segment}`;
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(join(rootfs, next));
    } catch {
      return "missing";
    }
    if (stats.isSymbolicLink()) {
      if (++hops > MAX_SYMLINK_HOPS) return "missing";
      const target = readlinkSync(join(rootfs, next));
      if (target.startsWith("/")) current = "";
      pending.push(...target.split("/").reverse());
      continue;
    }
    if (!stats.isDirectory() && pending.some((s) => s !== "" && s !== ".")) return "missing";
    current = next;
  }
  const stats = lstatSync(join(rootfs, current || "/"));
  return stats.isDirectory() ? "dir" : `file:${readFileSync(join(rootfs, current)).toString()}`;
}

async function writeLayout(dir: string, layers: Array<{ tar: Buffer; gz: Buffer }>): Promise<void> {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const blob = (bytes: Buffer) => {
    const digest = digestOf(bytes);
    writeFileSync(join(dir, "blobs", "sha256", digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: {},
        rootfs: { type: "layers", diff_ids: layers.map((l) => digestOf(l.tar)) },
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: layers.map((l) => ({
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          ...blob(l.gz),
        })),
      }),
    ),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "t" },
        },
      ],
    }),
  );
}

describe("walkImage against umoci unpack (property)", () => {
  if (unavailable("umoci (the reference unpacker of this property)", HAS_UMOCI)) return;
  const work = mkdtempSync(join(tmpdir(), "pc-umoci-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let compared = 0;
  let runs = 0;

  it("every path names the same file, directory or nothing, and selection by path matches the rootfs", async () => {
    await fc.assert(
      fc.asyncProperty(stackArb, async (stack) => {
        const dir = join(work, `case${runs++}`);
        const files: string[] = [];
        const tars = await Promise.all(stack.map((ops, i) => tarOf(entriesOf(ops, i, files))));
        const layers = tars.map((tar) => ({ tar, layer: layerOf(tar) }));
        await writeLayout(
          join(dir, "layout"),
          layers.map((l) => ({ tar: l.tar, gz: l.layer.bytes })),
        );
        const unpacked = spawnSync(
          "umoci",
          ["unpack", "--rootless", "--image", `${join(dir, "layout")}:t`, join(dir, "bundle")],
          { encoding: "utf8" },
        );
        // A stack umoci refuses (a hardlink to nothing, a file used as a directory) has no reference.
        if (unpacked.status !== 0) {
          rmSync(dir, { recursive: true, force: true });
          return;
        }
        const rootfs = join(dir, "bundle", "rootfs");
        const shallow = new Set(namespace(2));
        const fs = await walkImage(memoryImage(layers.map((l) => l.layer)), {
          consumers: [{ select: () => true }, { select: (f) => shallow.has(f.path) }],
        });
        for (const path of namespace(3)) {
          const stat = fs.stat(path);
          const ours =
            stat === undefined
              ? "missing"
              : stat.kind === "directory"
                ? "dir"
                : stat.kind === "file"
                  ? `file:${fs.content(path, 0)?.toString()}`
                  : `other:${stat.kind}`;
          expect(ours, `${path} in ${JSON.stringify(stack)}`).toBe(reference(rootfs, path));
        }
        const expected = [...shallow].filter((p) => reference(rootfs, p).startsWith("file:")).sort();
        expect(
          [...fs.selected(1)].map((f) => f.path),
          JSON.stringify(stack),
        ).toEqual(expected);
        compared++;
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 100 },
    );
    // Most random stacks must be comparable, or the property proves little.
    expect(compared).toBeGreaterThan(40);
  }, 300_000);
});
