import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  attestStatement,
  formatJson,
  formatSarif,
  formatTable,
  IN_TOTO_STATEMENT_TYPE,
  LINT_PREDICATE_TYPE,
  type summarize,
} from "./formats.js";
import { type LintResult, lintText } from "./lint.js";
import { TEST_RULES, text } from "./testing.js";

const BAD = text("FROM alpine:3.20", "# portcullis ignore=PC901", "RUN a", "RUN b \\", "  && c");
const CLEAN = text("FROM alpine:3.20");

function results(): LintResult[] {
  return [
    lintText(BAD, { file: "services/api/Dockerfile", rules: TEST_RULES }),
    lintText(CLEAN, { file: "Dockerfile.clean", rules: [TEST_RULES[0]!] }),
  ];
}

interface SarifLog {
  $schema: string;
  version: string;
  runs: Array<{
    tool: {
      driver: {
        name: string;
        version: string;
        informationUri: string;
        rules: Array<{
          id: string;
          name: string;
          shortDescription: { text: string };
          fullDescription: { text: string };
          help: { text: string };
          defaultConfiguration: { level: string };
          properties: { tags: string[]; equivalents: Record<string, string> };
        }>;
      };
    };
    artifacts: Array<{ location: { uri: string }; hashes: Record<string, string> }>;
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{
        physicalLocation: {
          artifactLocation: { uri: string; index: number };
          region: { startLine: number; endLine: number };
        };
      }>;
    }>;
  }>;
}

describe("formatTable", () => {
  it("lists each file's findings as line, severity, rule, message, then a summary", () => {
    const out = formatTable(results());
    expect(out).toBe(
      [
        "services/api/Dockerfile:",
        "    1  info     PC902  FROM alpine:3.20",
        "  4-5  warning  PC901  RUN at line 4",
        "  (1 suppression without a reason)",
        "Dockerfile.clean: no findings",
        "2 files, 2 findings (0 errors, 1 warning, 1 info, 0 style), 1 suppressed",
        "",
      ].join("\n"),
    );
  });
});

describe("formatJson", () => {
  it("carries file, line, rule, severity, message, fix and equivalents on every finding", () => {
    const doc = JSON.parse(formatJson(results())) as {
      results: Array<{ file: string; findings: Array<Record<string, unknown>>; dockerfileDigest: string }>;
      summary: ReturnType<typeof summarize>;
    };
    expect(doc.results[0]!.findings[1]).toEqual({
      file: "services/api/Dockerfile",
      line: 4,
      endLine: 5,
      rule: "PC901",
      severity: "warning",
      message: "RUN at line 4",
      fix: "Do not RUN anything.",
      equivalents: { hadolint: "DL9001, DL9002", trivy: "DS900", cis: "4.9" },
    });
    expect(doc.results[1]).toMatchObject({ file: "Dockerfile.clean", findings: [], suppressed: 0 });
    expect(doc.results[0]!.dockerfileDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.summary).toEqual({
      files: 2,
      findings: 2,
      bySeverity: { error: 0, warning: 1, info: 1, style: 0 },
      suppressed: 1,
    });
  });
});

describe("formatSarif", () => {
  const sarif = formatSarif(results(), TEST_RULES, { cwd: "/repo" }) as SarifLog;

  it("is a SARIF 2.1.0 log with one run of the portcullis driver", () => {
    expect(sarif.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs).toHaveLength(1);
    const driver = sarif.runs[0]!.tool.driver;
    expect(driver).toMatchObject({ name: "portcullis", version: "0.1.0" });
    expect(driver.informationUri).toMatch(/^https:\/\//);
  });

  it("describes every rule (and PC000) with descriptions, help, level, tags and equivalents", () => {
    const rules = sarif.runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(["PC000", "PC901", "PC902"]);
    expect(rules[1]).toEqual({
      id: "PC901",
      name: "every-run",
      shortDescription: { text: "A test rule." },
      fullDescription: { text: "A test rule. It flags every RUN instruction." },
      help: { text: "Do not RUN anything." },
      defaultConfiguration: { level: "warning" },
      properties: {
        tags: expect.arrayContaining(["dockerfile"]),
        equivalents: { hadolint: "DL9001, DL9002", trivy: "DS900", cis: "4.9" },
      },
    });
    expect(rules[2]!.defaultConfiguration.level).toBe("note");
    expect(rules[0]!.defaultConfiguration.level).toBe("error");
  });

  it("gives each finding a result located by relative path and line range", () => {
    const run = sarif.runs[0]!;
    expect(run.results).toHaveLength(2);
    expect(run.results[1]).toMatchObject({
      ruleId: "PC901",
      ruleIndex: 1,
      level: "warning",
      message: { text: "RUN at line 4" },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: "services/api/Dockerfile", index: 0 },
            region: { startLine: 4, endLine: 5 },
          },
        },
      ],
    });
    expect(run.results[0]!.level).toBe("note");
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
      const region = result.locations[0]!.physicalLocation.region;
      expect(region.startLine).toBeGreaterThanOrEqual(1);
      expect(region.endLine).toBeGreaterThanOrEqual(region.startLine);
    }
    expect(run.artifacts.map((a) => a.location.uri)).toEqual(["services/api/Dockerfile", "Dockerfile.clean"]);
    expect(run.artifacts[0]!.hashes["sha-256"]).toBe(createHash("sha256").update(BAD).digest("hex"));
  });

  it("makes absolute paths relative to the working directory", () => {
    const [result] = results();
    const log = formatSarif([{ ...result!, file: "/repo/a b/Dockerfile" }], TEST_RULES, {
      cwd: "/repo",
    }) as SarifLog;
    expect(log.runs[0]!.artifacts[0]!.location.uri).toBe("a%20b/Dockerfile");
  });
});

describe("attestStatement", () => {
  it("is an in-toto Statement v1 about each Dockerfile by digest", () => {
    const statement = attestStatement(results(), { version: "9.9.9" });
    expect(statement._type).toBe(IN_TOTO_STATEMENT_TYPE);
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.predicateType).toBe(LINT_PREDICATE_TYPE);
    expect(statement.predicateType).toBe("https://portcullis.dev/attestations/dockerfile-lint/v1");
    expect(statement.subject).toEqual([
      { name: "services/api/Dockerfile", digest: { sha256: createHash("sha256").update(BAD).digest("hex") } },
      { name: "Dockerfile.clean", digest: { sha256: createHash("sha256").update(CLEAN).digest("hex") } },
    ]);
    expect(statement.predicate).toMatchObject({
      linter: { name: "portcullis", version: "9.9.9" },
      baseImages: ["alpine:3.20"],
      suppressed: 1,
      clean: false,
    });
    expect(statement.predicate.findings.map((f) => f.rule)).toEqual(["PC902", "PC901"]);
  });

  it("is clean when no findings remain", () => {
    const statement = attestStatement([results()[1]!]);
    expect(statement.predicate).toMatchObject({ findings: [], suppressed: 0, clean: true });
    expect(statement.predicate.linter.version).toBe("0.1.0");
  });
});
