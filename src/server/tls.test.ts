import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IssuedCertificate,
  issueCertificate,
  makeCa,
  opensslUnavailable,
  peerFingerprint,
  replaceFile,
  type TestCa,
} from "../../test/support/certificates.js";
import { ReloadableTls, type TlsError, type TlsReloadOutcome } from "./tls.js";

describe.skipIf(opensslUnavailable())("ReloadableTls", () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-tls-"));
  let ca: TestCa;
  let first: IssuedCertificate;
  let second: IssuedCertificate;
  /** The files a server is configured with; tests copy pairs over them. */
  const certFile = join(dir, "live", "tls.crt");
  const keyFile = join(dir, "live", "tls.key");
  const servers: Server[] = [];

  beforeAll(() => {
    ca = makeCa(dir);
    first = issueCertificate(ca, dir, "first");
    second = issueCertificate(ca, dir, "second");
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function install(pair: IssuedCertificate): void {
    mkdirSync(join(dir, "live"), { recursive: true });
    replaceFile(pair.cert, certFile);
    replaceFile(pair.key, keyFile);
  }

  async function serveWith(tls: ReloadableTls): Promise<number> {
    // An echo server: a connection stays open until its client ends it.
    const server = createServer(tls.secureContextOptions(), (socket) => socket.pipe(socket));
    tls.serve(server);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as AddressInfo).port;
  }

  it("serves the pair, and new connections get a replaced certificate without a restart", async () => {
    install(first);
    const tls = new ReloadableTls({ certFile, keyFile });
    expect(tls.current.fingerprint).toBe(first.fingerprint);
    const port = await serveWith(tls);
    expect(await peerFingerprint(port, ca.pem)).toBe(first.fingerprint);

    // A connection open across the swap keeps the certificate it was served.
    const open = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port, ca: ca.pem, servername: "localhost" }, () => resolve(s));
      s.once("error", reject);
    });

    expect(tls.check()).toEqual({ result: "unchanged" });
    install(second);
    const outcome = tls.check();
    expect(outcome).toMatchObject({ result: "reloaded", previousFingerprint: first.fingerprint });
    expect(tls.current.fingerprint).toBe(second.fingerprint);
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);
    expect(open.getPeerCertificate().fingerprint256).toBe(first.fingerprint);
    const echoed = new Promise<string>((r) => open.once("data", (chunk: Buffer) => r(chunk.toString())));
    open.write("still here");
    expect(await echoed).toBe("still here");
    open.end();
  });

  it("keeps serving the old certificate when a replacement does not load, and says so once", async () => {
    install(first);
    const tls = new ReloadableTls({ certFile, keyFile });
    const port = await serveWith(tls);

    // Half a renewal: the new certificate is written, its key not yet.
    replaceFile(second.cert, certFile);
    const failed = tls.check();
    expect(failed).toMatchObject({ result: "failed", repeated: false });
    expect(((failed as { error: TlsError }).error as TlsError).code).toBe("KEY_INVALID");
    expect(((failed as { error: Error }).error as Error).message).toContain(keyFile);
    expect(tls.check()).toMatchObject({ result: "failed", repeated: true });
    expect(await peerFingerprint(port, ca.pem)).toBe(first.fingerprint);

    // The key arrives: the pair loads.
    replaceFile(second.key, keyFile);
    expect(tls.check()).toMatchObject({ result: "reloaded" });
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);

    // Garbage, an unreadable file and a folder are refused the same way.
    writeFileSync(certFile, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    const garbage = tls.check();
    expect(garbage).toMatchObject({ result: "failed", repeated: false });
    expect(((garbage as { error: TlsError }).error as TlsError).code).toBe("CERTIFICATE_INVALID");
    rmSync(certFile);
    expect(tls.check()).toMatchObject({ result: "failed", repeated: false });
    mkdirSync(certFile);
    const folder = tls.check();
    expect(((folder as { error: TlsError }).error as TlsError).code).toBe("FILE_NOT_REGULAR");
    rmSync(certFile, { recursive: true });
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);

    // Back to a good pair (the first one again): served.
    install(first);
    expect(tls.check()).toMatchObject({ result: "reloaded", previousFingerprint: second.fingerprint });
    expect(await peerFingerprint(port, ca.pem)).toBe(first.fingerprint);
  });

  it("refuses to start without a usable pair, naming the file", () => {
    install(first);
    const other = join(dir, "other.key");
    copyFileSync(second.key, other);
    const mismatch = error(() => new ReloadableTls({ certFile, keyFile: other }));
    expect(mismatch.code).toBe("KEY_INVALID");
    expect(mismatch.message).toContain(other);
    expect(mismatch.message).toContain("is not the private key of the certificate");
    const swapped = error(() => new ReloadableTls({ certFile: keyFile, keyFile: certFile }));
    expect(swapped.code).toBe("CERTIFICATE_INVALID");
    const missing = error(() => new ReloadableTls({ certFile: join(dir, "nope.crt"), keyFile }));
    expect(missing.code).toBe("ENOENT");
  });

  it("checks on a timer", async () => {
    install(first);
    const tls = new ReloadableTls({ certFile, keyFile });
    const outcomes: TlsReloadOutcome[] = [];
    let changed: () => void = () => {};
    const reloaded = new Promise<void>((r) => {
      changed = r;
    });
    const stop = tls.watch(20, (outcome) => {
      outcomes.push(outcome);
      if (outcome.result === "reloaded") changed();
    });
    install(second);
    await reloaded;
    stop();
    expect(tls.current.fingerprint).toBe(second.fingerprint);
    expect(outcomes.filter((o) => o.result === "reloaded")).toHaveLength(1);
  });
});

function error(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("expected an error");
}
