/** PC150 label-schema (hadolint DL3049–DL3058) and its value validators. */
import { describe, expect, it } from "vitest";
import { Environments } from "../env.js";
import { parseDockerfile } from "../parser/index.js";
import { buildStages } from "../stages.js";
import { isValidLabelValue } from "./label-values.js";
import { pc150 } from "./pc150-label-schema.js";
import { df } from "./testing.js";
import type { Finding, LabelType, Rule } from "./types.js";

function lint(
  rule: Rule,
  text: string,
  labelSchema: Record<string, LabelType>,
  strictLabels = false,
): Finding[] {
  const dockerfile = parseDockerfile(text);
  const stages = buildStages(dockerfile);
  const environments = new Environments(dockerfile, stages);
  const findings: Finding[] = [];
  rule.check({
    file: "Dockerfile",
    dockerfile,
    stages,
    config: { approvedBases: [], rules: {}, labelSchema, strictLabels },
    envAt: (i) => environments.at(i),
    report: (at, message) =>
      findings.push({
        rule: rule.id,
        severity: rule.severity,
        line: at.range.startLine,
        endLine: at.range.endLine,
        message,
      }),
  });
  return findings;
}

const SCHEMA: Record<string, LabelType> = {
  "org.opencontainers.image.source": "url",
  "org.opencontainers.image.version": "semver",
  "org.opencontainers.image.revision": "hash",
  "org.opencontainers.image.licenses": "spdx",
  "org.opencontainers.image.created": "rfc3339",
  "org.opencontainers.image.authors": "email",
  "org.opencontainers.image.title": "text",
};

const GOOD = df(
  "FROM alpine:3.20 AS base",
  "LABEL org.opencontainers.image.source=https://example.com/app \\",
  '      org.opencontainers.image.licenses="Apache-2.0 OR MIT"',
  "FROM base",
  "ARG VERSION=1.4.2",
  "LABEL org.opencontainers.image.version=$VERSION org.opencontainers.image.revision=0a1b2c3",
  "LABEL org.opencontainers.image.created=2024-05-01T12:00:00Z org.opencontainers.image.authors=team@example.com",
  'LABEL "org.opencontainers.image.title"="My app"',
);

describe("PC150 label-schema", () => {
  it("accepts a final image with every label valid (labels from the parent stage count)", () => {
    expect(lint(pc150, GOOD, SCHEMA)).toEqual([]);
  });

  it("does nothing without a schema", () => {
    expect(lint(pc150, df("FROM a:1", "LABEL version=x"), {})).toEqual([]);
  });

  it("reports missing, empty and malformed labels with hadolint's ids", () => {
    const text = df(
      "FROM alpine:3.20",
      'LABEL org.opencontainers.image.source="not a url" org.opencontainers.image.version=""',
      "LABEL org.opencontainers.image.licenses=GPL-9.0 org.opencontainers.image.revision=xyz",
      "LABEL org.opencontainers.image.created=yesterday org.opencontainers.image.authors=nobody",
    );
    const messages = lint(pc150, text, SCHEMA).map((f) => `${f.line} ${/\((DL\d+)\)/.exec(f.message)?.[1]}`);
    expect(messages.sort()).toEqual(
      ["1 DL3049", "2 DL3052", "2 DL3051", "3 DL3054", "3 DL3055", "4 DL3053", "4 DL3058"].sort(),
    );
  });

  it("reports labels outside the schema with strictLabels", () => {
    const text = df("FROM a:1", "LABEL maintainer=x org.opencontainers.image.title=t");
    const findings = lint(pc150, text, { "org.opencontainers.image.title": "text" }, true);
    expect(findings.map((f) => f.message)).toEqual([
      'label "maintainer" is not in the label schema (DL3050)',
    ]);
  });

  it("skips values from unknown build args", () => {
    const text = df("FROM a:1", "ARG V", "LABEL org.opencontainers.image.version=$V");
    expect(lint(pc150, text, { "org.opencontainers.image.version": "semver" })).toEqual([]);
  });
});

describe("label value types", () => {
  it.each([
    ["url", "https://github.com/o/r", true],
    ["url", "github.com/o/r", false],
    ["rfc3339", "2024-02-29T23:59:59.5+01:00", true],
    ["rfc3339", "2024-13-01T00:00:00Z", false],
    ["spdx", "(MIT OR Apache-2.0) AND BSD-3-Clause", true],
    ["spdx", "GPL-2.0-only WITH Classpath-exception-2.0", true],
    ["spdx", "LicenseRef-Proprietary", true],
    ["spdx", "MIT OR", false],
    // One grammar with the SBOM writer (core/spdx): an unbalanced parenthesis is not an expression.
    ["spdx", "(MIT", false],
    ["spdx", "mit", true],
    ["hash", "0123456789abcdef0123456789abcdef01234567", true],
    ["hash", "HEAD", false],
    ["semver", "1.2.3-rc.1+build.5", true],
    ["semver", "1.2", false],
    ["email", "a.b@example.org", true],
    ["email", "a b@example", false],
  ] as const)("%s %s → %s", (type, value, ok) => {
    expect(isValidLabelValue(type, value)).toBe(ok);
  });
});
