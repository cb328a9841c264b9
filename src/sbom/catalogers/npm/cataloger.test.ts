import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import type { Package } from "../../model.js";
import { filesFromDir, ids, runCataloger } from "../testing.js";
import { npmCataloger } from "./cataloger.js";

const fixture = (path: string): Buffer => readFileSync(new URL(`testdata/${path}`, import.meta.url));

describe("npm installed packages", () => {
  it("reads manifests of global and nested installs and nothing deeper inside a package", async () => {
    const { packages, warnings, selected, layerDigests } = await runCataloger(npmCataloger, {
      "/usr/lib/node_modules/npm/package.json": fixture("pkg-json/package.json"),
      "/usr/lib/node_modules/npm/node_modules/@actions/core/package.json": fixture(
        "pkg-lock/node_modules/@actions/core/package.json",
      ),
      "/app/node_modules/cowsay/package.json": fixture("pkg-lock/node_modules/cowsay/package.json"),
      "/app/node_modules/cowsay/esm/fp/package.json": fixture("pkg-json/package-partial.json"),
      "/app/node_modules/partial/package.json": fixture("pkg-json/package-partial.json"),
    });
    expect(selected).toEqual([
      "/app/node_modules/cowsay/package.json",
      "/app/node_modules/partial/package.json",
      "/usr/lib/node_modules/npm/node_modules/@actions/core/package.json",
      "/usr/lib/node_modules/npm/package.json",
    ]);
    expect(warnings).toEqual([]);
    expect(packages.map(({ dependsOn, ...rest }) => ({ ...rest, dependsOn: dependsOn?.length }))).toEqual([
      {
        type: "npm",
        name: "cowsay",
        version: "1.4.0",
        purl: "pkg:npm/cowsay@1.4.0",
        licenses: ["MIT"],
        cataloger: "npm",
        locations: [
          { path: "/app/node_modules/cowsay/package.json", layerIndex: 0, layerDigest: layerDigests[0] },
        ],
        dependsOn: 4,
      },
      {
        type: "npm",
        name: "@actions/core",
        version: "1.6.0",
        purl: "pkg:npm/%40actions/core@1.6.0",
        licenses: ["MIT"],
        cataloger: "npm",
        locations: [
          {
            path: "/usr/lib/node_modules/npm/node_modules/@actions/core/package.json",
            layerIndex: 0,
            layerDigest: layerDigests[0],
          },
        ],
        dependsOn: 1,
      },
      {
        type: "npm",
        name: "npm",
        version: "6.14.6",
        purl: "pkg:npm/npm@6.14.6",
        licenses: ["Artistic-2.0"],
        cataloger: "npm",
        locations: [
          { path: "/usr/lib/node_modules/npm/package.json", layerIndex: 0, layerDigest: layerDigests[0] },
        ],
        dependsOn: 115,
      },
    ]);
    expect(packages[0]!.dependsOn).toEqual(["get-stdin", "optimist", "string-width", "strip-eof"]);
  });

  it.each([
    ["package-license-object.json", ["ISC"]],
    ["package-license-objects.json", ["MIT", "Apache-2.0"]],
    ["package-malformed-license.json", ["MIT"]],
    ["package-no-license.json", []],
  ])("reads the licence of %s", async (name, licenses) => {
    const { packages } = await runCataloger(npmCataloger, {
      "/app/node_modules/npm/package.json": fixture(`pkg-json/${name}`),
    });
    expect(packages.map((pkg) => pkg.licenses)).toEqual([licenses]);
  });
});

