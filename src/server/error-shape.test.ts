import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION_HEADER } from "./headers.js";
import { rawRequest, startTestServer, type TestServer } from "./testing.js";

/** Sends raw bytes as a request and returns the status line, headers and body of the answer. */
function rawExchange(url: string, request: Buffer): Promise<{ head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const at = data.indexOf("\r\n\r\n");
      resolve({ head: data.slice(0, at), body: data.slice(at + 4) });
    });
  });
}

const requestLine = (path: string) =>
  Buffer.concat([
    Buffer.from("GET "),
    Buffer.from(path, "utf8"),
    Buffer.from(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
  ]);

/**
 * Every error answer of `serve` has one shape, `{"errors":[{"code","message"}]}`, chosen in one table
 * (errors.ts), whoever raises it: a handler, Fastify's router, or Node's HTTP parser (issue 12).
 */
describe("one error shape for every answer of serve", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", captureLogs: true });
  });
  afterAll(() => server.close());

  it.each([
    ["/v2/\u00e9/manifests/latest", true],
    ["/api/v1/\u00e9", false],
    ["/\u00e9", false],
  ])("raw UTF-8 in the path (%s) is 400 BAD_REQUEST, not Fastify's own body", async (path, registry) => {
    const { head, body } = await rawExchange(server.url, requestLine(path));
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    const parsed = JSON.parse(body) as { errors: Array<{ code: string; message: string }> };
    expect(parsed.errors[0]!.code).toBe("BAD_REQUEST");
    expect(parsed.errors[0]!.message).toContain("percent-encode");
    const [name, value] = Object.entries(API_VERSION_HEADER)[0]!;
    expect(head.toLowerCase().includes(`${name.toLowerCase()}: ${value.toLowerCase()}`)).toBe(registry);
  });

  it.each([
    ["/api/v1/nothing-here", 404, "NOT_FOUND"],
    ["/api/v1/repositories/team/app/tags", 404, "NOT_FOUND"],
    ["/api/v1/audit/decisions?limit=0", 400, "INVALID_ARGUMENT"],
    ["/api/v1/audit/decisions?gate=nope", 400, "INVALID_ARGUMENT"],
    ["/api/v1/audit/checkpoint", 404, "AUDIT_LOG_EMPTY"],
    // Other paths are the web console's (src/server/console/); the API prefixes answer in the one shape.
    ["/v1/nothing-here", 404, "NOT_FOUND"],
    ["/healthz/nothing-here", 404, "NOT_FOUND"],
  ])("%s is %i %s in the one shape", async (path, status, code) => {
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.code).toBe(code);
    expect(typeof body.errors[0]!.message).toBe("string");
  });

  it("a client that hangs up mid-upload is logged once at info, with no error and no stack", async () => {
    const start = await fetch(`${server.url}/v2/team/app/blobs/uploads/`, { method: "POST" });
    const location = new URL(start.headers.get("location")!, server.url);
    const gone = await rawRequest(server.url, {
      method: "PATCH",
      path: `${location.pathname}${location.search}`,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": 1_000_000 },
      chunks: [Buffer.alloc(64 * 1024, 1)],
      abort: true,
    });
    expect(gone).toBeUndefined();
    // The server notices the hang-up on its own time: wait for its log line, not for a fixed delay.
    const until = Date.now() + 10_000;
    while (!server.logs.some((l) => l.msg === "client disconnected")) {
      if (Date.now() > until)
        throw new Error(`no "client disconnected" line in ${JSON.stringify(server.logs)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const disconnected = server.logs.filter((l) => l.msg === "client disconnected");
    expect(disconnected).toHaveLength(1);
    expect(disconnected[0]!.level).toBe(30);
    expect(server.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(JSON.stringify(server.logs)).not.toContain("stack");
  });
});
