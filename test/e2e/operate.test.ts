import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freePort, PORTCULLIS_BIN } from "../support/targets.js";

/** What operators rely on: graceful shutdown, and request logs that never carry credentials. */

interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  logs: () => string;
  exited: Promise<number | null>;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function startServer(): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), "portcullis-operate-"));
  const port = await freePort();
  let output = "";
  const child = spawn(
    process.execPath,
    [PORTCULLIS_BIN, "serve", "--listen", `127.0.0.1:${port}`, "--data", dataDir],
    {
      env: { ...process.env, PORTCULLIS_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  cleanup.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, port, logs: () => output, exited };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start:\n${output}`);
}

describe("operating the server", () => {
  it("finishes an upload in flight on SIGTERM, then exits 0", async () => {
    const server = await startServer();
    const start = await fetch(`${server.url}/v2/ops/app/blobs/uploads/`, { method: "POST" });
    expect(start.status).toBe(202);
    const location = start.headers.get("location")!;

    const chunk = Buffer.alloc(1024 * 1024, 7);
    const request = http.request(`${server.url}${location}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" },
      agent: false,
    });
    const response = once(request, "response").then(([res]) => res as http.IncomingMessage);
    request.write(chunk);
    // In flight: the handler has read the first chunk (the bytes-received counter says so; a fixed delay
    // could send SIGTERM before the request reached the server). Then SIGTERM, and its log line.
    await vi.waitFor(
      async () => {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        const received = /^portcullis_registry_bytes_received_total (\d+)$/m.exec(metrics)?.[1];
        expect(Number(received)).toBeGreaterThanOrEqual(chunk.length);
      },
      { timeout: 10_000, interval: 20 },
    );
    server.child.kill("SIGTERM");
    await vi.waitFor(() => expect(server.logs()).toContain("shutting down"), {
      timeout: 10_000,
      interval: 10,
    });
    // The server is shutting down, yet the request that was in flight still completes.
    request.end(chunk);
    const res = await response;
    res.resume();
    expect(res.statusCode).toBe(202);
    expect(res.headers.range).toBe(`0-${2 * chunk.length - 1}`);
    expect(await server.exited).toBe(0);
    expect(server.logs()).toContain("shutting down");
    // Nothing listens any more.
    await expect(fetch(`${server.url}/v2/`)).rejects.toThrow();
  });

  it("logs each request with its facts and never a credential", async () => {
    const server = await startServer();
    const blob = Buffer.from("log me");
    const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
    const push = await fetch(
      `${server.url}/v2/ops/logs/blobs/uploads/?digest=${digest}&access_token=hunter2`,
      {
        method: "POST",
        body: blob,
        headers: { Authorization: "Basic c2VjcmV0OnBhc3N3b3Jk", "Content-Type": "application/octet-stream" },
      },
    );
    expect(push.status).toBe(201);
    const pull = await fetch(`${server.url}/v2/ops/logs/blobs/${digest}`, {
      headers: { Authorization: "Bearer eyJhbGciOiJub25lIn0.e30.sig" },
    });
    expect(await pull.text()).toBe("log me");
    server.child.kill("SIGTERM");
    await server.exited;
    const lines = server
      .logs()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: "GET",
        path: `/v2/ops/logs/blobs/${digest}`,
        status: 200,
        bytes: blob.length,
        repository: "ops/logs",
        digest,
        durationMs: expect.any(Number),
      }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ method: "POST", status: 201, digest }));
    const text = server.logs();
    for (const secret of [
      "c2VjcmV0OnBhc3N3b3Jk",
      "hunter2",
      "eyJhbGciOiJub25lIn0",
      "Authorization",
      "authorization",
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
