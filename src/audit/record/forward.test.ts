import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "../../storage/index.js";
import { openDatabase } from "../../storage/index.js";
import { databaseTestTargets, dropTestSchema } from "../../storage/testing.js";
import type { RecordEventInput } from "./entry.js";
import { parseSyslogUrl, RecordForwarder } from "./forward.js";
import { loadRecordSigner } from "./key.js";
import { EventRecord } from "./record.js";
import { readFrames, SYSLOG_SD_ID } from "./syslog.js";

const TLS_DIR = join(import.meta.dirname, "../../server/testdata/tls");
const cert = readFileSync(join(TLS_DIR, "localhost.crt"), "utf8");
const key = readFileSync(join(TLS_DIR, "localhost.key"), "utf8");
const otherCa = readFileSync(join(import.meta.dirname, "../../trust/testdata/weak-rsa/ca.pem"), "utf8");

function event(n: number): RecordEventInput {
  return {
    kind: n % 5 === 0 ? "runtime.alert" : "image.pushed",
    at: 1_700_000_000_000 + n,
    actor: `ali"ce]${n}`,
    digest: `sha256:${"ab".repeat(32)}`,
    summary: `pushed v${n}`,
    payload: { n, text: "grüße" },
  };
}

/** A syslog receiver on a real socket: parses octet-counted frames as they arrive. */
class Receiver {
  readonly messages: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(readonly tls: boolean) {}

  async listen(port = 0): Promise<void> {
    const onSocket = (socket: Socket) => {
      this.sockets.add(socket);
      let rest: Buffer = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        const read = readFrames(Buffer.concat([rest, chunk]));
        this.messages.push(...read.messages);
        rest = read.rest;
      });
      socket.on("error", () => {});
      socket.on("close", () => this.sockets.delete(socket));
    };
    this.server = this.tls ? createTlsServer({ cert, key }, onSocket) : createServer(onSocket);
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Dies: every connection reset, unread bytes lost, the port closed. */
  async kill(): Promise<void> {
    for (const socket of this.sockets) socket.resetAndDestroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  indices(): number[] {
    return this.messages.map((m) => Number(/ index="(\d+)"/.exec(m)![1]));
  }
}

describe("parseSyslogUrl", () => {
  it("reads tcp and tls URLs and refuses others", () => {
    expect(parseSyslogUrl("tcp://logs.example:514")).toEqual({
      protocol: "tcp",
      host: "logs.example",
      port: 514,
    });
    expect(parseSyslogUrl("tls://[::1]")).toEqual({ protocol: "tls", host: "::1", port: 6514 });
    for (const bad of ["udp://x:514", "tcp://x", "tcp://x:70000", "http://x:1"]) {
      expect(() => parseSyslogUrl(bad)).toThrow(/audit\.syslog\.url/);
    }
  });
});

