import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { pushTinyImage } from "../support/push-image.js";
import { type RegistryServer, startPortcullis } from "../support/targets.js";

/**
 * Issue 11, item 6, as the attack was made: a thousand uploads that each start a PATCH, send about a MiB
 * of it and stall, held at once against the real `serve` binary. Before the fix each held a pooled 1 MiB
 * buffer (600 of them took RSS from 97 MB to 742 MB) and stayed open for ever. Now the server's peak RSS
 * (VmHWM, measured by the kernel) stays under 300 MB, other clients push and pull meanwhile, and every
 * stalled connection is closed by the idle timeout (short here, through the environment).
 */
const STALLED = 1_000;
/** Part of a MiB: a pooled 1 MiB buffer partly filled, never flushed by filling up (the attack sent ~1 MB). */
const SENT = 600_000;
const DECLARED = 2 * SENT;
const IDLE_TIMEOUT_S = 15;
const RSS_LIMIT_MB = 300;
/** The test process and the server each need a descriptor per stalled socket, plus headroom. */
const NEEDED_DESCRIPTORS = STALLED + 500;

function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

interface Stalled {
  readonly socket: net.Socket;
  /** When its last byte went out; the idle timeout counts from here. */
  stalledAt: number;
  readonly closed: Promise<number>;
}

describe("a thousand stalled uploads against serve", () => {
  let server: RegistryServer;
  let client: RegistryClient;

  beforeAll(async () => {
    const limit = openFileLimit();
    if (limit < NEEDED_DESCRIPTORS) {
      throw new Error(
        `this test holds ${STALLED} sockets: raise the open-file limit to at least ${NEEDED_DESCRIPTORS} ` +
          `(ulimit -n ${NEEDED_DESCRIPTORS}); it is ${limit}`,
      );
    }
    server = await startPortcullis({
      env: {
        PORTCULLIS_SERVER_BODY_IDLE_TIMEOUT: `${IDLE_TIMEOUT_S}s`,
        PORTCULLIS_SERVER_BODY_MIN_RATE: "0",
        // Every test client is 127.0.0.1: the per-address cap must admit them all (limits.test.ts
        // covers refusing beyond it).
        PORTCULLIS_SERVER_MAX_CONNECTIONS: "2000",
        PORTCULLIS_SERVER_MAX_CONNECTIONS_PER_ADDRESS: "2000",
        PORTCULLIS_SCAN_ON_PUSH: "false",
        // What bin/portcullis.js's shebang passes when it is run as a command (startPortcullis runs it
        // through `node`, which skips the shebang).
        NODE_OPTIONS: "--max-semi-space-size=4",
      },
    });
    client = new RegistryClient({ registry: server.host, timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await server?.dispose();
  });

  async function startUpload(i: number): Promise<string> {
    const res = await fetch(`${server.url}/v2/stall/r${i % 10}/blobs/uploads/`, { method: "POST" });
    if (res.status !== 202) throw new Error(`POST upload: HTTP ${res.status}`);
    return res.headers.get("location")!;
  }

  function stall(location: string, body: Buffer): Promise<Stalled> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) });
      socket.on("error", () => {});
      const closed = new Promise<number>((done) => socket.once("close", () => done(Date.now())));
      socket.once("connect", () => {
        const head =
          `PATCH ${location} HTTP/1.1\r\nHost: ${server.host}\r\nContent-Type: application/octet-stream\r\n` +
          `Content-Range: 0-${DECLARED - 1}\r\nContent-Length: ${DECLARED}\r\n\r\n`;
        socket.write(head);
        socket.write(body, (err) => {
          if (err) reject(err);
          else resolve({ socket, stalledAt: Date.now(), closed });
        });
      });
      // A socket closed before its bytes went out is a refused or broken connection: the test fails.
      socket.once("close", () => reject(new Error("stalled upload closed before it was held")));
    });
  }

  it("holds them under 300 MB while others push and pull, and closes each after the idle timeout", async () => {
    const idleRssKiB = statusKiB(server.pid, "VmRSS");
    const body = randomBytes(SENT);
    const locations: string[] = [];
    for (let i = 0; i < STALLED; i += 50) {
      locations.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => startUpload(i + j)))));
    }
    const started = Date.now();
    const stalled: Stalled[] = [];
    for (let i = 0; i < STALLED; i += 100) {
      stalled.push(...(await Promise.all(locations.slice(i, i + 100).map((l) => stall(l, body)))));
    }
    const setupMs = Date.now() - started;
    // All of them are held at once: the setup must not outlast the idle timeout.
    expect(setupMs).toBeLessThan(IDLE_TIMEOUT_S * 1000 - 3000);
    let closedEarly = 0;
    for (const s of stalled) void s.closed.then(() => closedEarly++);

    // Meanwhile other clients push and pull: a small image, and an 8 MiB blob pulled back whole.
    await pushTinyImage(client, "live/app", "v1");
    const big = randomBytes(8 * 1024 * 1024);
    const digest = await client.pushBlob("live/app", { data: big });
    const parts: Buffer[] = [];
    for await (const chunk of await client.getBlob("live/app", digest)) parts.push(chunk as Buffer);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
    const manifest = await client.getManifest("live/app", "v1");
    expect(manifest.bytes.length).toBeGreaterThan(0);
    expect(closedEarly).toBe(0);

    const heldRssKiB = statusKiB(server.pid, "VmRSS");
    const heldPeakKiB = statusKiB(server.pid, "VmHWM");
    console.log(
      `stalled uploads held: RSS idle ${Math.round(idleRssKiB / 1024)} MiB, now ${Math.round(heldRssKiB / 1024)} MiB, ` +
        `peak ${Math.round(heldPeakKiB / 1024)} MiB; setup ${setupMs} ms`,
    );
    expect(heldPeakKiB / 1024).toBeLessThan(RSS_LIMIT_MB);
    // Every stalled upload is closed by the server, and none before it idled for the timeout.
    const closedAt = await Promise.all(stalled.map((s) => s.closed));
    const idleMs = closedAt.map((at, i) => at - stalled[i]!.stalledAt);
    expect(Math.min(...idleMs)).toBeGreaterThanOrEqual(IDLE_TIMEOUT_S * 1000 - 1000);
    const peakRssKiB = statusKiB(server.pid, "VmHWM");
    console.log(
      `stalled uploads closed after ${Math.min(...idleMs)}–${Math.max(...idleMs)} ms idle; ` +
        `peak RSS ${Math.round(peakRssKiB / 1024)} MiB`,
    );
    expect(peakRssKiB / 1024).toBeLessThan(RSS_LIMIT_MB);
    expect(server.output()).not.toMatch(/"level":50/);
  }, 90_000);
});
