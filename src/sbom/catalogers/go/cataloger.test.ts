import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { damagedCopies } from "../../../../test/support/damaged.js";
import { exe, ids, runCataloger } from "../testing.js";
import { buildElf } from "./build-elf.js";
import { readGoBuildInfo } from "./buildinfo.js";
import { goBinaryCataloger, packagesOf } from "./cataloger.js";

const testdata = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name));

// The module list of trivy's test binaries (pkg/dependency/parser/golang/binary/parse_test.go).
const trivyTest = [
  "github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46",
  "github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492",
  "github.com/aquasecurity/test@(devel)",
  "golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1",
  "stdlib@1.15.2",
];

describe("goBinaryCataloger on real Go executables", () => {
  it.each([
    ["test.elf", trivyTest],
    ["test.exe", trivyTest],
    ["test.macho", trivyTest],
    ["semver-main-module-version.macho", ["go.etcd.io/bbolt@v1.3.5", "stdlib@1.20.6"]],
    ["main-version-via-ldflags.elf", ["github.com/aquasecurity/test@v1.0.0", "stdlib@1.22.1"]],
    // Built from a file (`go build x.go`): no main module, only the toolchain.
    ["goexperiment", ["stdlib@1.22.1"]],
  ])("%s", async (name, expected) => {
    const run = await runCataloger(goBinaryCataloger, { [`/usr/bin/${name}`]: exe(testdata(name)) });
    expect(ids(run.packages).sort()).toEqual(expected);
    expect(run.warnings).toEqual([]);
    expect(run.kept.get(`/usr/bin/${name}`)).toBeLessThan(2048);
  });

  it("describes the main module, dependencies and stdlib with purls and metadata", async () => {
    const run = await runCataloger(goBinaryCataloger, {
      "/app/server": exe(testdata("main-version-via-ldflags.elf")),
    });
    const [main, stdlib] = run.packages;
    expect(main).toMatchObject({
      type: "golang",
      name: "github.com/aquasecurity/test",
      version: "v1.0.0",
      purl: "pkg:golang/github.com/aquasecurity/test@v1.0.0",
      cataloger: "go-binary",
      locations: [{ path: "/app/server", layerIndex: 0 }],
      dependsOn: ["stdlib"],
      metadata: {
        goVersion: "go1.22.1",
        mainModule: "true",
        versionSource: "ldflags",
        GOOS: "linux",
        GOARCH: "amd64",
        "vcs.revision": "9640d75c13845419f5797e2e3ac3475f8d801d79",
      },
    });
    expect(stdlib).toMatchObject({ name: "stdlib", version: "1.22.1", purl: "pkg:golang/stdlib@1.22.1" });

    const deps = await runCataloger(goBinaryCataloger, { "/app/test": exe(testdata("test.elf")) });
    const xerrors = deps.packages.find((p) => p.name === "golang.org/x/xerrors");
    expect(xerrors?.purl).toBe("pkg:golang/golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1");
    expect(xerrors?.metadata?.h1Digest).toBe("h1:go1bK/D/BFZV2I8cIQd1NKEZ+0owSTG1fDTci4IqFcE=");
    expect(deps.packages[0]?.metadata).toMatchObject({ mainModule: "true", versionSource: "devel" });
  });

  it("wants executables only, and keeps nothing of non-Go files", async () => {
    const run = await runCataloger(goBinaryCataloger, {
      "/usr/bin/go-app": testdata("test.elf"), // mode 0o644, no exec bit: not wanted
      "/usr/bin/script": exe("#!/bin/sh\necho hello, this is not a binary at all............\n"),
      "/usr/bin/rusty": exe(readFileSync(join(import.meta.dirname, "../rust/testdata/test.elf"))),
      "/win/tool.exe": testdata("test.exe"),
    });
    expect([...run.kept.keys()]).toEqual(["/win/tool.exe"]);
    expect(run.packages.filter((p) => p.name === "stdlib").map((p) => p.locations[0]?.path)).toEqual([
      "/win/tool.exe",
    ]);
  });
});

