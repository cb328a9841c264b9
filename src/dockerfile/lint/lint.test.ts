import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LintError } from "./errors.js";
import { filterBySeverity, lintFiles, lintText, MAX_DOCKERFILE_BYTES } from "./lint.js";
import { broken, everyFrom, everyRun, TEST_RULES, text } from "./testing.js";

const sha256 = (data: string | Uint8Array) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe("lintText", () => {
  const source = text(
    "ARG BASE=alpine:3.20",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile text, not a template
    "FROM ${BASE} AS build",
    "RUN make",
    "FROM scratch AS empty",
    "FROM build AS test",
    "RUN make test",
    "FROM gcr.io/distroless/static:nonroot",
    "COPY --from=build /out /app",
  );

  it("runs every rule and fills each finding's file, lines, rule, severity, message, fix and equivalents", () => {
    const result = lintText(source, { file: "app/Dockerfile", rules: TEST_RULES });
    expect(result.findings[0]).toEqual({
      file: "app/Dockerfile",
      line: 2,
      endLine: 2,
      rule: "PC902",
      severity: "info",
      message: "FROM alpine:3.20",
      fix: "Build from nothing.",
      equivalents: { hadolint: "DL9003" },
    });
    expect(result.findings.map((f) => `${f.line} ${f.rule}`)).toEqual([
      "2 PC902",
      "3 PC901",
      "4 PC902",
      "5 PC902",
      "6 PC901",
      "7 PC902",
    ]);
    expect(result.findings.find((f) => f.rule === "PC901")).toMatchObject({
      severity: "warning",
      fix: "Do not RUN anything.",
      equivalents: { hadolint: "DL9001, DL9002", trivy: "DS900", cis: "4.9" },
    });
    expect(result.suppressed).toBe(0);
  });

  it("records the sha256 of the bytes and the external base images (build args expanded)", () => {
    const result = lintText(source, { file: "Dockerfile", rules: TEST_RULES });
    expect(result.dockerfileDigest).toBe(sha256(source));
    expect(result.baseImages).toEqual(["alpine:3.20", "gcr.io/distroless/static:nonroot"]);
  });

  it("applies severity overrides and skips rules turned off", () => {
    const result = lintText(source, {
      file: "Dockerfile",
      rules: TEST_RULES,
      config: { approvedBases: [], rules: { PC901: "error", PC902: "off" } },
    });
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ["PC901", "error"],
      ["PC901", "error"],
    ]);
  });

  it("takes a finding's line range from the instruction", () => {
    const result = lintText(text("FROM alpine:3.20", "RUN a \\", "  && b \\", "  && c"), {
      file: "Dockerfile",
      rules: [everyRun],
    });
    expect(result.findings).toMatchObject([{ line: 2, endLine: 4 }]);
  });

  it("sorts by line, then rule", () => {
    const result = lintText(text("FROM alpine:3.20", "RUN a"), {
      file: "Dockerfile",
      rules: [everyRun, everyFrom, { ...everyFrom, id: "PC900" }],
    });
    expect(result.findings.map((f) => `${f.line} ${f.rule}`)).toEqual(["1 PC900", "1 PC902", "2 PC901"]);
  });

  it("turns a rule that throws into an error finding under its id instead of crashing", () => {
    const result = lintText(text("FROM alpine:3.20"), { file: "Dockerfile", rules: [broken, everyFrom] });
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ["PC902", "info"],
      ["PC903", "error"],
    ]);
    expect(result.findings[1]!.message).toMatch(/rule PC903 \(broken\) failed: boom/);
  });

  it("filters findings below a severity, keeping the suppression count", () => {
    const [result] = filterBySeverity(
      [lintText(source, { file: "Dockerfile", rules: TEST_RULES })],
      "warning",
    );
    expect(result!.findings.map((f) => f.rule)).toEqual(["PC901", "PC901"]);
  });
});

describe("PC000: files that cannot be linted", () => {
  const pc000 = (input: string | Uint8Array) => {
    const result = lintText(input, { file: "Dockerfile", rules: TEST_RULES });
    expect(result.findings).toHaveLength(1);
    const finding = result.findings[0]!;
    expect(finding).toMatchObject({ file: "Dockerfile", rule: "PC000", severity: "error", equivalents: {} });
    expect(finding.fix).toMatch(/Fix the syntax/);
    expect(result.dockerfileDigest).toBe(sha256(input));
    expect(result.baseImages).toEqual([]);
    return finding;
  };

  it("reports an unknown instruction at its line", () => {
    const finding = pc000(text("FROM alpine:3.20", "RUN true", "FORM alpine"));
    expect(finding.line).toBe(3);
    expect(finding.message).toMatch(/^line 3: .*FORM/i);
  });

  it("reports an unterminated heredoc", () => {
    const finding = pc000(text("FROM alpine:3.20", "RUN <<EOF", "echo hi", "no end here"));
    expect(finding.line).toBeGreaterThanOrEqual(2);
    expect(finding.message).toMatch(/heredoc|EOF/i);
  });

  it("reports binary content", () => {
    const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
    expect(pc000(bytes)).toMatchObject({
      line: 1,
      message: "not a Dockerfile: binary content (NUL byte at offset 7)",
    });
    expect(pc000(new Uint8Array([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xc3, 0x28])).message).toMatch(
      /not valid UTF-8/,
    );
    expect(pc000("FROM alpine\u0000\n").message).toMatch(/binary content/);
  });
});

describe("lintFiles", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcullis-lint-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lints each file in order, with its digest, and filters by severity", async () => {
    const a = join(dir, "a.Dockerfile");
    const b = join(dir, "b.Dockerfile");
    await writeFile(a, text("\uFEFFFROM alpine:3.20", "RUN a"));
    await writeFile(b, text("FROM debian:12"));
    const results = await lintFiles([a, b], { rules: TEST_RULES });
    expect(results.map((r) => [r.file, r.findings.length])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    expect(results[0]!.dockerfileDigest).toBe(sha256(`\uFEFFFROM alpine:3.20\nRUN a\n`));
    const filtered = await lintFiles([a, b], { rules: TEST_RULES, severity: "warning" });
    expect(filtered.map((r) => r.findings.map((f) => f.rule))).toEqual([["PC901"], []]);
  });

  it("refuses a file over 1 MiB with a PC000 finding, still recording its digest", async () => {
    const big = join(dir, "big.Dockerfile");
    const content = Buffer.alloc(MAX_DOCKERFILE_BYTES + 10, "#");
    await writeFile(big, content);
    const [result] = await lintFiles([big], { rules: TEST_RULES });
    expect(result!.findings).toMatchObject([{ rule: "PC000", severity: "error", line: 1 }]);
    expect(result!.findings[0]!.message).toMatch(/larger than the 1 MiB limit/);
    expect(result!.dockerfileDigest).toBe(sha256(content));
  });

  it("reports a binary file as PC000", async () => {
    const bin = join(dir, "image.png");
    await writeFile(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    const [result] = await lintFiles([bin], { rules: TEST_RULES });
    expect(result!.findings).toMatchObject([{ rule: "PC000", message: expect.stringMatching(/binary/) }]);
  });

  it("throws FILE_UNREADABLE for a missing file or a directory", async () => {
    const missing = join(dir, "nope");
    await expect(lintFiles([missing])).rejects.toThrow(LintError);
    await expect(lintFiles([missing])).rejects.toMatchObject({
      code: "FILE_UNREADABLE",
      message: `cannot read Dockerfile ${missing}: no such file`,
    });
    await expect(lintFiles([dir])).rejects.toMatchObject({ code: "FILE_UNREADABLE" });
  });
});
