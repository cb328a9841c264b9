/**
 * Issue 12, through the built binary (`npm run build` first): the raw ENOENT, EEXIST and zod-shaped
 * messages a new user met are one line naming the file and the fix, with exit 2 and no stack trace.
 * Every command and file flag is covered in process by src/cli/file-errors.test.ts.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PORTCULLIS_BIN, type RunResult, run, tempDir } from "../support/targets.js";

const dirs: string[] = [];
let work: string;

beforeAll(async () => {
  work = await tempDir("portcullis-file-errors-", dirs);
});
afterAll(async () => {
  const { rm } = await import("node:fs/promises");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function portcullis(args: string[]): Promise<RunResult> {
  return run(process.execPath, [PORTCULLIS_BIN, ...args], {
    cwd: work,
    allowFailure: true,
    env: { PORTCULLIS_PASSWORD: "correct horse battery staple" },
  });
}

function expectOneLine(result: RunResult, ...parts: string[]): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(result.stderr).toContain(part);
}

describe("file errors through the binary (issue 12)", () => {
  it("scan --sbom missing.json names the flag, the file and the fix", async () => {
    const result = await portcullis(["scan", "--skip-db", "-q", "--sbom", "missing.json"]);
    expectOneLine(result, "--sbom missing.json: no such file or folder (check the path)");
  });

  it("scan --sbom of a file that is no SBOM names it and says what to give", async () => {
    await writeFile(join(work, "not-an-sbom.json"), '{"hello": "world"}\n');
    const result = await portcullis(["scan", "--skip-db", "-q", "--sbom", "not-an-sbom.json"]);
    expectOneLine(result, "--sbom not-an-sbom.json: ", "give a CycloneDX 1.4 to 1.6 or SPDX");
  });

  it("keygen onto an existing key refuses, naming it and --output-prefix", async () => {
    await writeFile(join(work, "cosign.key"), "an old key\n");
    const result = await portcullis(["keygen"]);
    expectOneLine(result, "refusing to write cosign.key: it already exists", "--output-prefix");
  });

  it("db import of a file that is not OSV says what is missing and what db import takes", async () => {
    await writeFile(join(work, "not-osv.json"), '{"hello": "world"}\n');
    const result = await portcullis(["db", "import", "-q", "--db", "advisories.db", "not-osv.json"]);
    expectOneLine(result, "not-osv.json", "id: missing", "db import takes OSV JSON records");
    expect(result.stderr).not.toContain("Invalid input");
  });
});
