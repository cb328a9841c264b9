import { describe, expect, it } from "vitest";
import { mainModuleVersion, splitArgs, versionFromLdflags } from "./main-version.js";
import { parseModInfo } from "./modinfo.js";

describe("versionFromLdflags", () => {
  // Real-world -ldflags shapes, several from trivy's ParseLDFlags table.
  it.each([
    [
      "github.com/aquasecurity/trivy",
      "-s -w -X=foo=bar -X='github.com/aquasecurity/trivy/pkg/version/app.ver=v0.50.1'",
      "v0.50.1",
    ],
    [
      "github.com/aquasecurity/trivy",
      "-s -w -X 'github.com/aquasecurity/trivy/pkg/version.Version=v0.50.1'",
      "v0.50.1",
    ],
    ["github.com/aquasecurity/trivy", '-X="github.com/aquasecurity/trivy/pkg/version.Ver=0.50.1"', "0.50.1"],
    ["example.com/app", "-w -X main.version=v1.0.0", "v1.0.0"],
    ["example.com/app", "-X main.Version=1.2.3 -X example.com/app/pkg/version.Version=9.9.9", "1.2.3"],
    [
      "example.com/app",
      "-X example.com/app/cmd/app.Ver=0.50.0 -X example.com/app/pkg/version.Ver=0.50.1",
      "0.50.0",
    ],
    ["example.com/app", "-X example.com/app/pkg/a.Ver=0.50.1 -X example.com/app/pkg/b.Ver=0.50.0", undefined],
    [
      "github.com/argoproj/argo-cd/v2",
      "-X 'github.com/argoproj/argo-cd/v2/common.kubectlVersion=v0.26.11'",
      undefined,
    ],
    ["example.com/app", "-X github.com/other/lib.Version=v3.0.0", undefined],
    ["example.com/app", "-X main.version=dev", undefined],
    ["example.com/app", "", undefined],
  ])("%s %s", (module, flags, expected) => {
    expect(versionFromLdflags(module, flags)).toBe(expected);
  });

  it("splits flags with quotes as the go tool does", () => {
    expect(splitArgs(`-s  -X 'a.b=c d' -X="e.f=g"`)).toEqual(["-s", "-X", "a.b=c d", "-X=e.f=g"]);
    expect(splitArgs(`''`)).toEqual([""]);
  });
});

describe("mainModuleVersion", () => {
  const settings = (entries: Record<string, string>) => new Map(Object.entries(entries));
  it.each([
    ["v1.3.5", {}, { version: "v1.3.5", source: "buildinfo" }],
    ["(devel)", { "-ldflags": "-X main.version=v2.0.0" }, { version: "v2.0.0", source: "ldflags" }],
    [
      "(devel)",
      { "vcs.revision": "9640d75c13845419f5797e2e3ac3475f8d801d79", "vcs.time": "2024-04-26T06:00:20Z" },
      { version: "v0.0.0-20240426060020-9640d75c1384", source: "vcs" },
    ],
    ["(devel)", { "vcs.revision": "abc" }, { version: "(devel)", source: "devel" }],
  ])("%s %j", (recorded, entries, expected) => {
    expect(mainModuleVersion("example.com/app", recorded, settings(entries))).toEqual(expected);
  });
});

describe("parseModInfo", () => {
  it("reads quoted build settings and ignores unknown lines", () => {
    const info = parseModInfo(
      'go\tgo1.22\npath\texample.com/cmd\nbuild\t-ldflags="-s -X \\"main.v=1\\""\nbuild\t"odd key"=x\nbuild\tGOOS=linux\nbuild\tbroken\njunk line\n',
    );
    expect(info.path).toBe("example.com/cmd");
    expect(Object.fromEntries(info.settings)).toEqual({
      "-ldflags": '-s -X "main.v=1"',
      "odd key": "x",
      GOOS: "linux",
    });
    expect(info.main).toBeUndefined();
  });
});
