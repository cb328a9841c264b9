/**
 * The images the scanning benchmark reads, built here with no network beyond Debian's and npm's
 * packages: a Debian bookworm root file system made by debootstrap (minbase), and the same system with
 * a large node_modules tree (`npm install` of a pinned list of popular tools) in a second layer.
 * Each is written as an OCI image layout (for Portcullis, `oci:DIR`) and as an OCI archive (for Trivy's
 * `--input`). Built once into .bench/images and reused.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

export const BENCH_DIR = resolve(import.meta.dirname, "..", ".bench");
const ROOTFS = join(BENCH_DIR, "bookworm-rootfs");
const NODE_APP = join(BENCH_DIR, "node-app");
const IMAGES = join(BENCH_DIR, "images");

/** The node_modules tree: popular tools, pinned by major version, installed without scripts. */
const NODE_PACKAGES = [
  "jest@29",
  "eslint@8",
  "webpack@5",
  "webpack-cli@5",
  "@babel/core@7",
  "@babel/preset-env@7",
  "express@4",
  "lodash@4",
  "typescript@5",
  "react@18",
  "react-dom@18",
  "mocha@10",
  "gulp@4",
  "@angular/cli@17",
];

export interface BenchImage {
  readonly name: string;
  /** OCI image layout folder (`oci:` + this). */
  readonly layout: string;
  /** The same image as an OCI archive (a tar of the layout), for Trivy's `--input`. */
  readonly archive: string;
}

interface Layer {
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
}

function sha256Tap(): { tap: Transform; digest: () => string; size: () => number } {
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  let hex: string | undefined;
  const digest = () => {
    hex ??= hash.digest("hex");
    return `sha256:${hex}`;
  };
  return { tap, digest, size: () => size };
}

/** Streams `tar` of a folder through gzip into the layout's blobs, hashing both sides. */
async function writeLayer(layout: string, tarArgs: string[]): Promise<Layer> {
  const temp = join(layout, "blobs", "sha256", `.tmp-${process.pid}`);
  const tar = spawn("tar", ["--numeric-owner", "--sort=name", "-cf", "-", ...tarArgs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const uncompressed = sha256Tap();
  const compressed = sha256Tap();
  await pipeline(
    tar.stdout,
    uncompressed.tap,
    createGzip({ level: 6 }),
    compressed.tap,
    createWriteStream(temp),
  );
  const digest = compressed.digest();
  renameSync(temp, join(layout, "blobs", "sha256", digest.slice(7)));
  return { digest, diffId: uncompressed.digest(), size: compressed.size() };
}

function writeBlob(layout: string, bytes: Buffer): { digest: string; size: number } {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  writeFileSync(join(layout, "blobs", "sha256", digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

async function buildLayout(name: string, layers: string[][], createdBy: string[]): Promise<BenchImage> {
  const layout = join(IMAGES, name);
  const archive = join(IMAGES, `${name}.oci.tar`);
  const image = { name, layout, archive };
  if (existsSync(join(layout, "index.json")) && existsSync(archive)) return image;
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  const built: Layer[] = [];
  for (const args of layers) built.push(await writeLayer(layout, args));
  const created = "2026-01-01T00:00:00Z";
  const config = writeBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        created,
        architecture: "amd64",
        os: "linux",
        config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["bash"] },
        rootfs: { type: "layers", diff_ids: built.map((l) => l.diffId) },
        history: createdBy.map((line) => ({ created, created_by: line })),
      }),
    ),
  );
  const manifest = writeBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: built.map((l) => ({
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: l.digest,
          size: l.size,
        })),
      }),
    ),
  );
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  execFileSync("tar", ["-cf", archive, "-C", layout, "."]);
  return image;
}

/** Builds (or reuses) both benchmark images; returns undefined with a reason when it cannot. */
export async function benchImages(
  log: (line: string) => void,
): Promise<{ images: BenchImage[] } | { skipped: string }> {
  if (!existsSync(join(ROOTFS, "var", "lib", "dpkg", "status"))) {
    if (process.getuid?.() !== 0) return { skipped: "debootstrap needs root to build the Debian image" };
    try {
      execFileSync("which", ["debootstrap"], { stdio: "ignore" });
    } catch {
      return { skipped: "debootstrap is not installed (apt-get install debootstrap)" };
    }
    log("scan: debootstrap --variant=minbase bookworm (a few minutes)…");
    rmSync(ROOTFS, { recursive: true, force: true });
    execFileSync("debootstrap", ["--variant=minbase", "bookworm", ROOTFS, "http://deb.debian.org/debian"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const installed = join(NODE_APP, "node_modules", ".package-lock.json");
  if (!existsSync(installed)) {
    log(`scan: npm install of ${NODE_PACKAGES.length} packages into .bench/node-app…`);
    mkdirSync(NODE_APP, { recursive: true });
    writeFileSync(
      join(NODE_APP, "package.json"),
      JSON.stringify({ name: "bench-node-app", version: "1.0.0", private: true }),
    );
    execFileSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", ...NODE_PACKAGES], {
      cwd: NODE_APP,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  log("scan: writing OCI layouts and archives into .bench/images…");
  const debian = await buildLayout(
    "debian-bookworm",
    [["-C", ROOTFS, "."]],
    ["debootstrap --variant=minbase bookworm"],
  );
  const node = await buildLayout(
    "node-modules",
    [
      ["-C", ROOTFS, "."],
      ["-C", NODE_APP, "--transform", "s,^\\.,app,", "."],
    ],
    ["debootstrap --variant=minbase bookworm", `npm install ${NODE_PACKAGES.join(" ")}`],
  );
  return { images: [debian, node] };
}

/** Every package `npm ls` knows in the node app: the ground truth for recall. */
export function npmInstalledPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(NODE_APP, "node_modules", ".package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; name?: string }>;
  };
  const out = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = entry.name ?? path.slice(path.lastIndexOf("node_modules/") + 13);
    if (entry.version) out.add(`${name}@${entry.version}`);
  }
  return out;
}
