import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  httpsRequest,
  type IssuedCertificate,
  issueCertificate,
  makeCa,
  opensslUnavailable,
  peerFingerprint,
  replaceFile,
  type TestCa,
} from "../support/certificates.js";
import { PORTCULLIS_BIN } from "../support/targets.js";

interface Served {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** stdout lines so far (JSON log lines). */
  readonly lines: string[];
  stderr(): string;
}

/**
 * `portcullis serve` through the built binary: who it lets listen beyond loopback (issue 13: accounts
 * and TLS, or an explicit --insecure-* flag), HTTPS with the first line saying so, and SIGHUP making it
 * look at its certificate files.
 */
describe.skipIf(opensslUnavailable())("portcullis serve beyond loopback, and over TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "pc-serve-tls-"));
  const children: ChildProcess[] = [];
  const certFile = join(dir, "live.crt");
  const keyFile = join(dir, "live.key");
  let ca: TestCa;
  let first: IssuedCertificate;
  let second: IssuedCertificate;

  beforeAll(() => {
    ca = makeCa(dir);
    first = issueCertificate(ca, dir, "first");
    second = issueCertificate(ca, dir, "second");
    replaceFile(first.cert, certFile);
    replaceFile(first.key, keyFile);
  });
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  let runs = 0;
  const start = (args: string[], env: Record<string, string> = {}): Served => {
    runs += 1;
    const child = spawn(
      process.execPath,
      [PORTCULLIS_BIN, "serve", "--data", join(dir, `data-${runs}`), "--log-format", "json", ...args],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PORTCULLIS_LOG_LEVEL: "info", ...env } },
    );
    children.push(child);
    const lines: string[] = [];
    let partial = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, exited, lines, stderr: () => err };
  };

  const waitForLine = async (served: Served, text: string | RegExp, from = 0): Promise<string> => {
    const until = Date.now() + 20_000;
    for (;;) {
      const line = served.lines
        .slice(from)
        .find((l) => (typeof text === "string" ? l.includes(text) : text.test(l)));
      if (line !== undefined) return line;
      if (Date.now() > until || served.child.exitCode !== null)
        throw new Error(`no line ${text}: ${served.lines.join("\n")}\n${served.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const ACCOUNTS = { PORTCULLIS_AUTH_MODE: "accounts" };
  const TLS = ["--tls-cert", certFile, "--tls-key", keyFile];

  it.each<[string, string[], Record<string, string>, RegExp[]]>([
    ["anonymous", [], {}, [/refusing to listen on 0\.0\.0\.0: auth\.mode is anonymous/, /--insecure-public/]],
    ["anonymous over TLS", TLS, {}, [/auth\.mode is anonymous/, /auth\.mode: accounts/]],
    ["anonymous with --insecure-http", ["--insecure-http"], {}, [/auth\.mode is anonymous/]],
    [
      "accounts over plain HTTP",
      [],
      ACCOUNTS,
      [/over plain HTTP/, /--tls-cert FILE --tls-key FILE/, /--insecure-http/],
    ],
    ["accounts with --insecure-public", ["--insecure-public"], ACCOUNTS, [/over plain HTTP/]],
    [
      "accounts with a certificate and no key",
      ["--tls-cert", certFile],
      ACCOUNTS,
      [/server\.tlsCert and server\.tlsKey go together/],
    ],
    [
      "accounts with a key that is not the certificate's",
      ["--tls-cert", certFile, "--tls-key", join(dir, "second.key")],
      ACCOUNTS,
      [/--tls-key \S+second\.key is not the private key of the certificate/],
    ],
  ])("refuses %s on 0.0.0.0 with exit 2 and the fix", async (_name, args, env, messages) => {
    const served = start(["--listen", "0.0.0.0:0", ...args], env);
    expect(await served.exited).toBe(2);
    const err = served.stderr();
    for (const message of messages) expect(err).toMatch(message);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(served.lines.join("")).not.toContain("listening");
  });

  it("serves accounts over plain HTTP beyond loopback with --insecure-http, and warns", async () => {
    const served = start(["--listen", "0.0.0.0:0", "--insecure-http"], ACCOUNTS);
    expect(await waitForLine(served, "listening on")).toMatch(/listening on http:\/\//);
    expect(await waitForLine(served, "--insecure-http")).toMatch(/"level":40/);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  });

  it("serves accounts over TLS beyond loopback, and SIGHUP picks up a renewed certificate", async () => {
    const served = start(["--listen", "0.0.0.0:0", ...TLS], {
      ...ACCOUNTS,
      // Only SIGHUP looks: the test sees nothing change until it asks.
      PORTCULLIS_SERVER_TLS_RELOAD_INTERVAL: "0",
    });
    const first_line = await waitForLine(served, "listening on");
    expect(served.lines[0]).toBe(first_line);
    const port = Number(/listening on https:\/\/[^"]+:(\d+)"/.exec(first_line)?.[1]);
    expect(port).toBeGreaterThan(0);

    const v2 = await httpsRequest(`https://127.0.0.1:${port}/v2/`, ca.pem);
    expect(v2.status).toBe(401);
    expect(v2.fingerprint).toBe(first.fingerprint);
    expect(v2.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(v2.headers["www-authenticate"]).toContain(`realm="https://127.0.0.1:${port}/token"`);

    replaceFile(second.cert, certFile);
    replaceFile(second.key, keyFile);
    expect(await peerFingerprint(port, ca.pem)).toBe(first.fingerprint);
    let mark = served.lines.length;
    served.child.kill("SIGHUP");
    const reloaded = await waitForLine(served, "TLS certificate reloaded", mark);
    expect(reloaded).toContain(second.fingerprint);
    expect(reloaded).toContain(first.fingerprint);
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);

    // A broken renewal: refused, logged, the second certificate still served.
    replaceFile(first.cert, certFile);
    mark = served.lines.length;
    served.child.kill("SIGHUP");
    const refused = await waitForLine(served, "the changed TLS certificate or key was refused", mark);
    expect(refused).toMatch(/"level":50/);
    expect(refused).toContain("is not the private key of the certificate");
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);

    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  });

  it("looks at the certificate files every server.tlsReloadInterval by itself", async () => {
    replaceFile(first.cert, certFile);
    replaceFile(first.key, keyFile);
    const served = start(["--listen", "127.0.0.1:0", ...TLS], {
      PORTCULLIS_SERVER_TLS_RELOAD_INTERVAL: "100ms",
    });
    const port = Number(
      /listening on https:\/\/[^"]+:(\d+)"/.exec(await waitForLine(served, "listening on"))?.[1],
    );
    expect(await peerFingerprint(port, ca.pem)).toBe(first.fingerprint);
    replaceFile(second.cert, certFile);
    replaceFile(second.key, keyFile);
    await waitForLine(served, "TLS certificate reloaded");
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  });
});
