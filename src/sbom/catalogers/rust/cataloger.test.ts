import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { damagedCopies } from "../../../../test/support/damaged.js";
import { buildElf } from "../go/build-elf.js";
import { exe, ids, runCataloger } from "../testing.js";
import { dependencyName, parseCargoLock } from "./cargo-lock.js";
import { rustCataloger } from "./cataloger.js";

const testdata = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name));
const lock = (name: string) => ({ "/src/app/Cargo.lock": testdata(name) });
const auditable = (document: unknown) =>
  buildElf([{ name: ".dep-v0", addr: 0, data: zlibSync(Buffer.from(JSON.stringify(document))) }]);

describe("Cargo.lock", () => {
  it.each([
    [
      "Cargo.lock",
      [
        "ansi_term@0.12.1",
        "errno@0.3.9",
        "matches@0.1.8",
        "memchr@2.3.3",
        "natord@1.0.9",
        "nom@4.2.3",
        "schannel@0.1.26",
        "unicode-bidi@0.3.4",
        "version_check@0.1.5",
        "winapi-i686-pc-windows-gnu@0.4.0",
        "winapi-x86_64-pc-windows-gnu@0.4.0",
        "winapi@0.3.9",
        "windows-sys@0.52.0",
        "windows-sys@0.59.0",
      ],
    ],
    ["path-deps.Cargo.lock", ["app@1.0.0", "memchr@2.7.4", "telemetry@0.1.0"]],
    [
      "Cargo.lock-with-git-deps",
      [
        "aho-corasick@1.1.3",
        "hello_world@0.1.0",
        "memchr@2.7.4",
        "minimal-lexical@0.2.1",
        "nom-regex@0.2.0",
        "nom@7.1.3",
        "regex-automata@0.4.9",
        "regex-automata@0.4.9",
        "regex-syntax@0.8.5",
        "regex-syntax@0.8.5",
        "regex@1.11.1",
        "regex@1.11.1",
      ],
    ],
  ])("%s", async (name, expected) => {
    const run = await runCataloger(rustCataloger, lock(name));
    expect(ids(run.packages).sort()).toEqual(expected);
    expect(run.warnings).toEqual([]);
  });

  it("keeps sources, checksums and the dependency graph", async () => {
    const run = await runCataloger(rustCataloger, lock("path-deps.Cargo.lock"));
    expect(run.packages).toEqual([
      expect.objectContaining({
        name: "app",
        purl: "pkg:cargo/app@1.0.0",
        dependsOn: ["memchr", "telemetry"],
        metadata: { source: "local" },
        cataloger: "rust",
        locations: [{ path: "/src/app/Cargo.lock", layerIndex: 0, layerDigest: expect.any(String) }],
      }),
      expect.objectContaining({
        name: "memchr",
        type: "cargo",
        metadata: {
          source: "registry+https://github.com/rust-lang/crates.io-index",
          checksum: "78ca9ab1a0babb1e7d5695e3530886289c18cf2f87ec19a575a0abdce112e3a3",
        },
      }),
      expect.objectContaining({ name: "telemetry", dependsOn: [] }),
    ]);
    const git = await runCataloger(rustCataloger, lock("Cargo.lock-with-git-deps"));
    expect(git.packages.filter((p) => p.name === "regex").map((p) => p.metadata?.source)).toEqual([
      "registry+https://github.com/rust-lang/crates.io-index",
      "git+https://github.com/rust-lang/regex.git#1a069b9232c607b34c4937122361aa075ef573fa",
    ]);
  });

  it.each([
    [
      '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b 2.0.0 (registry+x)", "c"]\n',
      ["a@1.0.0"],
      [],
    ],
    [
      'version = 3\n# comment\n[[package]]\nname = \'lit\' # trailing\nversion = "0.1"\n[metadata]\nx = "y"\n',
      ["lit@0.1"],
      [],
    ],
    ['[[package]]\nname = "only-name"\n', [], ["a [[package]] entry has no name or version"]],
    [
      '[[package]]\nname = "a"\nversion = "1"\ndependencies = [\n "unterminated\n',
      ["a@1"],
      [expect.stringContaining("cannot read")],
    ],
  ])("reads the subset cargo writes: %j", (text, expected, problems) => {
    const parsed = parseCargoLock(text);
    expect(parsed.packages.map((p) => `${p.name}@${p.version}`)).toEqual(expected);
    expect(parsed.problems).toEqual(problems);
  });

  it("names a dependency reference", () => {
    expect(["a", "a 1.0.0", "a 1.0.0 (registry+https://x)"].map(dependencyName)).toEqual(["a", "a", "a"]);
  });
});

