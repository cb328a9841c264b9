import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { fileInfoOf, filesFromDir, ids, runCataloger } from "../testing.js";
import { pythonCataloger } from "./cataloger.js";
import { normalizePythonName, requirementNames } from "./metadata.js";

const fixture = (path: string): Buffer => readFileSync(new URL(`testdata/${path}`, import.meta.url));
const SITE = "/usr/local/lib/python3.11/site-packages";
const DIST = "/usr/lib/python3/dist-packages";

describe("python file selection", () => {
  it.each([
    `${SITE}/requests-2.31.0.dist-info/METADATA`,
    `${SITE}/Foo.DIST-INFO/METADATA`,
    `${DIST}/six-1.16.0.egg-info/PKG-INFO`,
    `${SITE}/thing-1.0-py3.8.egg/EGG-INFO/PKG-INFO`,
    `/usr/lib/python2.7/lib-dynload/Python-2.7.egg-info`,
    `/opt/venv/lib/python3.12/site-packages/x-1.dist-info/METADATA`,
  ])("wants %s", (path) => {
    expect(pythonCataloger.wants(fileInfoOf(path))).toBe(true);
  });

  it.each([
    `${SITE}/requests-2.31.0.dist-info/RECORD`,
    `${SITE}/requests-2.31.0.dist-info/LICENSE`,
    `${SITE}/requests/METADATA`,
    `${DIST}/six-1.16.0.egg-info/requires.txt`,
    `${SITE}/pkg/PKG-INFO`,
    `${SITE}/.egg-info`,
  ])("ignores %s", (path) => {
    expect(pythonCataloger.wants(fileInfoOf(path))).toBe(false);
  });
});