describe("npm lockfiles", () => {
  it.each([
    [
      "pkg-lock/package-lock.json",
      [
        "@actions/core@1.6.0",
        "ansi-regex@3.0.0",
        "cowsay@1.4.0",
        "get-stdin@5.0.1",
        "is-fullwidth-code-point@2.0.0",
        "minimist@0.0.10",
        "optimist@0.6.1",
        "string-width@2.1.1",
        "strip-ansi@4.0.0",
        "strip-eof@1.0.0",
        "wordwrap@0.0.3",
      ],
    ],
    [
      "pkg-lock/package-lock-2.json",
      ["@types/prop-types@15.7.5", "@types/react@18.0.17", "@types/scheduler@0.16.2", "csstype@3.1.0"],
    ],
    [
      "pkg-lock/package-lock-3.json",
      ["@types/prop-types@15.7.5", "@types/react@18.0.20", "@types/scheduler@0.16.2", "csstype@3.1.1"],
    ],
    [
      "pkg-lock/nested-package-lock-1.json",
      ["parent@1.0.0", "shared@2.0.0", "duplicate@1.0.0", "shared@1.0.0", "middle@1.0.0", "shared@0.5.0"],
    ],
    ["pkg-lock/alias-package-lock-1.json", ["case@1.6.2", "case@1.6.3", "@bundled-es-modules/chai@4.2.2"]],
    ["pkg-lock/alias-package-lock-2.json", ["case@1.6.2", "case@1.6.3", "@bundled-es-modules/chai@4.2.2"]],
    ["pkg-lock/array-license-package-lock.json", ["pause-stream@0.0.11", "through@2.3.8"]],
  ])("reads %s without dev entries", async (path, expected) => {
    const { packages, warnings } = await runCataloger(npmCataloger, {
      "/app/package-lock.json": fixture(path),
    });
    expect(warnings).toEqual([]);
    expect(ids(packages)).toEqual(expected);
  });

  it("keeps licences and dependency names of lockfile v2 entries", async () => {
    const { packages } = await runCataloger(npmCataloger, {
      "/app/npm-shrinkwrap.json": fixture("pkg-lock/array-license-package-lock.json"),
    });
    expect(packages.map((pkg) => [pkg.purl, pkg.licenses, pkg.dependsOn])).toEqual([
      ["pkg:npm/pause-stream@0.0.11", ["MIT", "Apache2"], ["through"]],
      ["pkg:npm/through@2.3.8", ["MIT"], undefined],
    ]);
  });

  const yarnClassic = [
    "@babel/code-frame@7.10.4",
    "@types/minimatch@3.0.3",
    "@types/qs@6.9.4",
    "ajv@6.12.3",
    "atob@2.1.2",
    "aws-sdk@2.706.0",
    "jhipster-core@7.3.4",
    "asn1.js@4.10.1",
    "c0n-fab_u.laTION@7.7.7",
  ];
  it.each([
    ["yarn/yarn.lock", yarnClassic],
    ["yarn-berry/yarn.lock", yarnClassic.slice(0, -1)],
    ["yarn-dev-deps/yarn.lock", ["prod-pkg@1.0.0", "shared-pkg@1.0.0"]],
    ["yarn-berry-dev-deps/yarn.lock", ["prod-pkg@1.0.0", "shared-pkg@1.0.0"]],
  ])("reads %s", async (path, expected) => {
    const dir = path.slice(0, path.indexOf("/"));
    const files: Record<string, Buffer> = { "/app/yarn.lock": fixture(path) };
    if (dir.endsWith("dev-deps")) files["/app/package.json"] = fixture(`${dir}/package.json`);
    const { packages, warnings } = await runCataloger(npmCataloger, files);
    expect(warnings).toEqual([]);
    expect(ids(packages)).toEqual(expected);
  });

  it("keeps dev entries of a yarn.lock without its package.json", async () => {
    const { packages } = await runCataloger(npmCataloger, {
      "/app/yarn.lock": fixture("yarn-dev-deps/yarn.lock"),
    });
    expect(ids(packages)).toEqual([
      "dev-only-transitive@1.0.0",
      "dev-pkg@1.0.0",
      "prod-pkg@1.0.0",
      "shared-pkg@1.0.0",
    ]);
    expect(packages[1]!.dependsOn).toEqual(["dev-only-transitive"]);
  });

  it.each([
    ["pnpm/pnpm-lock.yaml", []],
    ["pnpm-v5-peer-suffix/pnpm-lock.yaml", ["acorn@8.8.0", "acorn-jsx@5.3.2", "webpack-cli@4.10.0"]],
    [
      "pnpm-v6/pnpm-lock.yaml",
      [
        "@babel/core@7.21.4",
        "@testing-library/jest-dom@5.16.5",
        "@testing-library/react@13.4.0",
        "@testing-library/user-event@13.5.0",
        "@types/eslint@8.37.0",
        "react-dom@18.2.0",
        "react@18.2.0",
        "read-cache@1.0.0",
        "schema-utils@3.1.2",
        "web-vitals@2.1.4",
      ],
    ],
    [
      "pnpm-v9/pnpm-lock.yaml",
      ["@babel/core@7.24.7", "@babel/helper-plugin-utils@7.24.7", "is-positive@3.1.0", "rollup@4.18.0"],
    ],
    [
      "pnpm-v9-snapshots/pnpm-lock.yaml",
      [
        "cross-spawn@7.0.6",
        "isexe@2.0.0",
        "path-key@3.1.1",
        "shebang-command@2.0.0",
        "shebang-regex@3.0.0",
        "which@2.0.2",
      ],
    ],
    ["pnpm-multi-doc/pnpm-lock.yaml", ["minimist@1.2.0"]],
  ])("reads %s", async (path, expected) => {
    const { packages, warnings } = await runCataloger(npmCataloger, { "/app/pnpm-lock.yaml": fixture(path) });
    expect(warnings).toEqual([]);
    expect(ids(packages)).toEqual(expected);
  });

  it("records pnpm dependency edges from v9 snapshots", async () => {
    const { packages } = await runCataloger(npmCataloger, {
      "/app/pnpm-lock.yaml": fixture("pnpm-v9-snapshots/pnpm-lock.yaml"),
    });
    expect(packages[0]!.dependsOn).toEqual(["path-key", "shebang-command", "which"]);
  });
});

