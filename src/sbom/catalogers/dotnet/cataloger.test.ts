import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { fileInfoOf, filesFromDir, runCataloger } from "../testing.js";
import { dotnetCataloger } from "./cataloger.js";

const fixture = (path: string): Buffer => readFileSync(new URL(`testdata/${path}`, import.meta.url));

describe("dotnet file selection", () => {
  it.each([
    "/app/MyApp.deps.json",
    "/usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json",
  ])("wants %s", (path) => {
    expect(dotnetCataloger.wants(fileInfoOf(path))).toBe(true);
  });

  it.each(["/app/.deps.json", "/app/MyApp.runtimeconfig.json", "/app/packages.lock.json", "/app/MyApp.dll"])(
    "ignores %s",
    (path) => {
      expect(dotnetCataloger.wants(fileInfoOf(path))).toBe(false);
    },
  );
});

describe("dotnet deps.json", () => {
  it("reads package libraries only, with dependency edges between packages", async () => {
    const { packages, warnings } = await runCataloger(dotnetCataloger, {
      "/app/TestLibrary.deps.json": fixture("TestLibrary.deps.json"),
    });
    expect(warnings).toEqual([]);
    expect(packages.map((pkg) => [pkg.purl, pkg.dependsOn ?? []])).toEqual([
      ["pkg:nuget/AWSSDK.Core@3.7.10.6", []],
      [
        "pkg:nuget/Microsoft.Extensions.DependencyInjection@6.0.0",
        ["Microsoft.Extensions.DependencyInjection.Abstractions", "System.Runtime.CompilerServices.Unsafe"],
      ],
      ["pkg:nuget/Microsoft.Extensions.DependencyInjection.Abstractions@6.0.0", []],
      [
        "pkg:nuget/Microsoft.Extensions.Logging@6.0.0",
        [
          "Microsoft.Extensions.DependencyInjection",
          "Microsoft.Extensions.DependencyInjection.Abstractions",
          "Microsoft.Extensions.Logging.Abstractions",
          "Microsoft.Extensions.Options",
          "System.Diagnostics.DiagnosticSource",
        ],
      ],
      ["pkg:nuget/Microsoft.Extensions.Logging.Abstractions@6.0.0", []],
      [
        "pkg:nuget/Microsoft.Extensions.Options@6.0.0",
        ["Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Primitives"],
      ],
      ["pkg:nuget/Microsoft.Extensions.Primitives@6.0.0", ["System.Runtime.CompilerServices.Unsafe"]],
      ["pkg:nuget/Newtonsoft.Json@13.0.1", []],
      ["pkg:nuget/Serilog@2.10.0", []],
      ["pkg:nuget/Serilog.Sinks.Console@4.0.1", ["Serilog"]],
      ["pkg:nuget/System.Diagnostics.DiagnosticSource@6.0.0", ["System.Runtime.CompilerServices.Unsafe"]],
      ["pkg:nuget/System.Runtime.CompilerServices.Unsafe@6.0.0", []],
    ]);
  });

  it("skips project and reference-assembly libraries", async () => {
    const { packages, warnings, layerDigests } = await runCataloger(dotnetCataloger, {
      "/app/MyApp.deps.json": fixture("MyApp.deps.json"),
    });
    expect(warnings).toEqual([]);
    expect(packages).toEqual([
      {
        type: "nuget",
        name: "Newtonsoft.Json",
        version: "13.0.3",
        purl: "pkg:nuget/Newtonsoft.Json@13.0.3",
        licenses: [],
        cataloger: "dotnet",
        locations: [{ path: "/app/MyApp.deps.json", layerIndex: 0, layerDigest: layerDigests[0] }],
      },
    ]);
  });

  it("reads a deps.json written with a byte-order mark", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture("MyApp.deps.json")]);
    const { packages } = await runCataloger(dotnetCataloger, { "/app/MyApp.deps.json": bytes });
    expect(packages.map((pkg) => pkg.name)).toEqual(["Newtonsoft.Json"]);
  });

  it.each([
    ["bogus deps.json", 1],
    ['{"libraries": []}', 1],
    [`{"libraries": {"${"A".repeat(50 * 1024 * 1024)}/1.0": {"type": "package"}}}`, 1],
    [`{"libraries": {}, "targets": ${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}`, 0],
  ])("skips bad input without throwing (case %#)", async (text, warningCount) => {
    const { packages, warnings } = await runCataloger(dotnetCataloger, { "/app/x.deps.json": text });
    expect(packages).toEqual([]);
    expect(warnings).toHaveLength(warningCount);
  });
});

const SHARED = `${import.meta.dirname}/../../../../../shared/testdata/packages/dotnet`;
it.skipIf(unavailable(`the shared data set ${SHARED}`, existsSync(SHARED)))(
  "reads every shared dotnet fixture without throwing",
  async () => {
    const { packages, warnings } = await runCataloger(dotnetCataloger, filesFromDir(SHARED, "/src"));
    expect(packages.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^dotnet: \/src\//);
  },
);