describe("python metadata", () => {
  it("reads installed distributions with exact fields", async () => {
    const { packages, warnings, layerDigests } = await runCataloger(pythonCataloger, {
      [`${SITE}/Pygments-2.6.1.dist-info/METADATA`]: fixture("syft/pygments.METADATA"),
      [`${SITE}/requests-2.22.0.egg-info/PKG-INFO`]: fixture("syft/requests.PKG-INFO"),
      "/usr/lib/python2.7/lib-dynload/Python-2.7.egg-info": fixture("syft/Python-2.7.egg-info"),
      [`${SITE}/zipp-3.12.1.dist-info/METADATA`]: fixture("trivy/zipp-3.12.1.METADATA"),
    });
    expect(warnings).toEqual([]);
    expect(packages.map((pkg) => [pkg.name, pkg.version, pkg.purl, pkg.licenses, pkg.dependsOn])).toEqual([
      ["Python", "2.7.13", "pkg:pypi/python@2.7.13", ["PSF license"], undefined],
      ["Pygments", "2.6.1", "pkg:pypi/pygments@2.6.1", ["BSD License"], ["soupsieve"]],
      ["requests", "2.22.0", "pkg:pypi/requests@2.22.0", ["Apache 2.0"], undefined],
      ["zipp", "3.12.1", "pkg:pypi/zipp@3.12.1", ["MIT License"], undefined],
    ]);
    expect(packages[1]).toMatchObject({
      type: "pypi",
      cataloger: "python",
      locations: [
        { path: `${SITE}/Pygments-2.6.1.dist-info/METADATA`, layerIndex: 0, layerDigest: layerDigests[0] },
      ],
    });
  });

  it.each([
    [
      "trivy/asyncssh-2.14.2.METADATA",
      "asyncssh@2.14.2",
      ["Eclipse Public License v2.0"],
      ["cryptography", "typing-extensions"],
    ],
    ["trivy/distlib-0.3.1.METADATA", "distlib@0.3.1", ["Python license"], []],
    ["trivy/distlib-0.3.1-py3.9.egg-info", "distlib@0.3.1", ["Python license"], []],
    ["trivy/iniconfig-2.0.0.METADATA", "iniconfig@2.0.0", ["MIT"], []],
    ["trivy/networkx-3.0.METADATA", "networkx@3.0", [], []],
    [
      "trivy/pyphen-0.14.0.METADATA",
      "pyphen@0.14.0",
      [
        "GNU General Public License v2 or later (GPLv2+)",
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "Mozilla Public License 1.1 (MPL 1.1)",
      ],
      [],
    ],
    ["trivy/setuptools-51.3.3-py3.8.egg-info.PKG-INFO", "setuptools@51.3.3", ["MIT License"], []],
    ["trivy/unidecode-egg-info.PKG-INFO", "Unidecode@0.4.1", [], []],
    ["trivy/simple-0.1.0.METADATA", "simple@0.1.0", [], []],
    // A Summary spilling over unindented lines ends the header early, as Python's email parser does.
    ["syft/PKG-INFO-INVALID", "mxnet@1.8.0", [], []],
  ])("reads %s", async (path, id, licenses, dependsOn) => {
    const { packages, warnings } = await runCataloger(pythonCataloger, {
      [`${SITE}/x.dist-info/METADATA`]: fixture(path),
    });
    expect(warnings).toEqual([]);
    expect(ids(packages)).toEqual([id]);
    expect(packages[0]!.licenses).toEqual(licenses);
    expect(packages[0]!.dependsOn ?? []).toEqual(dependsOn);
  });

  it("joins continuation lines and prefers License-Expression", async () => {
    const text =
      "Name: a\nVersion: 1\nLicense: first\n        second\nLicense-Expression: MIT OR Apache-2.0\n";
    const { packages } = await runCataloger(pythonCataloger, { [`${SITE}/a.dist-info/METADATA`]: text });
    expect(packages[0]!.licenses).toEqual(["MIT OR Apache-2.0"]);
    const pasted =
      "Name: a\nVersion: 1\nLicense: Copyright (c) Someone\n        Permission is hereby granted\n";
    const again = await runCataloger(pythonCataloger, { [`${SITE}/a.dist-info/METADATA`]: pasted });
    expect(again.packages[0]!.licenses).toEqual(["Copyright (c) Someone"]);
  });

  it("skips an empty egg-info file and warns about one without a version", async () => {
    const { packages, warnings } = await runCataloger(pythonCataloger, {
      [`${SITE}/empty-1.0.0-py3.8.egg-info`]: fixture("syft/empty-1.0.0-py3.8.egg-info"),
      [`${SITE}/no-version-py3.8.egg-info`]: fixture("syft/no-version-py3.8.egg-info"),
    });
    expect(packages).toEqual([]);
    expect(warnings).toEqual([
      `python: ${SITE}/no-version-py3.8.egg-info: skipped no-version: missing or invalid version`,
    ]);
  });

  it.each([
    [Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a])],
    [Buffer.from("bogus\n")],
    [Buffer.from(`Name: ${"x".repeat(50 * 1024 * 1024)}\nVersion: 1\n`)],
    [Buffer.from(`Name: a\nVersion: ${"9".repeat(10_000)}\n`)],
  ])("warns instead of throwing on bad input (case %#)", async (bytes) => {
    const { packages, warnings } = await runCataloger(pythonCataloger, {
      [`${SITE}/a.dist-info/METADATA`]: bytes,
    });
    expect(packages).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});

describe("python names", () => {
  it.each([
    ["Foo_Bar", "foo-bar"],
    ["zope.interface", "zope-interface"],
    ["A-._-b", "a-b"],
  ])("normalises %s", (name, expected) => {
    expect(normalizePythonName(name)).toBe(expected);
  });

  it("keeps requirement names without extras, versions or markers", () => {
    expect(
      requirementNames([
        "requests[security,socks] (>=2.0)",
        "Typing_Extensions>=4; python_version < '3.8'",
        "pytest ; extra == 'test'",
        "idna",
        "idna (>=2.5)",
      ]),
    ).toEqual(["requests", "typing-extensions", "idna"]);
  });
});

const SHARED = `${import.meta.dirname}/../../../../../shared/testdata/packages/python`;
it.skipIf(unavailable(`the shared data set ${SHARED}`, existsSync(SHARED)))(
  "reads every shared python fixture without throwing",
  async () => {
    const { packages, warnings } = await runCataloger(pythonCataloger, filesFromDir(SHARED, "/src"));
    expect(packages.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^python: \/src\//);
  },
);