describe("cargo-auditable data in executables", () => {
  it.each(["test.elf", "test.exe", "test.macho"])("%s", async (name) => {
    const run = await runCataloger(rustCataloger, { [`/usr/local/bin/${name}`]: exe(testdata(name)) });
    expect(run.packages).toEqual([
      expect.objectContaining({
        name: "crate_with_features",
        version: "0.1.0",
        purl: "pkg:cargo/crate_with_features@0.1.0",
        dependsOn: ["library_crate"],
        metadata: { source: "local", root: "true" },
      }),
      expect.objectContaining({ name: "library_crate", version: "0.1.0", dependsOn: [] }),
    ]);
    expect(run.kept.get(`/usr/local/bin/${name}`)).toBeLessThan(400);
  });

  it("leaves out build-time dependencies", async () => {
    const document = {
      packages: [
        { name: "app", version: "1.0.0", source: "local", dependencies: [1, 2, 9], root: true },
        { name: "serde", version: "1.0.200", source: "crates.io" },
        { name: "cc", version: "1.0.0", source: "crates.io", kind: "build" },
      ],
    };
    const run = await runCataloger(rustCataloger, { "/bin/app": exe(auditable(document)) });
    expect(ids(run.packages).sort()).toEqual(["app@1.0.0", "serde@1.0.200"]);
    expect(run.packages[0]?.dependsOn).toEqual(["serde"]);
  });

  it.each([
    [auditable({ nope: true }), 'rust: /bin/x: dependency data has no "packages" list'],
    [auditable({ packages: [{ name: "x" }] }), "rust: /bin/x: a package has no name or version"],
    [
      buildElf([{ name: ".dep-v0", addr: 0, data: Buffer.from("not zlib") }]),
      expect.stringMatching(/^rust: \/bin\/x: cargo-auditable data unreadable: section .dep-v0: corrupt/),
    ],
    [
      buildElf([{ name: ".dep-v0", addr: 0, data: zlibSync(new Uint8Array(9 * 1024 * 1024), { level: 9 }) }]),
      "rust: /bin/x: cargo-auditable data unreadable: section .dep-v0: inflates to more than 8388608 bytes",
    ],
  ])("warns about unusable data (%#)", async (bytes, warning) => {
    const run = await runCataloger(rustCataloger, { "/bin/x": exe(bytes) });
    expect(run.packages).toEqual([]);
    expect(run.warnings).toEqual([warning]);
  });

  it("keeps nothing of executables without the section, and never throws on garbage", async () => {
    const run = await runCataloger(rustCataloger, {
      "/bin/go": exe(readFileSync(join(import.meta.dirname, "../go/testdata/test.elf"))),
      "/bin/sh-script": exe(`#!/bin/sh\n${"x".repeat(100)}`),
    });
    expect(run.kept.size).toBe(0);
    const file = { path: "/x", kind: "file" as const, size: 0, mode: 0o755, layerIndex: 0, layerDigest: "" };
    const real = testdata("test.elf");
    fc.assert(
      fc.property(damagedCopies(real, 64), (bytes) => {
        rustCataloger.reduce?.(file, bytes);
      }),
      { numRuns: 300 },
    );
  });
});