describe("build info layouts (hand-built ELF files)", () => {
  const magic = Buffer.from("\xff Go buildinf:", "latin1");
  const modinfo =
    "path\texample.com/cmd/app\nmod\texample.com\t(devel)\t\ndep\texample.com/lib\tv1.2.0\th1:x=\n=>\texample.com/fork\tv1.2.1\th1:y=\ndep\texample.com/local\tv0.1.0\n=>\t../local\t\nbuild\tvcs.revision=0123456789abcdef0123\nbuild\tvcs.time=2024-01-02T03:04:05Z\n";
  const sentinel = Buffer.alloc(16, 0x30);
  const wrapped = Buffer.concat([sentinel, Buffer.from(modinfo), sentinel]);

  function inline(version: string, text: Buffer): Buffer {
    const header = Buffer.alloc(32);
    magic.copy(header);
    header[14] = 8;
    header[15] = 2;
    return Buffer.concat([
      header,
      Buffer.from([version.length]),
      Buffer.from(version),
      varint(text.length),
      text,
    ]);
  }

  it("reads the Go 1.18+ inline layout, replacements and a VCS pseudo-version", async () => {
    const elf = buildElf([
      { name: ".go.buildinfo", addr: 0x1000, data: inline("go1.21.5", wrapped), writable: true },
    ]);
    const run = await runCataloger(goBinaryCataloger, { "/bin/app": exe(elf) });
    expect(ids(run.packages).sort()).toEqual([
      "example.com/fork@v1.2.1",
      "example.com/local@(devel)",
      "example.com@v0.0.0-20240102030405-0123456789ab",
      "stdlib@1.21.5",
    ]);
    const fork = run.packages.find((p) => p.name === "example.com/fork");
    expect(fork?.metadata?.replaces).toBe("example.com/lib@v1.2.0");
    expect(run.packages.find((p) => p.name === "example.com/local")?.metadata?.replacedBy).toBe("../local");
  });

  it.each([
    { is64: false, littleEndian: false },
    { is64: true, littleEndian: false },
    { is64: false, littleEndian: true },
  ])("reads the pre-1.18 pointer layout (%o)", ({ is64, littleEndian }) => {
    const ptr = is64 ? 8 : 4;
    const version = Buffer.from("go1.16.4");
    // .rodata at 0x2000 holds the strings; .data at 0x3000 holds the two Go string headers.
    const rodata = Buffer.concat([version, wrapped]);
    const word = (v: number) => {
      const b = Buffer.alloc(ptr);
      if (ptr === 8) littleEndian ? b.writeBigUInt64LE(BigInt(v)) : b.writeBigUInt64BE(BigInt(v));
      else littleEndian ? b.writeUInt32LE(v) : b.writeUInt32BE(v);
      return b;
    };
    const strings = Buffer.concat([
      word(0x2000),
      word(version.length),
      word(0x2000 + version.length),
      word(wrapped.length),
    ]);
    const header = Buffer.alloc(32);
    magic.copy(header);
    header[14] = ptr;
    header[15] = littleEndian ? 0 : 1;
    word(0x3000).copy(header, 16);
    word(0x3000 + 2 * ptr).copy(header, 16 + ptr);
    const elf = buildElf(
      [
        { name: ".rodata", addr: 0x2000, data: rodata },
        { name: ".data", addr: 0x3000, data: strings, writable: true },
        { name: ".go.buildinfo", addr: 0x4000, data: header, writable: true },
      ],
      { is64, littleEndian },
    );
    const result = readGoBuildInfo(elf);
    expect(result).toEqual({ kind: "found", info: { goVersion: "go1.16.4", modinfo } });
  });

  it("reports a build info whose strings do not resolve as a warning, not a throw", async () => {
    const header = Buffer.alloc(32);
    magic.copy(header);
    header[14] = 8;
    header.writeBigUInt64LE(0xdead0000n, 16);
    const elf = buildElf([{ name: ".go.buildinfo", addr: 0x1000, data: header, writable: true }]);
    const run = await runCataloger(goBinaryCataloger, { "/bin/broken": exe(elf) });
    expect(run.packages).toEqual([]);
    expect(run.warnings).toEqual([
      "go-binary: /bin/broken: Go build info unreadable: Go version pointer does not resolve",
    ]);
  });
});

describe("other containers", () => {
  it("reads the first slice of a universal (fat) Mach-O binary", async () => {
    const slice = testdata("test.macho");
    const header = Buffer.alloc(4096);
    header.writeUInt32BE(0xcafebabe, 0);
    header.writeUInt32BE(1, 4); // one architecture
    header.writeUInt32BE(0x01000007, 8); // CPU_TYPE_X86_64
    header.writeUInt32BE(4096, 16); // offset
    header.writeUInt32BE(slice.length, 20); // size
    header.writeUInt32BE(12, 24); // alignment 2^12
    const run = await runCataloger(goBinaryCataloger, { "/bin/fat": exe(Buffer.concat([header, slice])) });
    expect(ids(run.packages).sort()).toEqual(trivyTest);
  });

  it("does not mistake a Java class file (same magic) for a fat binary", () => {
    const klass = Buffer.alloc(128);
    klass.writeUInt32BE(0xcafebabe, 0);
    klass.writeUInt32BE(0x00000041, 4); // minor 0, major 65 (Java 21)
    expect(readGoBuildInfo(klass)).toEqual({ kind: "none" });
  });

  it("reports no stdlib for a development toolchain", () => {
    const file = { path: "/x", kind: "file" as const, size: 0, mode: 0o755, layerIndex: 0, layerDigest: "" };
    const packages = packagesOf(file, "devel go1.23-abc123 Tue Jan 2 2024", "mod\texample.com/a\tv1.0.0\t\n");
    expect(ids(packages).sort()).toEqual(["example.com/a@v1.0.0"]);
    expect(packages[0]?.dependsOn).toEqual([]);
  });
});

describe("reduce on hostile input", () => {
  const file = { path: "/x", kind: "file" as const, size: 0, mode: 0o755, layerIndex: 0, layerDigest: "" };
  const real = testdata("test.elf");

  it("never throws on random bytes behind an executable magic", () => {
    const magics = [
      [0x7f, 0x45, 0x4c, 0x46, 2, 1],
      [0x4d, 0x5a],
      [0xcf, 0xfa, 0xed, 0xfe],
      [0xca, 0xfe, 0xba, 0xbe],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...magics),
        fc.uint8Array({ minLength: 0, maxLength: 4096 }),
        (magic, rest) => {
          const bytes = Buffer.concat([Buffer.from(magic), Buffer.from(rest)]);
          const kept = goBinaryCataloger.reduce?.(file, bytes);
          expect(kept === undefined || kept.length < 10_000).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never throws on truncated or corrupted real Go executables", () => {
    fc.assert(
      fc.property(damagedCopies(real, 64), (bytes) => {
        const kept = goBinaryCataloger.reduce?.(file, bytes);
        expect(kept === undefined || kept.length < 10_000_000).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
