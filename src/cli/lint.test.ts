import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const TESTDATA = fileURLToPath(new URL("../dockerfile/testdata/lint/", import.meta.url));
const fixture = (name: string) => join(TESTDATA, name);
const CLEAN = fixture("clean.Dockerfile");
const BAD = fixture("bad.Dockerfile");

const io = captureCli();

const lint = (...args: string[]) => main(["node", "portcullis", "lint", ...args]);

interface JsonFinding {
  file: string;
  line: number;
  endLine: number;
  rule: string;
  severity: string;
  message: string;
  fix: string;
  equivalents: Record<string, string>;
}
interface JsonOutput {
  results: Array<{ file: string; findings: JsonFinding[]; suppressed: number; baseImages: string[] }>;
  summary: { files: number; findings: number; suppressed: number };
}

describe("portcullis lint", () => {
  it("is listed in --help", async () => {
    expect(await main(["node", "portcullis", "--help"])).toBe(0);
    expect(io.out).toMatch(/lint \[options\] <dockerfile\.\.\.>/);
  });

  it("passes a hardened Dockerfile with exit code 0, even at the lowest severity", async () => {
    expect(await lint(CLEAN)).toBe(0);
    expect(io.out).toContain(`${CLEAN}: no findings`);
    expect(io.out).toMatch(/1 file, 0 findings/);
    io.reset();
    expect(await lint("--severity", "style", CLEAN)).toBe(0);
    expect(io.err).toBe("");
  });

  it("fails a bad Dockerfile with exit code 1 and a table of findings", async () => {
    expect(await lint(BAD)).toBe(1);
    expect(io.out).toContain(`${BAD}:`);
    expect(io.out).toMatch(/^\s+1\s+warning\s+PC102\s+base image "ubuntu:latest"/m);
    expect(io.out).toMatch(/\s+6\s+error\s+PC107\s+/);
    expect(io.out).toMatch(
      /1 file, \d+ findings \(\d+ errors?, \d+ warnings?, \d+ info, \d+ style\), 0 suppressed/,
    );
  });

  it("prints JSON findings with file, line, rule, severity, message, fix and equivalents", async () => {
    expect(await lint("--format", "json", "--severity", "style", BAD, CLEAN)).toBe(1);
    const doc = JSON.parse(io.out) as JsonOutput;
    expect(doc.results.map((r) => r.file)).toEqual([BAD, CLEAN]);
    const findings = doc.results[0]!.findings;
    expect(findings.length).toBeGreaterThanOrEqual(6);
    for (const finding of findings) {
      expect(Object.keys(finding).sort()).toEqual(
        ["endLine", "equivalents", "file", "fix", "line", "message", "rule", "severity"].sort(),
      );
    }
    expect(findings.find((f) => f.rule === "PC102")).toMatchObject({
      file: BAD,
      line: 1,
      severity: "warning",
      equivalents: { hadolint: "DL3006, DL3007", trivy: "DS001" },
    });
    const rules = new Set(findings.map((f) => f.rule));
    for (const id of ["PC101", "PC102", "PC104", "PC107", "PC119"]) expect(rules).toContain(id);
    expect(findings.map((f) => f.line)).toEqual([...findings.map((f) => f.line)].sort((a, b) => a - b));
    expect(doc.results[0]!.baseImages).toEqual(["ubuntu:latest"]);
    expect(doc.results[1]!.findings).toEqual([]);
  });

  it("hides findings below --severity and decides the exit code from what remains", async () => {
    expect(await lint("--format", "json", "--severity", "error", BAD)).toBe(1);
    const doc = JSON.parse(io.out) as JsonOutput;
    expect(doc.results[0]!.findings.length).toBeGreaterThan(0);
    expect(doc.results[0]!.findings.every((f) => f.severity === "error")).toBe(true);
  });

  it("shows every level by default and fails only at --failure-threshold (default warning), as hadolint does", async () => {
    // Only an info-level finding in this file: shown, and below the threshold, so it passes.
    expect(await lint("--format", "json", fixture("info-only.Dockerfile"))).toBe(0);
    const shown = (JSON.parse(io.out) as JsonOutput).results[0]!.findings;
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((f) => f.severity === "info")).toBe(true);
    io.reset();
    expect(await lint("--failure-threshold", "info", fixture("info-only.Dockerfile"))).toBe(1);
    expect(io.out).toMatch(/\binfo\b/);
    io.reset();
    expect(await lint("--failure-threshold", "none", BAD)).toBe(0);
    io.reset();
    expect(await lint("--failure-threshold", "error", "--exit-code", "4", BAD)).toBe(4);
    io.reset();
    expect(await lint("--failure-threshold", "bogus", BAD)).toBe(2);
    expect(io.err).toContain("--failure-threshold");
  });

  it("uses --exit-code for failures", async () => {
    expect(await lint("--exit-code", "3", BAD)).toBe(3);
    expect(await lint("--exit-code", "0", BAD)).toBe(0);
    expect(await lint("--exit-code", "3", CLEAN)).toBe(0);
  });

  it("applies a --config file: severity overrides, rules turned off, approved bases", async () => {
    expect(await lint("--config", fixture("lint.yaml"), "--format", "json", "--severity", "style", BAD)).toBe(
      1,
    );
    const findings = (JSON.parse(io.out) as JsonOutput).results[0]!.findings;
    expect(findings.find((f) => f.rule === "PC119")?.severity).toBe("error");
    expect(findings.some((f) => f.rule === "PC109")).toBe(false);
    expect(findings.find((f) => f.rule === "PC103")).toMatchObject({ line: 1, severity: "error" });
  });

  it("honours portcullis and hadolint suppressions in files", async () => {
    expect(await lint("--format", "json", "--severity", "style", fixture("suppressed.Dockerfile"))).toBe(0);
    const result = (JSON.parse(io.out) as JsonOutput).results[0]!;
    expect(result.findings.map((f) => f.rule)).not.toContain("PC119");
    expect(result.findings.map((f) => f.rule)).not.toContain("PC113");
    expect(result.suppressed).toBe(2);
  });

  it("prints SARIF 2.1.0 with relative paths", async () => {
    expect(await lint("--format", "sarif", BAD)).toBe(1);
    const sarif = JSON.parse(io.out) as {
      version: string;
      runs: Array<{
        tool: { driver: { name: string; rules: Array<{ id: string }> } };
        results: Array<{
          ruleId: string;
          level: string;
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
        }>;
      }>;
    };
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0]!;
    expect(run.tool.driver.name).toBe("portcullis");
    expect(run.tool.driver.rules.map((r) => r.id)).toContain("PC101");
    expect(run.results.length).toBeGreaterThan(0);
    expect(run.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      relative(process.cwd(), BAD).split("\\").join("/"),
    );
  });

  it("prints an in-toto statement with --attest", async () => {
    expect(await lint("--attest", CLEAN)).toBe(0);
    const statement = JSON.parse(io.out) as {
      _type: string;
      subject: Array<{ name: string; digest: { sha256: string } }>;
      predicateType: string;
      predicate: { linter: { name: string; version: string }; baseImages: string[]; clean: boolean };
    };
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.predicateType).toBe("https://portcullis.dev/attestations/dockerfile-lint/v1");
    expect(statement.subject).toEqual([
      { name: CLEAN, digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
    ]);
    expect(statement.predicate).toMatchObject({
      linter: { name: "portcullis", version: "0.1.0" },
      baseImages: [
        "docker.io/library/alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d",
      ],
      clean: true,
    });
    io.reset();
    expect(await lint("--attest", BAD)).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({ predicate: { clean: false } });
  });

  it("reports a parse error as a PC000 finding, not a crash", async () => {
    expect(await lint(fixture("broken.Dockerfile"))).toBe(1);
    expect(io.out).toMatch(/\s+3\s+error\s+PC000\s+line 3: /);
  });

  it("exits 2 with a clear message for an unreadable file, a bad config or a bad flag", async () => {
    const dir = await mkdtemp(join(tmpdir(), "portcullis-lint-cli-"));
    try {
      const missing = join(dir, "Dockerfile");
      expect(await lint(CLEAN, missing)).toBe(2);
      expect(io.err).toContain(`portcullis: cannot read Dockerfile ${missing}: no such file`);
      expect(io.out).toBe("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    io.reset();
    const config = fixture("invalid-lint.yaml");
    expect(await lint("--config", config, CLEAN)).toBe(2);
    expect(io.err).toContain(`${config}: approvedBases[0].tags: expected an array of strings`);
    io.reset();
    expect(await lint("--format", "xml", CLEAN)).toBe(2);
    expect(io.err).toContain("--format: expected table, json or sarif");
    expect(await lint("--severity", "fatal", CLEAN)).toBe(2);
    expect(await lint("--exit-code", "-1", CLEAN)).toBe(2);
  });
});
