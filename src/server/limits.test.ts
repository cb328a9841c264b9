import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ServerLimits } from "./limits.js";
import { digestOf, rawErrorCode, rawRequest, startTestServer, type TestServer } from "./testing.js";

/**
 * Connection caps and body timeouts (issue 11, item 6), built from the attack: raw sockets that start an
 * upload's PATCH, send part of its body and then stall or trickle; and more connections from one address
 * than the cap allows. Every wait is for an observable state (a socket closing, an answer arriving).
 */
describe("server limits", () => {
  let server: TestServer | undefined;
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.close();
    server = undefined;
  });

  async function start(limits: Partial<ServerLimits>): Promise<string> {
    server = await startTestServer({ database: "sqlite", limits });
    return server.url;
  }

  function connect(url: string): Promise<net.Socket> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(socket));
      socket.on("error", reject);
      sockets.push(socket);
    });
  }

  /** Resolves with the milliseconds from now until the socket is closed (by the server). */
  function closedAfter(socket: net.Socket): Promise<number> {
    const at = Date.now();
    return new Promise((resolve) => {
      if (socket.destroyed) resolve(0);
      socket.on("close", () => resolve(Date.now() - at));
      socket.on("error", () => {});
      socket.resume();
    });
  }

  /** Everything the server sends until it closes the connection. */
  function received(socket: net.Socket): Promise<string> {
    const parts: Buffer[] = [];
    return new Promise((resolve) => {
      socket.on("data", (chunk: Buffer) => parts.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => resolve(Buffer.concat(parts).toString("latin1")));
    });
  }

  /** The status line and headers of the first answer on a connection. */
  function headOf(socket: net.Socket): Promise<string> {
    let text = "";
    return new Promise((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (text.includes("\r\n\r\n")) resolve(text);
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(text));
    });
  }

  /** Opens a PATCH of `declared` bytes on an upload and writes only `first` of them. */
  async function partialPatch(
    url: string,
    location: string,
    first: Buffer,
    declared: number,
    offset: number,
  ) {
    const socket = await connect(url);
    const head =
      `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Range: ${offset}-${offset + declared - 1}\r\nContent-Length: ${declared}\r\n\r\n`;
    await new Promise<void>((resolve, reject) =>
      socket.write(Buffer.concat([Buffer.from(head), first]), (err) => (err ? reject(err) : resolve())),
    );
    return socket;
  }

  async function startUpload(url: string, repository: string): Promise<string> {
    const res = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
    expect(res.status).toBe(202);
    return res.headers.get("location")!;
  }

  async function uploadRange(url: string, location: string): Promise<string | null> {
    const res = await fetch(new URL(location, url), { method: "GET" });
    expect(res.status).toBe(204);
    return res.headers.get("range");
  }

  it("cuts a stalled PATCH after the idle timeout; the upload resumes from its acknowledged offset", async () => {
    const url = await start({ bodyIdleTimeoutMs: 400, bodyMinBytesPerSecond: 0 });
    const blob = randomBytes(3000);
    let location = await startUpload(url, "limits/stall");
    const first = await fetch(new URL(location, url), {
      method: "PATCH",
      headers: { "Content-Type": "application/octet-stream", "Content-Range": "0-999" },
      body: blob.subarray(0, 1000),
    });
    expect(first.status).toBe(202);
    location = first.headers.get("location")!;

    const stalled = await partialPatch(url, location, blob.subarray(1000, 1300), 2000, 1000);
    const elapsed = await closedAfter(stalled);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    // Only acknowledged bytes count: the 300 bytes of the cut PATCH are not part of the upload.
    expect(await uploadRange(url, location)).toBe("0-999");

    const resumed = await fetch(new URL(location, url), {
      method: "PATCH",
      headers: { "Content-Type": "application/octet-stream", "Content-Range": "1000-2999" },
      body: blob.subarray(1000),
    });
    expect(resumed.status).toBe(202);
    const done = new URL(resumed.headers.get("location")!, url);
    done.searchParams.set("digest", digestOf(blob));
    expect((await fetch(done, { method: "PUT" })).status).toBe(201);
    const pulled = await fetch(`${url}/v2/limits/stall/blobs/${digestOf(blob)}`);
    expect(Buffer.from(await pulled.arrayBuffer()).equals(blob)).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('portcullis_http_bodies_cut_total{reason="idle"} 1');
  });

  it("cuts a body that trickles below the minimum rate, though it is never idle", async () => {
    const url = await start({ bodyIdleTimeoutMs: 500, bodyMinBytesPerSecond: 10_000 });
    const location = await startUpload(url, "limits/trickle");
    const socket = await partialPatch(url, location, Buffer.from("x"), 100_000, 0);
    const closed = closedAfter(socket);
    let open = true;
    void closed.then(() => {
      open = false;
    });
    // 20 bytes every 100 ms: 200 B/s, far below 10 kB/s, with no gap near the idle timeout.
    const trickle = setInterval(() => {
      if (open) socket.write(Buffer.alloc(20, 0x61));
    }, 100);
    try {
      expect(await closed).toBeGreaterThanOrEqual(400);
    } finally {
      clearInterval(trickle);
    }
    expect(await uploadRange(url, location)).toBe("0-0");
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('portcullis_http_bodies_cut_total{reason="slow"} 1');
  });

  it("lets a slow but steady body run longer than the window", async () => {
    const url = await start({ bodyIdleTimeoutMs: 300, bodyMinBytesPerSecond: 10_000 });
    const blob = randomBytes(60_000);
    const location = await startUpload(url, "limits/steady");
    // 60 kB in 3 kB pieces every 50 ms: some 60 kB/s for a second, several windows of 300 ms.
    const socket = await partialPatch(url, location, blob.subarray(0, 3000), blob.length, 0);
    const answer = headOf(socket);
    for (let at = 3000; at < blob.length; at += 3000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.write(blob.subarray(at, at + 3000));
    }
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 202 /);
    expect(text).toMatch(new RegExp(`\r\nrange: 0-${blob.length - 1}\r\n`, "i"));
  });

  it("refuses the connection beyond the per-address cap with 429 TOOMANYREQUESTS and Retry-After", async () => {
    const url = await start({ maxConnectionsPerAddress: 3 });
    const held = await Promise.all([connect(url), connect(url), connect(url)]);
    // Each held connection is served: the cap counts connections, not requests.
    for (const socket of held) {
      socket.write("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
      await new Promise((resolve) => socket.once("data", resolve));
    }
    const over = await connect(url);
    const answer = await received(over);
    expect(answer).toMatch(/^HTTP\/1\.1 429 /);
    expect(answer).toMatch(/\r\nRetry-After: 1\r\n/);
    expect(answer).toContain('"code":"TOOMANYREQUESTS"');

    const gone = closedAfter(held[0]!);
    held[0]!.end();
    await gone;
    // Once the server has seen the close, the address has a free slot again.
    let status: number | undefined;
    while (status !== 200) {
      const res = await rawRequest(url, {
        method: "GET",
        path: "/v2/",
        headers: { Connection: "close" },
      }).catch(() => undefined);
      status = res?.status;
      if (status !== 200) expect(rawErrorCode(res)).toBe("TOOMANYREQUESTS");
    }
  });

  it("refuses the connection beyond the total cap with 503 UNAVAILABLE", async () => {
    const url = await start({ maxConnections: 2, maxConnectionsPerAddress: 0 });
    await Promise.all([connect(url), connect(url)]);
    const over = await connect(url);
    over.write("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
    const answer = await received(over);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain('"code":"UNAVAILABLE"');
  });
});
