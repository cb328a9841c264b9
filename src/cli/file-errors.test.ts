/**
 * Issue 12 ("Reports and errors that read well"): every command that takes a file, tried with a
 * missing file, an unreadable one and a malformed one, exits 2 with one line naming the file and
 * no stack trace. The flags and arguments are found by walking the command tree (createProgram), so a
 * new command or file flag fails the first test until it says here how to reach its file.
 *
 * "Unreadable" is a folder where a file is expected (and a file where a folder is expected): tests
 * may run as root, for whom chmod 000 does not stop a read; a folder cannot be read as a file by
 * anyone, and needs no FIFO (which could hang a read). EACCES itself is mapped in failure.test.ts.
 */
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { beforeEach, describe, expect, it } from "vitest";
import { createProgram, main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-file-errors-");

type Case = "missing" | "unreadable" | "malformed";

/** How to reach one file input: argv with FILE where the file goes (fixtures under F/). */
interface FileInput {
  readonly argv: readonly string[];
  /** Cases that do not apply, with why (a malformed Dockerfile is a lint finding, not an input error). */
  readonly skip?: Partial<Record<Case, string>>;
  /** A folder input: "unreadable" is a file in its place. */
  readonly folder?: boolean;
  /** An output file: "missing" is a missing folder above it; "malformed" does not apply. */
  readonly output?: boolean;
}

/** A flag that names a path the command does not read as input, with why it is left out. */
interface NotAnInput {
  readonly notAnInput: string;
}

const IMAGE = `127.0.0.1:1/app@sha256:${"a".repeat(64)}`;
const KEYLESS = ["--certificate-identity", "me@example.com", "--certificate-oidc-issuer", "https://issuer"];

/** Keyed by command path and flag (or <argument>). */
const INPUTS: Record<string, FileInput | NotAnInput> = {
  "serve --config": { argv: ["serve", "--listen", "127.0.0.1:0", "--config", "FILE"] },
  "serve --data": { notAnInput: "created when missing" },
  "serve --tls-cert": {
    argv: ["serve", "--listen", "127.0.0.1:0", "--tls-key", "F/tls.key", "--tls-cert", "FILE"],
  },
  "serve --tls-key": {
    argv: ["serve", "--listen", "127.0.0.1:0", "--tls-cert", "F/tls.crt", "--tls-key", "FILE"],
  },
  "serve --trusted-root": { argv: ["serve", "--listen", "127.0.0.1:0", "--trusted-root", "FILE"] },
  "gc --config": { argv: ["gc", "--data", "F/data", "--config", "FILE"] },
  "gc --data": { notAnInput: "created when missing" },
  "lint <dockerfile>": {
    argv: ["lint", "FILE"],
    skip: { malformed: "a Dockerfile BuildKit refuses is a PC000 finding (exit 1), not an input error" },
  },
  "lint --config": { argv: ["lint", "--config", "FILE", "F/Dockerfile"] },
  "sbom --config": { argv: ["sbom", "dir:F/rootfs", "-q", "--config", "FILE"] },
  "sbom --data": { notAnInput: "created when missing" },
  "sbom --output": { argv: ["sbom", "dir:F/rootfs", "-q", "--output", "FILE"], output: true },
  "scan --sbom": { argv: ["scan", "--skip-db", "-q", "--sbom", "FILE"] },
  "scan --vex": { argv: ["scan", "--skip-db", "-q", "--sbom", "F/sbom.json", "--vex", "FILE"] },
  "scan --standards": { argv: ["scan", "--skip-db", "-q", "--sbom", "F/sbom.json", "--standards", "FILE"] },
  "scan --db": { argv: ["scan", "-q", "--sbom", "F/sbom.json", "--db", "FILE"] },
  "scan --config": { argv: ["scan", "--skip-db", "-q", "--sbom", "F/sbom.json", "--config", "FILE"] },
  "scan --data": { notAnInput: "created when missing" },
  "db import <path>": {
    argv: ["db", "import", "-q", "--db", "F/new.db", "FILE"],
    skip: { unreadable: "a folder is a valid input (a folder of OSV files)" },
  },
  "db import --db": {
    argv: ["db", "import", "-q", "--db", "FILE", "F/osv.json"],
    skip: { missing: "created when missing" },
  },
  "db import --config": { argv: ["db", "import", "-q", "--config", "FILE", "F/osv.json"] },
  "db import --data": { notAnInput: "created when missing" },
  "db update --db": {
    argv: ["db", "update", "-q", "--db", "FILE"],
    skip: { missing: "created when missing (then the download needs the network)" },
  },
  "db update --config": { argv: ["db", "update", "-q", "--config", "FILE"] },
  "db update --data": { notAnInput: "created when missing" },
  "db status --db": { argv: ["db", "status", "--db", "FILE"] },
  "db status --config": { argv: ["db", "status", "--config", "FILE"] },
  "db status --data": { notAnInput: "created when missing" },
  "sign --key": { argv: ["sign", IMAGE, "--key", "FILE"] },
  "verify --key": { argv: ["verify", IMAGE, "--key", "FILE"] },
  "verify --trusted-root": { argv: ["verify", IMAGE, ...KEYLESS, "--trusted-root", "FILE"] },
  "verify --policy": { argv: ["verify", IMAGE, "--scan", "none", "--policy", "FILE"] },
  "verify --db": {
    argv: ["verify", IMAGE, "--policy", "F/scan-policy.yaml", "--scan", "local", "--db", "FILE"],
  },
  "verify --config": { argv: ["verify", IMAGE, "--policy", "F/policy.yaml", "--config", "FILE"] },
  "verify --data": { notAnInput: "created when missing" },
  "attest --predicate": {
    argv: ["attest", IMAGE, "--type", "slsaprovenance", "--key", "F/key.pem", "--predicate", "FILE"],
  },
  "attest --key": {
    argv: ["attest", IMAGE, "--type", "slsaprovenance", "--predicate", "F/predicate.json", "--key", "FILE"],
  },
  "approve --key": { argv: ["approve", IMAGE, "--approver", "me", "--reason", "ok", "--key", "FILE"] },
  "verify-attestation --key": {
    argv: ["verify-attestation", IMAGE, "--type", "slsaprovenance", "--key", "FILE"],
  },
  "verify-attestation --trusted-root": {
    argv: ["verify-attestation", IMAGE, "--type", "slsaprovenance", ...KEYLESS, "--trusted-root", "FILE"],
  },
  "attestations --key": { argv: ["attestations", IMAGE, "--key", "FILE"] },
  "attestations --trusted-root": { argv: ["attestations", IMAGE, ...KEYLESS, "--trusted-root", "FILE"] },
  "provenance --dockerfile": { argv: [...provenanceArgv("--dockerfile"), "--dockerfile", "FILE"] },
  "provenance --context": { notAnInput: "recorded in the provenance as given, never read" },
  "provenance --output": { argv: [...provenanceArgv(), "--output", "FILE"], output: true },
  "provenance --key": { argv: [...provenanceArgv(), "--key", "FILE"] },
  "verify-provenance --key": { argv: ["verify-provenance", IMAGE, "--key", "FILE"] },
  "verify-provenance --trusted-root": {
    argv: ["verify-provenance", IMAGE, ...KEYLESS, "--trusted-root", "FILE"],
  },
  "verify-provenance --dockerfile": {
    argv: ["verify-provenance", IMAGE, "--key", "F/pub.pem", "--dockerfile", "FILE"],
    skip: { malformed: "compared byte for byte with the one the provenance names, never parsed" },
  },
  "policy check <file>": { argv: ["policy", "check", "FILE"] },
  "policy test <file>": { argv: ["policy", "test", "FILE", "--cases", "F/cases"] },
  "policy test --cases": {
    argv: ["policy", "test", "F/policy.yaml", "--cases", "FILE"],
    folder: true,
  },
  "admission serve --config": { argv: [...serveArgv(), "--config", "FILE"] },
  "admission serve --data": { notAnInput: "created when missing" },
  "admission serve --policy": { argv: [...serveArgv("--policy"), "--policy", "FILE"] },
  "admission serve --tls-cert": { argv: [...serveArgv("--tls-cert"), "--tls-cert", "FILE"] },
  "admission serve --tls-key": { argv: [...serveArgv("--tls-key"), "--tls-key", "FILE"] },
  "admission serve --docker-config": { argv: [...serveArgv(), "--docker-config", "FILE"] },
  "admission serve --trusted-root": { argv: [...serveArgv(), "--trusted-root", "FILE"] },
  "admission serve --client-ca": { argv: [...serveArgv(), "--client-ca", "FILE"] },
  "admission serve --token-file": {
    argv: [...serveArgv(), "--token-file", "FILE"],
    skip: { malformed: "any first line is a token (an empty file is refused: admission-setup tests)" },
  },
  "admission install --ca-bundle": { argv: [...installArgv("--ca-bundle"), "--ca-bundle", "FILE"] },
  "admission install --api-server-config": { notAnInput: "an output folder, created when missing" },
  "admission install --client-cert": {
    argv: [...installArgv(), "--client-key", "F/tls.key", "--client-cert", "FILE"],
  },
  "admission install --client-key": {
    argv: [...installArgv(), "--client-cert", "F/cert.pem", "--client-key", "FILE"],
  },
  "admission install --token-file": {
    argv: [...installArgv(), "--token-file", "FILE"],
    skip: { malformed: "any first line is a token (an empty file is refused: admission-setup tests)" },
  },
  "admission install --kubeconfig-path": { notAnInput: "a path on the API server's host, written into YAML" },
  "admission certs --dir": { notAnInput: "an output folder, created when missing" },
  "audit decisions --checkpoints": {
    argv: ["audit", "decisions", "--data", "F/data", "--checkpoints", "FILE"],
  },
  "audit decisions --config": { argv: ["audit", "decisions", "--config", "FILE"] },
  "audit decisions --data": { notAnInput: "created when missing" },
  "audit checkpoint --config": { argv: ["audit", "checkpoint", "--config", "FILE"] },
  "audit checkpoint --data": { notAnInput: "created when missing" },
  "audit checkpoint --out": { notAnInput: "an output file, written" },
  "audit verify --checkpoint": {
    argv: ["audit", "verify", "--data", "F/data", "--checkpoint", "FILE"],
    skip: { malformed: "text that is not a signed note is refused with exit 2 (audit-record.test.ts)" },
  },
  "audit verify --config": { argv: ["audit", "verify", "--config", "FILE"] },
  "audit verify --data": { notAnInput: "created when missing" },
  "audit export --config": { argv: ["audit", "export", "--config", "FILE"] },
  "audit export --data": { notAnInput: "created when missing" },
  "audit export --out": { notAnInput: "an output file, written" },
  "audit prune --config": { argv: ["audit", "prune", "--config", "FILE"] },
  "audit prune --data": { notAnInput: "created when missing" },
  "audit timeline --config": {
    argv: [
      "audit",
      "timeline",
      "sha256:0000000000000000000000000000000000000000000000000000000000000000",
      "--config",
      "FILE",
    ],
  },
  "audit timeline --data": { notAnInput: "created when missing" },
  "admin init --config": { argv: ["admin", "init", "--config", "FILE"] },
  "admin init --data": { notAnInput: "created when missing" },
  "project retention set --file": {
    argv: ["project", "retention", "set", "team", "--server", "http://127.0.0.1:1", "--file", "FILE"],
    skip: {
      malformed: "YAML that is not retention rules is refused by the server, whose 400 names the rule",
    },
  },
  "admin reset-password --config": { argv: ["admin", "reset-password", "someone", "--config", "FILE"] },
  "admin reset-password --data": { notAnInput: "created when missing" },
};

/**
 * A command's argv with every file it needs valid (fixtures under F/), less the flags in `without`:
 * the file under test is appended after it, and a repeated flag's last value wins anyway.
 */
function argvWith(command: readonly string[], files: Record<string, string>, without: readonly string[]) {
  return [
    ...command,
    ...Object.entries(files).flatMap(([flag, file]) => (without.includes(flag) ? [] : [flag, file])),
  ];
}

function serveArgv(...without: string[]): string[] {
  const files = { "--policy": "F/policy.yaml", "--tls-cert": "F/tls.crt", "--tls-key": "F/tls.key" };
  return argvWith(["admission", "serve", "--listen", "127.0.0.1:0"], files, without);
}

function installArgv(...without: string[]): string[] {
  const files = { "--ca-bundle": "F/cert.pem", "--api-server-config": "F/out" };
  return argvWith(["admission", "install", "--service", "s", "--namespace", "n"], files, without);
}

function provenanceArgv(...without: string[]): string[] {
  const command = ["provenance", "--image", IMAGE, "--context", ".", "--builder-id", "https://b"];
  return argvWith(command, { "--dockerfile": "F/Dockerfile" }, without);
}

/** A placeholder that names a path: <file>, <dir>, <path>, <dockerfile>, with or without `...`. */
const PATH_PLACEHOLDER = /^(file|dir|path|dockerfile)$/;

/** Every leaf command's flags and arguments that name a path, as "command path --flag" or "<arg>". */
function pathInputs(program: Command): string[] {
  const found: string[] = [];
  const walk = (command: Command, prefix: string[]) => {
    for (const sub of command.commands) {
      const path = [...prefix, sub.name()];
      if (sub.commands.length > 0) {
        walk(sub, path);
        continue;
      }
      for (const option of sub.options) {
        const placeholder = /<([^>.]+)(\.\.\.)?>/.exec(option.flags)?.[1];
        if (placeholder !== undefined && PATH_PLACEHOLDER.test(placeholder))
          found.push(`${path.join(" ")} ${option.long}`);
      }
      for (const argument of sub.registeredArguments) {
        if (PATH_PLACEHOLDER.test(argument.name())) found.push(`${path.join(" ")} <${argument.name()}>`);
      }
    }
  };
  walk(program, []);
  return found;
}

const MALFORMED = "{ not: [valid\n";

function fixtures(dir: string): void {
  const f = (name: string) => join(dir, "F", name);
  mkdirSync(f("rootfs"), { recursive: true });
  mkdirSync(f("cases"));
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileSync(f("key.pem"), ec.privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(f("pub.pem"), ec.publicKey.export({ type: "spki", format: "pem" }));
  // A serving pair: the key must be the certificate's (admission serve checks that before anything else).
  copyFileSync(join(import.meta.dirname, "../server/testdata/tls/localhost.key"), f("tls.key"));
  copyFileSync(join(import.meta.dirname, "../server/testdata/tls/localhost.crt"), f("tls.crt"));
  copyFileSync(join(import.meta.dirname, "../trust/testdata/weak-rsa/ca.pem"), f("cert.pem"));
  copyFileSync(join(import.meta.dirname, "../vuln/testdata/osv/GO-2021-0067.json"), f("osv.json"));
  copyFileSync(
    join(import.meta.dirname, "../sbom/formats/cyclonedx/testdata/sample.cdx.json"),
    f("sbom.json"),
  );
  writeFileSync(f("predicate.json"), "{}\n");
  writeFileSync(f("Dockerfile"), "FROM scratch\nCOPY a /a\n");
  writeFileSync(
    f("policy.yaml"),
    "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  evaluationMode: always-allow\n",
  );
  writeFileSync(
    f("scan-policy.yaml"),
    "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    scan: { maxSeverity: high }\n",
  );
}

/** The file under test for one case, made in the test's folder; returns its path. */
function prepare(dir: string, input: FileInput, kind: Case): string {
  const path = join(dir, "under-test", "the-file");
  mkdirSync(join(dir, "under-test"));
  if (kind === "missing") return input.output ? join(dir, "no-such-folder", "the-file") : path;
  if (kind === "unreadable") {
    if (input.folder) writeFileSync(path, "a file where a folder belongs\n");
    else mkdirSync(path);
    return path;
  }
  if (input.folder) {
    mkdirSync(path);
    writeFileSync(join(path, "case.json"), MALFORMED);
  } else writeFileSync(path, MALFORMED);
  return path;
}

describe("every command that takes a file (issue 12)", () => {
  beforeEach(() => {
    fixtures(io.dir);
    process.env.PORTCULLIS_PASSWORD = "not-needed";
  });

  it("says here how to reach every flag and argument that names a path", async () => {
    const found = pathInputs(await createProgram(() => {}));
    expect(found.length).toBeGreaterThan(40);
    const unknown = found.filter((name) => !(name in INPUTS));
    expect(unknown, "add these to INPUTS (how to reach the file, or why it is not an input)").toEqual([]);
    expect(
      Object.keys(INPUTS).filter((name) => !found.includes(name)),
      "stale INPUTS entries",
    ).toEqual([]);
  });

  const cases: Array<[string, Case]> = [];
  for (const [name, input] of Object.entries(INPUTS)) {
    if ("notAnInput" in input) continue;
    for (const kind of ["missing", "unreadable", "malformed"] as const) {
      if (input.skip?.[kind] !== undefined || (input.output && kind === "malformed")) continue;
      cases.push([name, kind]);
    }
  }

  it.each(cases)("%s: a %s file exits 2 with one line naming it", async (name, kind) => {
    const input = INPUTS[name] as FileInput;
    const file = prepare(io.dir, input, kind);
    const argv = input.argv.map((a) =>
      a === "FILE" ? file : a.replace(/(^|:)F\//, `$1${join(io.dir, "F")}/`),
    );
    const code = await main(["node", "portcullis", ...argv]);
    const lines = io.err.split("\n").filter((line) => line !== "");
    expect({ code, err: io.err }).toMatchObject({ code: 2 });
    expect(lines, io.err).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(io.err).not.toMatch(/\n\s+at /);
  });
});

describe("keygen onto an existing key (issue 12)", () => {
  it("refuses to overwrite, naming the file and what to do instead, exit 2", async () => {
    const prefix = join(io.dir, "release");
    writeFileSync(`${prefix}.key`, "the old key\n");
    process.env.PORTCULLIS_PASSWORD = "correct horse";
    const code = await main(["node", "portcullis", "keygen", "--output-prefix", prefix]);
    expect(code).toBe(2);
    expect(io.err).toBe(
      `portcullis: refusing to write ${prefix}.key: it already exists (keygen never overwrites a key: ` +
        "choose another --output-prefix, or move the old key away)\n",
    );
  });
});
