import { describe, expect, it } from "vitest";
import { RULES } from "../rules/index.js";
import { parseCheckDirective } from "./check-directive.js";
import { lintText } from "./lint.js";

const lint = (source: string) => lintText(source, { file: "Dockerfile" });
const rulesOf = (source: string) => [...new Set(lint(source).findings.map((f) => f.rule))].sort();

/** Trips PC121 (JSONArgsRecommended), PC123 (MaintainerDeprecated) and PC104 (no BuildKit check). */
const body = [`FROM alpine:3.20@sha256:${"a".repeat(64)}`, "MAINTAINER someone", 'CMD echo "hi"'];

describe("parseCheckDirective", () => {
  it.each([
    [
      "skip=JSONArgsRecommended,StageNameCasing",
      { skip: ["JSONArgsRecommended", "StageNameCasing"], skipAll: false, error: false },
    ],
    ["skip=all;error=true", { skip: ["all"], skipAll: true, error: true }],
    [" error = true ; skip = DL3025 ", { skip: ["DL3025"], skipAll: false, error: true }],
    ["error=false", { skip: [], skipAll: false, error: false }],
    ["garbage", { skip: [], skipAll: false, error: false }],
  ])("%s", (value, expected) => {
    expect(parseCheckDirective(value)).toMatchObject(expected);
  });
});

describe("# check= directive", () => {
  it("lints everything without it", () => {
    expect(rulesOf(body.join("\n"))).toEqual(expect.arrayContaining(["PC104", "PC121", "PC123"]));
  });

  it("skips by BuildKit name, by our id and by hadolint id, recording a file-wide suppression", () => {
    const result = lint(["# check=skip=JSONArgsRecommended,PC104,DL4000,NoSuchCheck", ...body].join("\n"));
    const rules = result.findings.map((f) => f.rule);
    expect(rules).not.toContain("PC121");
    expect(rules).not.toContain("PC104");
    expect(rules).not.toContain("PC123");
    expect(result.suppressions[0]).toMatchObject({
      line: 1,
      source: "buildkit",
      scope: "file",
      unknown: ["NoSuchCheck"],
      reason: null,
    });
    expect([...(result.suppressions[0]?.rules ?? [])].sort()).toEqual(["PC104", "PC121", "PC123"]);
  });

  it("compares BuildKit names case-sensitively, as BuildKit does", () => {
    expect(rulesOf(["# check=skip=jsonargsrecommended", ...body].join("\n"))).toContain("PC121");
  });

  it("skip=all skips only the rules BuildKit has checks for", () => {
    const rules = rulesOf(["# check=skip=all", ...body].join("\n"));
    expect(rules).not.toContain("PC121");
    expect(rules).not.toContain("PC123");
    expect(rules).toContain("PC104");
  });

  it("error=true raises the BuildKit-equivalent findings to errors", () => {
    const findings = lint(["# check=error=true", ...body].join("\n")).findings;
    expect(findings.find((f) => f.rule === "PC121")?.severity).toBe("error");
    expect(findings.find((f) => f.rule === "PC104")?.severity).toBe(
      RULES.find((r) => r.id === "PC104")?.severity,
    );
  });

  it("is only a directive at the top of the file", () => {
    expect(rulesOf([...body, "# check=skip=JSONArgsRecommended"].join("\n"))).toContain("PC121");
  });
});
