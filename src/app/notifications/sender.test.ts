import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWebhook } from "./sender.js";

/** One POST against a real loopback server: the timeout, redirects, refused addresses. */
describe("sendWebhook", () => {
  let server: Server;
  let base = "";
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.url ?? "");
      if (request.url === "/hang") return; // never answers
      if (request.url === "/redirect") {
        response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
        response.end();
        return;
      }
      request.resume();
      request.on("end", () => response.end("ok"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (url: string, timeoutMs = 2_000) =>
    sendWebhook({ url, allowInsecure: false }, { "webhook-id": "x" }, "{}", timeoutMs);

  it("answers the receiver's 2xx as success with its duration", async () => {
    const result = await send(`${base}/ok`);
    expect(result).toMatchObject({ statusCode: 200, error: null, permanent: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    const result = await send(`${base}/hang`, 200);
    expect(result).toMatchObject({ statusCode: null, error: "no answer within 200 ms", permanent: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
  });

  it("does not follow a redirect (it could lead to a forbidden address)", async () => {
    const before = seen.length;
    const result = await send(`${base}/redirect`);
    expect(result).toMatchObject({ statusCode: 302, error: "the receiver answered 302" });
    expect(seen.length).toBe(before + 1);
  });

  it("refuses a forbidden address without connecting, permanently", async () => {
    const result = await sendWebhook(
      { url: "http://169.254.169.254/latest/meta-data/", allowInsecure: true },
      {},
      "{}",
      1_000,
    );
    expect(result).toMatchObject({ statusCode: null, permanent: true, durationMs: 0 });
    expect(result.error).toContain("link-local");
  });

  it("reports a refused connection as retryable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await send(`http://127.0.0.1:${port}/`);
    expect(result).toMatchObject({ statusCode: null, permanent: false });
    expect(result.error).toContain("ECONNREFUSED");
  });
});