for (const target of databaseTestTargets()) {
  describe(`RecordForwarder on ${target.name}`, () => {
    let database: Database;
    let record: EventRecord;
    const forwarders: RecordForwarder[] = [];
    const receivers: Receiver[] = [];

    beforeEach(async () => {
      database = await target.open();
      record = new EventRecord(database, { signer: await loadRecordSigner(database, randomBytes(32)) });
    });
    afterEach(async () => {
      for (const f of forwarders.splice(0)) await f.stop();
      for (const r of receivers.splice(0)) await r.kill().catch(() => {});
      await record.settled();
      await database.close();
    });

    function forwarder(
      receiver: Receiver,
      options: Partial<ConstructorParameters<typeof RecordForwarder>[2]> = {},
    ) {
      const f = new RecordForwarder(database, record, {
        target: { protocol: receiver.tls ? "tls" : "tcp", host: "127.0.0.1", port: receiver.port },
        name: "test",
        pollMs: 20,
        confirmMs: 400,
        minBackoffMs: 20,
        maxBackoffMs: 100,
        ...options,
      });
      forwarders.push(f);
      return f;
    }

    it("sends each entry as RFC 5424 over TLS with a pinned CA, and refuses a server outside it", async () => {
      const receiver = new Receiver(true);
      receivers.push(receiver);
      await receiver.listen();
      await record.append(Array.from({ length: 6 }, (_, i) => event(i)));
      const f = forwarder(receiver, { ca: cert, facility: 10, appName: "pc-test" });
      f.start();
      await vi.waitFor(() => expect(receiver.messages).toHaveLength(6), { timeout: 5000 });
      const [first, second] = receiver.messages;
      // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM+JSON; PRI = facility 10 × 8 + severity.
      const parsed = /^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?[^\\]\]) \uFEFF(.*)$/s.exec(second!)!;
      expect(parsed).not.toBeNull();
      expect(parsed[1]).toBe(String(10 * 8 + 6));
      expect(parsed[2]).toBe(new Date(1_700_000_000_001).toISOString());
      expect(parsed[4]).toBe("pc-test");
      expect(parsed[6]).toBe("image.pushed");
      const entry = (await record.entry(1))!;
      expect(parsed[7]).toBe(
        `[${SYSLOG_SD_ID} index="1" leafHash="${entry.leafHash}" digest="${entry.digest}" actor="ali\\"ce\\]1"]`,
      );
      expect(JSON.parse(parsed[8]!)).toEqual(entry);
      expect(first).toMatch(/^<84>1 .* runtime\.alert \[/);
      await vi.waitFor(async () => expect(await f.cursor()).toBe(6), { timeout: 5000 });

      // Another CA pinned: the handshake fails, nothing is sent, the error is reported.
      const errors: Error[] = [];
      const refused = new RecordForwarder(database, record, {
        target: { protocol: "tls", host: "127.0.0.1", port: receiver.port },
        name: "refused",
        ca: otherCa,
        minBackoffMs: 20,
        onError: (err) => errors.push(err),
      });
      forwarders.push(refused);
      refused.start();
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5000 });
      expect(errors[0]!.message).toMatch(/certificate/i);
      expect(await refused.cursor()).toBe(0);
      expect(receiver.messages).toHaveLength(6);
    });

    it("loses nothing when the receiver dies mid-stream and comes back, and resumes after a restart from its cursor", async () => {
      const receiver = new Receiver(false);
      receivers.push(receiver);
      await receiver.listen();
      const f = forwarder(receiver);
      f.start();
      // A steady stream of appends while the receiver is killed and restarted on the same port.
      let appended = 0;
      const appendSome = async (n: number) => {
        await record.append(Array.from({ length: n }, () => event(appended++)));
      };
      await appendSome(50);
      await vi.waitFor(() => expect(receiver.messages.length).toBeGreaterThanOrEqual(50), { timeout: 5000 });
      await appendSome(30);
      await receiver.kill();
      const before = receiver.indices();
      await appendSome(40);
      await new Promise((r) => setTimeout(r, 200));
      const back = new Receiver(false);
      receivers.push(back);
      await back.listen(receiver.port);
      await appendSome(30);
      await vi.waitFor(() => expect(back.indices()).toContain(149), { timeout: 10_000 });

      // Then the forwarder itself restarts (a new process): it resumes from its stored cursor.
      await vi.waitFor(async () => expect(await f.cursor()).toBe(150), { timeout: 5000 });
      await f.stop();
      await appendSome(10);
      const again = forwarder(back);
      again.start();
      await vi.waitFor(() => expect(back.indices()).toContain(159), { timeout: 10_000 });

      const all = [...before, ...back.indices()];
      // At least once: every entry arrived, in order on each connection...
      expect(new Set(all)).toEqual(new Set(Array.from({ length: 160 }, (_, i) => i)));
      // ...and duplicates only of what was unconfirmed when the first receiver died (none after the
      // clean restart: the second forwarder started past everything the first one had confirmed).
      const duplicates = all.length - 160;
      expect(duplicates).toBeLessThanOrEqual(80);
      expect(back.indices().filter((i) => i >= 150)).toEqual(Array.from({ length: 10 }, (_, i) => 150 + i));
    });

    it("wakes on an append of this process at once instead of waiting for its poll", async () => {
      const receiver = new Receiver(false);
      receivers.push(receiver);
      await receiver.listen();
      const f = forwarder(receiver, { pollMs: 60_000 });
      f.start();
      // Caught up (nothing to send) and asleep in a poll of a minute.
      await new Promise((r) => setTimeout(r, 300));
      await record.append([event(1)]);
      await vi.waitFor(() => expect(receiver.indices()).toEqual([0]), { timeout: 3000 });
    });
  });
}

const url = process.env.PORTCULLIS_TEST_POSTGRES;

// PostgreSQL when PORTCULLIS_TEST_POSTGRES is set (CI sets it), as databaseTestTargets() does.
describe.skipIf(!url)("RecordForwarder replicas on one PostgreSQL schema", () => {
  const schema = `t_fwd_${randomBytes(4).toString("hex")}`;
  let one: Database;
  let two: Database;
  const forwarders: RecordForwarder[] = [];
  const receiver = new Receiver(false);
  beforeAll(async () => {
    // Two pools on one schema, as two replicas of `serve` have.
    one = await openDatabase(url!, { schema, poolSize: 4 });
    two = await openDatabase(url!, { schema, poolSize: 4 });
    await receiver.listen();
  });
  afterAll(async () => {
    for (const f of forwarders) await f.stop();
    await receiver.kill().catch(() => {});
    await one?.close();
    await two?.close();
    await dropTestSchema(url!, schema);
  });

  it("elects one forwarder; when it stops another takes over from the cursor and nothing is lost", async () => {
    const replica = (database: Database) => {
      const record = new EventRecord(database);
      const f = new RecordForwarder(database, record, {
        target: { protocol: "tcp", host: "127.0.0.1", port: receiver.port },
        name: "test",
        pollMs: 20,
        confirmMs: 200,
        minBackoffMs: 20,
        maxBackoffMs: 100,
        leaseMs: 50,
      });
      forwarders.push(f);
      return { record, f };
    };
    const a = replica(one);
    const b = replica(two);
    a.f.start();
    await vi.waitFor(() => expect(a.f.leading).toBe(true), { timeout: 5000 });
    b.f.start();
    // Both replicas append; only the leader sends, so every entry arrives exactly once.
    await a.record.append(Array.from({ length: 10 }, (_, i) => event(i)));
    await b.record.append(Array.from({ length: 10 }, (_, i) => event(10 + i)));
    await vi.waitFor(() => expect(receiver.indices()).toHaveLength(20), { timeout: 5000 });
    await vi.waitFor(async () => expect(await a.f.cursor()).toBe(20), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(b.f.leading).toBe(false);
    expect(receiver.indices()).toEqual(Array.from({ length: 20 }, (_, i) => i));

    // The leader stops (its replica goes away): its lock is released and the other takes over.
    await a.f.stop();
    await b.record.append(Array.from({ length: 10 }, (_, i) => event(20 + i)));
    await vi.waitFor(() => expect(b.f.leading).toBe(true), { timeout: 5000 });
    await vi.waitFor(() => expect(new Set(receiver.indices()).size).toBe(30), { timeout: 5000 });
    // It resumed from the shared cursor: nothing lost, nothing the first had confirmed sent again.
    expect(receiver.indices()).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
