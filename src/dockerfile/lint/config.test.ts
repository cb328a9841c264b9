import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../../test/support/errors.js";
import { DEFAULT_LINT_CONFIG, loadLintConfig, normalizeImageName, parseLintConfig } from "./config.js";
import { LintError } from "./errors.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const IDS = ["PC101", "PC104", "PC119"];

function errorOf(text: string, file = "lint.yaml"): LintError {
  const err = thrownBy(LintError, () => parseLintConfig(text, file, IDS));
  expect(err.code).toBe("CONFIG_INVALID");
  return err;
}

describe("lint config", () => {
  it("loads approved bases (names normalised as docker does) and rule overrides", () => {
    const config = parseLintConfig(
      [
        "approvedBases:",
        "  - name: debian",
        '    tags: ["12*", "bookworm*"]',
        `    digests: ["${DIGEST}"]`,
        "  - name: ghcr.io/acme/base",
        "  - name: library/alpine",
        "rules:",
        "  PC119: off",
        "  pc101: error",
      ].join("\n"),
      "lint.yaml",
      IDS,
    );
    expect(config).toEqual({
      approvedBases: [
        { name: "docker.io/library/debian", tags: ["12*", "bookworm*"], digests: [DIGEST] },
        { name: "ghcr.io/acme/base" },
        { name: "docker.io/library/alpine" },
      ],
      rules: { PC119: "off", PC101: "error" },
    });
  });

  it("loads a label schema and strictLabels, refusing unknown label types", () => {
    const config = parseLintConfig(
      "labelSchema:\n  org.opencontainers.image.source: url\n  version: semver\nstrictLabels: true\n",
      "lint.yaml",
      IDS,
    );
    expect(config).toMatchObject({
      labelSchema: { "org.opencontainers.image.source": "url", version: "semver" },
      strictLabels: true,
    });
    expect(() => parseLintConfig("labelSchema:\n  version: number\n", "lint.yaml", IDS)).toThrow(
      /lint\.yaml: labelSchema\.version: expected one of text, url, rfc3339, spdx, hash, semver, email/,
    );
  });

  it("defaults to no approved bases and no overrides for an empty file", () => {
    expect(parseLintConfig("", "lint.yaml", IDS)).toEqual(DEFAULT_LINT_CONFIG);
    expect(DEFAULT_LINT_CONFIG).toEqual({ approvedBases: [], rules: {} });
  });

  it("normalises image names like docker", () => {
    expect(normalizeImageName("debian")).toBe("docker.io/library/debian");
    expect(normalizeImageName("docker.io/library/debian")).toBe("docker.io/library/debian");
    expect(normalizeImageName("index.docker.io/library/debian")).toBe("docker.io/library/debian");
    expect(normalizeImageName("bitnami/redis")).toBe("docker.io/bitnami/redis");
    expect(normalizeImageName("localhost:5000/app")).toBe("localhost:5000/app");
    expect(() => normalizeImageName("debian:12")).toThrow(/without tag or digest/);
  });

  it("names the file and key path of a wrong type", () => {
    const text = [
      "approvedBases:",
      "  - name: debian",
      "  - name: alpine",
      "  - name: ubuntu",
      "    tags: 24.04",
    ].join("\n");
    expect(errorOf(text).message).toBe("lint.yaml: approvedBases[2].tags: expected an array of strings");
    expect(errorOf("approvedBases:\n  - name: debian\n    tags: [12, 13]\n").message).toBe(
      "lint.yaml: approvedBases[0].tags: expected an array of strings",
    );
  });

  it("refuses bad digests, missing names, tagged names and unknown keys by key path", () => {
    expect(errorOf('approvedBases:\n  - name: debian\n    digests: ["sha256:beef"]\n').message).toMatch(
      /^lint\.yaml: approvedBases\[0\]\.digests: expected digests of the form sha256:/,
    );
    expect(errorOf("approvedBases:\n  - tags: [a]\n").message).toMatch(
      /^lint\.yaml: approvedBases\[0\]\.name: /,
    );
    expect(errorOf("approvedBases:\n  - name: debian:12\n").message).toMatch(
      /^lint\.yaml: approvedBases\[0\]\.name: "debian:12": must be a repository name without tag or digest/,
    );
    expect(errorOf("approvedBases:\n  - name: debian\n    tag: [a]\n").message).toMatch(
      /^lint\.yaml: approvedBases\[0\]\.tag: unknown key/,
    );
    expect(errorOf("approvedbases: []\n").message).toMatch(/^lint\.yaml: approvedbases: unknown key/);
    expect(errorOf("approvedBases: debian\n").message).toBe(
      "lint.yaml: approvedBases: expected a list of approved base images",
    );
    expect(errorOf("- a\n- b\n").message).toMatch(/^lint\.yaml: expected a mapping/);
  });

  it("refuses unknown severities and unknown rule ids, naming them", () => {
    expect(errorOf("rules:\n  PC101: fatal\n").message).toBe(
      "lint.yaml: rules.PC101: expected one of error, warning, info, style, off",
    );
    const err = errorOf("rules:\n  PC101: error\n  PC999: off\n  DL3008: off\n");
    expect(err.message).toMatch(
      /^lint\.yaml: rules: unknown rule ids PC999, DL3008 \(known: PC101, PC104, PC119\)$/,
    );
  });

  it("reports invalid YAML and unreadable files with the file name", async () => {
    expect(errorOf("rules: [unclosed\n", "ci/lint.yaml").message).toMatch(/^ci\/lint\.yaml: invalid YAML: /);
    const dir = await mkdtemp(join(tmpdir(), "portcullis-lint-config-"));
    try {
      const file = join(dir, "lint.yaml");
      expect(() => loadLintConfig(file, IDS)).toThrow(`cannot read lint config file ${file}`);
      await writeFile(file, "rules:\n  PC104: warning\n");
      expect(loadLintConfig(file, IDS)).toEqual({ approvedBases: [], rules: { PC104: "warning" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