describe("npm lockfile entries against node_modules", () => {
  // fsevents is an optional, macOS-only dependency: npm records it in the lockfile but installs it
  // only on macOS, so a Linux image has no node_modules/fsevents folder.
  const lockfile = JSON.stringify({
    name: "app",
    lockfileVersion: 3,
    packages: {
      "": { name: "app", dependencies: { lodash: "^4.17.21" }, optionalDependencies: { fsevents: "^2.3.3" } },
      "node_modules/fsevents": { version: "2.3.3", optional: true, os: ["darwin"], license: "MIT" },
      "node_modules/lodash": { version: "4.17.21", license: "MIT" },
    },
  });
  const fromLockfile = (packages: readonly Package[]) =>
    ids(packages.filter((pkg) => pkg.locations.some((l) => l.path === "/app/package-lock.json")));

  it("reports only entries whose folder exists when node_modules is beside the lockfile", async () => {
    const { packages, merged, warnings } = await runCataloger(npmCataloger, {
      "/app/package-lock.json": lockfile,
      "/app/node_modules/lodash/package.json": '{"name": "lodash", "version": "4.17.21", "license": "MIT"}',
    });
    expect(warnings).toEqual([]);
    expect(fromLockfile(packages)).toEqual(["lodash@4.17.21"]);
    // The lockfile entry and the installed manifest are one package in the SBOM, with both locations.
    expect(merged.map((pkg) => [pkg.name, pkg.locations.map((l) => l.path)])).toEqual([
      ["lodash", ["/app/node_modules/lodash/package.json", "/app/package-lock.json"]],
    ]);
  });

  it("reports every entry when the image has no node_modules beside the lockfile", async () => {
    const { packages, warnings } = await runCataloger(npmCataloger, { "/app/package-lock.json": lockfile });
    expect(warnings).toEqual([]);
    expect(fromLockfile(packages)).toEqual(["fsevents@2.3.3", "lodash@4.17.21"]);
  });
});

describe("npm bad input", () => {
  it.each([
    ["/app/node_modules/npm/package.json", fixture("corrupt/package.json")],
    ["/app/package-lock.json", fixture("corrupt/package-lock.json")],
    ["/app/pnpm-lock.yaml", fixture("corrupt/pnpm-lock.yaml")],
    ["/app/node_modules/x/package.json", Buffer.from("[1, 2, 3]")],
    ["/app/package-lock.json", Buffer.from('"just a string"')],
    [
      "/app/node_modules/x/package.json",
      Buffer.from(`{"name": "${"x".repeat(50 * 1024 * 1024)}", "version": "1"}`),
    ],
    ["/app/package-lock.json", Buffer.from(`${"[".repeat(200_000)}${"]".repeat(200_000)}`)],
    ["/app/pnpm-lock.yaml", Buffer.from(`${"- ".repeat(50_000)}x`)],
  ])("warns and skips %s (case %#)", async (path, bytes) => {
    const { packages, warnings } = await runCataloger(npmCataloger, {
      [path]: bytes,
      "/app/node_modules/ok/package.json": Buffer.from('{"name": "ok", "version": "1.0.0"}'),
    });
    expect(ids(packages)).toEqual(["ok@1.0.0"]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/^npm: \/app\//);
  });
});

it("walks a 20,000-level lockfile v1 tree without recursion", async () => {
  const nested = `{"dependencies": ${'{"a": {"version": "1", "dependencies": '.repeat(20_000)}{}${"}}".repeat(20_000)}}`;
  const { packages, warnings } = await runCataloger(npmCataloger, {
    "/app/package-lock.json": Buffer.from(nested),
  });
  expect(warnings).toEqual([]);
  expect(ids(packages)).toEqual(["a@1"]);
});

const SHARED = `${import.meta.dirname}/../../../../../shared/testdata/packages/npm`;
it.skipIf(unavailable(`the shared data set ${SHARED}`, existsSync(SHARED)))(
  "reads every shared npm fixture without throwing",
  async () => {
    const { packages, warnings } = await runCataloger(npmCataloger, filesFromDir(SHARED, "/src"));
    expect(packages.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^npm: \/src\//);
  },
);
