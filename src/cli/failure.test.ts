import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { PortcullisError } from "../core/index.js";
import { cliFailure, EXIT, fromInputFile } from "./failure.js";
import { UsageError } from "./trust/usage-error.js";

function errno(code: string, path: string, syscall = "open"): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), { code, path, syscall });
}

describe("cliFailure: one line and one exit code per kind of error (issue 12)", () => {
  it("maps usage and input errors to 2, findings and other failures to 1", () => {
    expect(cliFailure(new UsageError("bad flag")).exitCode).toBe(EXIT.usage);
    expect(cliFailure(new CommanderError(1, "commander.missingArgument", "x")).exitCode).toBe(EXIT.usage);
    expect(cliFailure(new CommanderError(0, "commander.helpDisplayed", "x")).exitCode).toBe(EXIT.ok);
    expect(cliFailure(new PortcullisError("POLICY_INVALID", "p.yaml:3: bad")).exitCode).toBe(EXIT.usage);
    expect(cliFailure(new PortcullisError("REGISTRY_UNREACHABLE", "down")).exitCode).toBe(EXIT.findings);
    expect(cliFailure(new Error("boom")).exitCode).toBe(EXIT.findings);
  });

  it("says another garbage collection is running and exits 1 (gc: one at a time, issue 16)", () => {
    const busy = new PortcullisError(
      "GC_RUNNING",
      "another garbage collection is running; try again when it ends",
    );
    expect(cliFailure(busy)).toEqual({
      message: "another garbage collection is running; try again when it ends",
      exitCode: EXIT.findings,
    });
  });

  it("names the file and the fix for a permission error (chmod 000 does not stop root, so it is built here)", () => {
    const failure = cliFailure(errno("EACCES", "/etc/secret.key"));
    expect(failure).toEqual({
      message: "/etc/secret.key: permission denied (check its permissions and those of its folders)",
      exitCode: 2,
    });
  });

  it("says which folder is missing when a file's folder does not exist", () => {
    expect(cliFailure(errno("ENOENT", "/no/such/folder/out.json")).message).toBe(
      "/no/such/folder/out.json: the folder /no/such/folder does not exist (check the path, or create the folder)",
    );
    expect(cliFailure(errno("ENOENT", "missing.json")).message).toBe(
      "missing.json: no such file or folder (check the path)",
    );
  });

  it("rewrites Node's errno text and zod's phrasing inside messages written elsewhere", () => {
    const config = new PortcullisError(
      "CONFIG_INVALID",
      "cannot read config file c.yaml: ENOENT: no such file or directory, open 'c.yaml'",
    );
    expect(cliFailure(config).message).toBe(
      "cannot read config file c.yaml: no such file or folder (check the path)",
    );
    expect(
      cliFailure(new PortcullisError("POLICY_INVALID", "p.yaml: cannot read policy file: EISDIR")).message,
    ).toBe("p.yaml: cannot read policy file: is a folder, not a file (name the file inside it)");
    const osv = new PortcullisError(
      "ADVISORY_INVALID",
      "bad.json: id: Invalid input: expected string, received undefined (import rolled back, the database is unchanged)",
    );
    expect(cliFailure(osv)).toEqual({
      message:
        "bad.json: id: missing (expected string) (import rolled back, the database is unchanged); " +
        "db import takes OSV JSON records, folders of them, or OSV's all.zip archives",
      exitCode: 2,
    });
  });

  it("keeps the first line of a multi-line message (a YAML error's code frame)", () => {
    const yaml = new PortcullisError("CONFIG_INVALID", "c.yaml: invalid YAML at line 2:\n\n{ not\n^\n");
    expect(cliFailure(yaml).message).toBe("c.yaml: invalid YAML at line 2:");
  });

  it("fromInputFile names the flag and the file for read and parse failures, and lets bugs through", () => {
    const parseFailure = () =>
      fromInputFile("--sbom", "x.json", () => {
        throw new PortcullisError("SBOM_INVALID", "not valid JSON");
      });
    expect(parseFailure).toThrow(UsageError);
    expect(parseFailure).toThrow(/^--sbom x\.json: not valid JSON; give a CycloneDX or SPDX JSON SBOM/);
    const bug = new TypeError("undefined is not a function");
    expect(() =>
      fromInputFile("--sbom", "x.json", () => {
        throw bug;
      }),
    ).toThrow(bug);
  });
});
