import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VulnError } from "../errors.js";
import type { Finding } from "../model.js";
import { applyVex, purlMatches } from "./apply.js";
import { parseOpenVex } from "./parse.js";

const digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const document = parseOpenVex(
  readFileSync(new URL("../testdata/vex/image.openvex.json", import.meta.url), "utf8"),
);

function finding(id: string, aliases: string[], purl: string): Finding {
  return {
    id,
    aliases,
    package: { index: 0, name: "x", type: "x", purl, ecosystem: "x", advisoryName: "x", locations: [] },
    installedVersion: "1",
    severity: "HIGH",
    references: [],
  };
}

const bash = finding(
  "CVE-2014-6271",
  ["DEBIAN-CVE-2014-6271"],
  "pkg:deb/debian/bash@4.2%2Bdfsg-0.1?arch=amd64&distro=debian-7",
);
const jinja = finding("CVE-2019-10906", ["GHSA-462w-v97r-4m45", "PYSEC-2019-217"], "pkg:pypi/jinja2@2.10");
const openssl = finding("CVE-2023-5363", [], "pkg:apk/alpine/libcrypto3@3.1.3-r0?arch=x86_64");

describe("applyVex", () => {
  it("suppresses not_affected for a subcomponent of the scanned image, with the justification", () => {
    const [got] = applyVex([bash], [document], digest);
    expect(got?.suppressed).toBe(true);
    expect(got?.vex).toEqual({
      status: "not_affected",
      justification: "vulnerable_code_not_in_execute_path",
      impactStatement: "bash is never run with attacker-controlled environment variables",
      document: "https://example.com/vex/portcullis-test-0001",
    });
  });

  it("does not apply image statements to another image or without a digest", () => {
    expect(applyVex([bash], [document], `sha256:${"2".repeat(64)}`)[0]?.vex).toBeUndefined();
    expect(applyVex([bash], [document])[0]?.vex).toBeUndefined();
  });

  it("matches on an alias, and the latest statement wins", () => {
    const [got] = applyVex([jinja], [document]);
    expect(got).toMatchObject({ suppressed: true, vex: { status: "fixed" } });
  });

  it("annotates affected without suppressing; an image product without subcomponents covers every package", () => {
    const [got] = applyVex([openssl], [document], digest);
    expect(got).toMatchObject({ suppressed: false, vex: { status: "affected" } });
  });

  it("leaves unrelated findings and the input untouched", () => {
    const other = finding("CVE-2000-0001", [], "pkg:deb/debian/bash@1");
    const input = [other, bash];
    const out = applyVex(input, [document], digest);
    expect(out[0]).toBe(other);
    expect(input[1]?.vex).toBeUndefined();
  });

  it("reads the v0.0.1 shapes: vulnerability and products as strings", () => {
    const old = parseOpenVex({
      "@context": "https://openvex.dev/ns",
      statements: [
        {
          vulnerability: "CVE-2023-5363",
          products: ["pkg:apk/alpine/libcrypto3"],
          status: "not_affected",
          justification: "component_not_present",
        },
      ],
    });
    expect(applyVex([openssl], [old])[0]?.suppressed).toBe(true);
  });
});

describe("parseOpenVex", () => {
  it.each([
    ["not JSON", "{", "not JSON"],
    ["another format", { "@context": "https://cyclonedx.org", statements: [] }, "@context"],
    [
      "no products",
      {
        "@context": "https://openvex.dev/ns/v0.2.0",
        statements: [{ vulnerability: { name: "CVE-1" }, products: [], status: "fixed" }],
      },
      "statements.0.products",
    ],
    [
      "an unknown status",
      {
        "@context": "https://openvex.dev/ns/v0.2.0",
        statements: [{ vulnerability: "CVE-1", products: ["pkg:npm/a"], status: "maybe" }],
      },
      "statements.0.status",
    ],
    [
      "not_affected without justification",
      {
        "@context": "https://openvex.dev/ns/v0.2.0",
        statements: [{ vulnerability: "CVE-1", products: ["pkg:npm/a"], status: "not_affected" }],
      },
      "justification",
    ],
    [
      "an unknown justification",
      {
        "@context": "https://openvex.dev/ns/v0.2.0",
        statements: [
          {
            vulnerability: "CVE-1",
            products: ["pkg:npm/a"],
            status: "not_affected",
            justification: "trust me",
          },
        ],
      },
      "statements.0.justification",
    ],
  ])("refuses %s with VEX_INVALID naming the problem", (_name, input, mention) => {
    let error: unknown;
    try {
      parseOpenVex(input, "vex.json");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VulnError);
    expect((error as VulnError).code).toBe("VEX_INVALID");
    expect((error as VulnError).message).toContain("vex.json");
    expect((error as VulnError).message).toContain(mention);
  });
});

describe("purlMatches", () => {
  it.each([
    ["pkg:deb/debian/bash", "pkg:deb/debian/bash@5.2-1?arch=amd64", true],
    ["pkg:deb/debian/bash@5.2-1", "pkg:deb/debian/bash@5.2-1?arch=amd64", true],
    ["pkg:deb/debian/bash@5.2-2", "pkg:deb/debian/bash@5.2-1?arch=amd64", false],
    ["pkg:deb/debian/bash?arch=arm64", "pkg:deb/debian/bash@5.2-1?arch=amd64", false],
    ["pkg:deb/ubuntu/bash", "pkg:deb/debian/bash@5.2-1", false],
    ["pkg:npm/%40scope/name@1.0.0", "pkg:npm/%40scope/name@1.0.0", true],
    ["sha256:abc", "pkg:npm/a@1", false],
  ])("%s covers %s: %s", (vex, pkg, want) => {
    expect(purlMatches(vex, pkg)).toBe(want);
  });
});
