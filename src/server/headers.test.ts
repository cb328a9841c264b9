import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { securityHeadersFor } from "./headers.js";
import { pushImage, rawRequest, startTestServer, type TestServer } from "./testing.js";

const EVERY_RESPONSE = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
};

/** The security headers, as clients get them over plain HTTP (HTTPS adds HSTS: https.test.ts). */
describe("security headers", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite" });
  });
  afterAll(() => server.close());

  const headersOf = (res: Response) => Object.fromEntries(res.headers.entries());

  it("are on every kind of answer: registry, blobs written past Fastify, errors, health, metrics", async () => {
    const image = await pushImage(server.url, "headers/app", { tag: "v1" });
    const paths = [
      "/v2/",
      `/v2/headers/app/manifests/v1`,
      `/v2/headers/app/blobs/${image.layers[0]!.digest}`,
      "/v2/headers/app/manifests/missing",
      "/v2/headers/app/tags/list",
      "/no/such/endpoint",
      "/healthz",
      "/metrics",
    ];
    for (const path of paths) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(headersOf(res), path).toMatchObject(EVERY_RESPONSE);
      // Only over TLS (RFC 6797 §7.2), and only the API and the token endpoint are kept from caches.
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
      expect(res.headers.get("cache-control"), path).toBeNull();
    }
  });

  it("keep management API answers out of caches, errors included", async () => {
    for (const path of ["/api/v1/audit/decisions", "/api/v1/audit/checkpoint", "/api/v1/nothing"]) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(headersOf(res), path).toMatchObject({ ...EVERY_RESPONSE, "cache-control": "no-store" });
    }
  });

  it("are on answers Fastify and Node's parser refuse before routing", async () => {
    const badUrl = await rawRequest(server.url, { method: "GET", path: "/v2/a%zz/tags/list" });
    expect(badUrl!.status).toBe(400);
    expect(badUrl!.headers).toMatchObject(EVERY_RESPONSE);

    // Raw bytes Node's HTTP parser refuses: answered by client-errors.ts.
    const port = Number(new URL(server.url).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write("GET /v2/\u00ff HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain("X-Content-Type-Options: nosniff");
    expect(raw).toContain("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'");
    expect(raw).not.toContain("Strict-Transport-Security");
  });

  it("choose no-store by path, never by query", () => {
    expect(securityHeadersFor("/token?service=x&scope=y", false)["Cache-Control"]).toBe("no-store");
    expect(securityHeadersFor("/token/jwks", true)["Cache-Control"]).toBeUndefined();
    expect(securityHeadersFor("/v2/x?next=/api/", true)["Cache-Control"]).toBeUndefined();
    expect(securityHeadersFor("/api/v1/robots", true)).toMatchObject({
      "Cache-Control": "no-store",
      "Strict-Transport-Security": "max-age=31536000",
    });
  });
});
