import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
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
} from "../../test/support/certificates.js";
import { startTestServer, type TestServer } from "./testing.js";

const basic = (name: string, secret: string) =>
  `Basic ${Buffer.from(`${name}:${secret}`).toString("base64")}`;

/** `serve --tls-cert --tls-key` as a client sees it: the registry, the token service and rotation. */
describe.skipIf(opensslUnavailable())("the registry over HTTPS", () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-https-"));
  const certFile = join(dir, "tls.crt");
  const keyFile = join(dir, "tls.key");
  let ca: TestCa;
  let first: IssuedCertificate;
  let second: IssuedCertificate;
  let server: TestServer;
  let port = 0;

  beforeAll(async () => {
    ca = makeCa(dir);
    first = issueCertificate(ca, dir, "first");
    second = issueCertificate(ca, dir, "second");
    replaceFile(first.cert, certFile);
    replaceFile(first.key, keyFile);
    server = await startTestServer({
      database: "sqlite",
      config: { "auth.mode": "accounts" },
      tls: { certFile, keyFile },
      limits: { maxConnections: 4 },
    });
    port = Number(new URL(server.url).port);
    await server.platform.identity!.store.createUser({ name: "dev", password: "developer password" });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers /v2/ over TLS, with a challenge that names the https:// token endpoint", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpsRequest(`${server.url}/v2/`, ca.pem);
    expect(answer.status).toBe(401);
    expect(answer.fingerprint).toBe(first.fingerprint);
    expect(answer.headers["www-authenticate"]).toBe(
      `Bearer realm="https://127.0.0.1:${port}/token",service="portcullis"`,
    );
    expect(answer.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["docker-distribution-api-version"]).toBe("registry/2.0");
  });

  it("issues tokens over TLS with no-store, and a token opens /v2/", async () => {
    const token = await httpsRequest(`${server.url}/token?service=portcullis`, ca.pem, {
      headers: { authorization: basic("dev", "developer password") },
    });
    expect(token.status).toBe(200);
    expect(token.headers["cache-control"]).toBe("no-store");
    expect(token.headers.pragma).toBe("no-cache");
    expect(token.headers["strict-transport-security"]).toBe("max-age=31536000");
    const { token: bearer } = JSON.parse(token.body) as { token: string };
    const base = await httpsRequest(`${server.url}/v2/`, ca.pem, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(base.status).toBe(200);
    expect(base.headers["cache-control"]).toBeUndefined();
    // The public keys may be cached like any public document.
    const jwks = await httpsRequest(`${server.url}/token/jwks`, ca.pem);
    expect(jwks.status).toBe(200);
    expect(jwks.headers["cache-control"]).toBeUndefined();
  });

  it("serves a rotated certificate to new connections, and keeps the old one when the new pair is broken", async () => {
    replaceFile(second.cert, certFile);
    replaceFile(second.key, keyFile);
    expect(server.tls!.check()).toMatchObject({ result: "reloaded", previousFingerprint: first.fingerprint });
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);
    expect((await httpsRequest(`${server.url}/v2/`, ca.pem)).fingerprint).toBe(second.fingerprint);

    // The first certificate with the second's key: refused, the second still served.
    replaceFile(first.cert, certFile);
    expect(server.tls!.check()).toMatchObject({ result: "failed", repeated: false });
    expect(await peerFingerprint(port, ca.pem)).toBe(second.fingerprint);
    const answer = await httpsRequest(`${server.url}/v2/`, ca.pem);
    expect(answer.status).toBe(401);
    expect(answer.fingerprint).toBe(second.fingerprint);
  });

  it("closes connections over the cap before their handshake, and still serves those within it", async () => {
    const held: TLSSocket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        held.push(
          await new Promise<TLSSocket>((resolve, reject) => {
            const s = connect({ host: "127.0.0.1", port, ca: ca.pem, servername: "localhost" }, () =>
              resolve(s),
            );
            s.once("error", reject);
          }),
        );
      }
      const refused = await peerFingerprint(port, ca.pem).then(
        () => "connected",
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      expect(refused).toMatch(/ECONNRESET|EPIPE|disconnected before secure TLS connection/);
    } finally {
      for (const socket of held) socket.destroy();
    }
    // Sockets close asynchronously on the server: wait until a connection is admitted again.
    for (let attempt = 0; ; attempt++) {
      const fingerprint = await peerFingerprint(port, ca.pem).catch(() => undefined);
      if (fingerprint !== undefined) break;
      if (attempt > 100) throw new Error("no connection admitted after the held ones closed");
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
