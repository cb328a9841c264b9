import { describe, expect, it } from "vitest";
import { lintText } from "./lint.js";
import { TEST_RULES, text } from "./testing.js";

const lint = (source: string) => lintText(source, { file: "Dockerfile", rules: TEST_RULES });

describe("inline suppressions", () => {
  it("suppresses the listed rules for the instruction directly below, and records the reason", () => {
    const result = lint(
      text(
        "FROM alpine:3.20",
        "# portcullis ignore=PC901,PC902 installer is vendored and verified",
        "RUN ./install.sh",
        "RUN ./other.sh",
      ),
    );
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ["PC902", 1],
      ["PC901", 4],
    ]);
    expect(result.suppressed).toBe(1);
    expect(result.suppressions).toEqual([
      {
        line: 2,
        source: "portcullis",
        scope: "instruction",
        rules: ["PC901", "PC902"],
        unknown: [],
        reason: "installer is vendored and verified",
        instructionLine: 3,
        suppressed: 1,
      },
    ]);
  });

  it("honours a suppression without a reason but records that it has none", () => {
    const result = lint(text("FROM alpine:3.20", "# portcullis ignore=PC901", "RUN true"));
    expect(result.findings.map((f) => f.rule)).toEqual(["PC902"]);
    expect(result.suppressed).toBe(1);
    expect(result.suppressions[0]).toMatchObject({ reason: null, suppressed: 1 });
  });

  it("applies to a stack of comment lines directly above, but not across a blank line or another instruction", () => {
    const result = lint(
      text(
        "FROM alpine:3.20",
        "# portcullis ignore=PC901 -- first reason",
        "# a plain comment",
        "RUN a \\",
        "  && b",
        "# portcullis ignore=PC901 not adjacent",
        "",
        "RUN c",
        "# portcullis ignore=PC901 belongs to the RUN d",
        "RUN d",
        "RUN e",
      ),
    );
    expect(result.findings.filter((f) => f.rule === "PC901").map((f) => f.line)).toEqual([8, 11]);
    expect(result.suppressed).toBe(2);
    expect(result.suppressions.map((s) => [s.line, s.reason])).toEqual([
      [2, "first reason"],
      [9, "belongs to the RUN d"],
    ]);
  });

  it("maps hadolint ignore comments through the rules' hadolint equivalents", () => {
    const result = lint(
      text(
        "# hadolint ignore=DL3003",
        "FROM alpine:3.20",
        "# hadolint ignore=DL9002,SC2086",
        "RUN ./install.sh",
        "# hadolint ignore=DL9003",
        "RUN ./other.sh",
      ),
    );
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ["PC902", 2],
      ["PC901", 6],
    ]);
    expect(result.suppressions.map((s) => [s.source, s.rules, s.unknown])).toEqual([
      ["hadolint", [], ["DL3003"]],
      ["hadolint", ["PC901"], ["SC2086"]],
      ["hadolint", ["PC902"], []],
    ]);
  });

  it("suppresses a rule for the whole file from a comment before the first instruction", () => {
    const result = lint(
      text(
        "# syntax=docker/dockerfile:1",
        "# portcullis ignore-file=PC901 build scripts are reviewed separately",
        "FROM alpine:3.20",
        "RUN a",
        "RUN b",
        "# portcullis ignore-file=PC902 too late: after the first instruction",
        "FROM alpine:3.20",
      ),
    );
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ["PC902", 3],
      ["PC902", 7],
    ]);
    expect(result.suppressed).toBe(2);
    expect(result.suppressions).toHaveLength(1);
    expect(result.suppressions[0]).toMatchObject({ scope: "file", rules: ["PC901"], suppressed: 2 });
  });

  it("honours hadolint's global ignore as file-wide", () => {
    const result = lint(text("# hadolint global ignore=DL9001", "FROM alpine:3.20", "RUN a", "RUN b"));
    expect(result.findings.map((f) => f.rule)).toEqual(["PC902"]);
    expect(result.suppressed).toBe(2);
  });

  it("records unknown ids and ignores comments that are not suppressions", () => {
    const result = lint(
      text(
        "FROM alpine:3.20",
        "# portcullis ignore=PC999,pc901 lower-case ids work",
        "# ignore=PC901",
        "RUN a",
      ),
    );
    expect(result.findings.map((f) => f.rule)).toEqual(["PC902"]);
    expect(result.suppressions).toMatchObject([{ rules: ["PC901"], unknown: ["PC999"] }]);
  });
});
