import { isIP, connect as netConnect, type Socket } from "node:net";
import { hostname } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { sql } from "kysely";
import type { Database } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import type { EventRecord } from "./record.js";
import { octetFrame, type SyslogFormat, syslogMessage } from "./syslog.js";

/** Where to forward: `tcp://host:port` or `tls://host:port` (TLS per RFC 5425, default port 6514). */
export interface SyslogTarget {
  readonly protocol: "tcp" | "tls";
  readonly host: string;
  readonly port: number;
}

export function parseSyslogUrl(url: string): SyslogTarget {
  const match = /^(tcp|tls):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(url.trim());
  if (!match) {
    throw new AuditError(
      "INVALID_ARGUMENT",
      `audit.syslog.url must be tcp://host:port or tls://host:port, not ${JSON.stringify(url)}`,
    );
  }
  const protocol = match[1] as "tcp" | "tls";
  const port = match[3] === undefined ? (protocol === "tls" ? 6514 : undefined) : Number(match[3]);
  if (port === undefined || port < 1 || port > 65535) {
    throw new AuditError("INVALID_ARGUMENT", `audit.syslog.url needs a port from 1 to 65535: ${url}`);
  }
  return { protocol, host: match[2]!.replace(/^\[|\]$/g, ""), port };
}

export interface ForwarderOptions {
  readonly target: SyslogTarget;
  /** PEM of the CA(s) the TLS server's certificate must chain to: only these, not the system's. */
  readonly ca?: string;
  readonly facility?: number;
  readonly appName?: string;
  /** The cursor's name (one per destination). */
  readonly name?: string;
  /** Entries read and in flight at most (the record itself is the backlog, so memory stays bounded). */
  readonly batch?: number;
  /**
   * How often to look for new entries when caught up: appends of this process wake it at once, so this
   * only bounds how late another replica's appends are seen.
   */
  readonly pollMs?: number;
  /**
   * On PostgreSQL: how often a replica that is not the forwarder tries to become it, and how often the
   * forwarder checks the connection holding its lock is alive.
   */
  readonly leaseMs?: number;
  /**
   * How long a written entry must stay on an open connection before it counts as delivered and the
   * stored cursor passes it. Syslog over TCP has no acknowledgement: a receiver that dies loses what
   * its socket had buffered, and the sender learns only from the closed connection. Entries written
   * within this window before a failure are sent again (at-least-once).
   */
  readonly confirmMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onError?: (err: Error) => void;
}

interface InFlight {
  readonly next: number;
  writtenAt: number | undefined;
}

/**
 * Forwards every entry appended to the record to a syslog receiver over TCP or TLS, as RFC 5424
 * messages with octet-counting framing, in leaf order, at least once. Its position is stored in the
 * database (record_cursors) and advanced only past confirmed entries, so a restart resumes where the
 * receiver last certainly got to; a lost connection is retried with exponential backoff and the
 * unconfirmed entries are sent again. On PostgreSQL every replica runs one, but only the holder of a
 * session advisory lock (on a connection of its own) forwards: when it stops or its connection dies,
 * PostgreSQL releases the lock and another replica takes over from the shared cursor. SQLite has one
 * process, so no election.
 */
export class RecordForwarder {
  private running = false;
  private socket: Socket | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Wakes the caught-up poll only (an append), never a backoff. */
  private idle: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  /** On PostgreSQL, while this replica is the forwarder: the lock's connection, held until release. */
  private lease: { readonly release: () => void; readonly ended: Promise<void> } | undefined;
  private readonly format: SyslogFormat;
  private readonly name: string;

  constructor(
    private readonly database: Database,
    private readonly record: EventRecord,
    private readonly options: ForwarderOptions,
  ) {
    const facility = options.facility ?? 13;
    if (!Number.isInteger(facility) || facility < 0 || facility > 23) {
      throw new AuditError("INVALID_ARGUMENT", `audit.syslog.facility must be 0..23, not ${facility}`);
    }
    this.format = {
      facility,
      appName: options.appName ?? "portcullis",
      hostname: hostname(),
      procId: String(process.pid),
    };
    this.name =
      options.name ?? `syslog:${options.target.protocol}://${options.target.host}:${options.target.port}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.record.onAppend(() => this.idle?.());
    this.loop = this.run();
  }

  /** Stops sending; the cursor keeps the last confirmed entry (the rest is sent again next start). */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    this.socket?.destroy();
    await this.loop;
    const lease = this.lease;
    lease?.release();
    await lease?.ended;
  }

  /** Whether this replica forwards now (on PostgreSQL only while it holds the lock). */
  get leading(): boolean {
    return this.database.dialect !== "postgres" || this.lease !== undefined;
  }

  /**
   * Becomes the forwarder if no other replica is: pg_try_advisory_lock on a pooled connection kept
   * out of the pool while held (a session lock lives as long as its connection, so a replica that dies
   * releases it). Keyed by schema and cursor name: replicas of another schema forward their own record.
   */
  private async lead(): Promise<boolean> {
    if (this.leading) return true;
    const key = sql`hashtext(current_schema() || ${`:record-forwarder:${this.name}`})`;
    const check = this.options.leaseMs ?? 5000;
    let acquired: (ok: boolean) => void = () => {};
    const answer = new Promise<boolean>((resolve) => {
      acquired = resolve;
    });
    let release: () => void = () => {};
    let released = false;
    const releasedSignal = new Promise<void>((resolve) => {
      release = () => {
        released = true;
        resolve();
      };
    });
    const ended = this.database.db
      .connection()
      .execute(async (conn) => {
        const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${key}) as ok`.execute(conn);
        if (rows[0]?.ok !== true) return acquired(false);
        acquired(true);
        // A dead connection has lost the lock to another replica: noticed here, this one stops.
        while (!released) {
          await Promise.race([releasedSignal, new Promise((r) => setTimeout(r, check).unref())]);
          if (!released) await sql`select 1`.execute(conn);
        }
        await sql`select pg_advisory_unlock(${key})`.execute(conn);
      })
      .catch((err: Error) => {
        acquired(false);
        this.options.onError?.(err);
      })
      .finally(() => {
        this.lease = undefined;
        this.wake?.();
      });
    if (!(await answer)) {
      await ended;
      return false;
    }
    this.lease = { release, ended };
    return true;
  }

  /** The stored position: the next leaf index to send. */
  async cursor(): Promise<number> {
    const row = await this.database.db
      .selectFrom("record_cursors")
      .select("next")
      .where("name", "=", this.name)
      .executeTakeFirst();
    return row ? Number(row.next) : 0;
  }

  private async saveCursor(next: number): Promise<void> {
    const now = Date.now();
    await this.database.db
      .insertInto("record_cursors")
      .values({ name: this.name, next, updated_at: now })
      .onConflict((oc) => oc.column("name").doUpdateSet({ next, updated_at: now }))
      .execute();
  }

  private sleep(ms: number, wakeOnAppend = false): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.idle === done) this.idle = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
      if (wakeOnAppend) this.idle = done;
    });
  }

  private async run(): Promise<void> {
    const min = this.options.minBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = min;
    while (this.running) {
      if (!(await this.lead())) {
        await this.sleep(this.options.leaseMs ?? 5000);
        continue;
      }
      try {
        const sentSome = await this.session();
        if (sentSome) backoff = min;
      } catch (err) {
        this.options.onError?.(err as Error);
      }
      if (!this.running) break;
      // Full jitter: replicas and restarts do not reconnect in step.
      await this.sleep(Math.round(backoff / 2 + (Math.random() * backoff) / 2));
      backoff = Math.min(max, backoff * 2);
    }
  }

  private connect(): Promise<Socket> {
    const { target, ca } = this.options;
    return new Promise((resolve, reject) => {
      const socket =
        target.protocol === "tls"
          ? tlsConnect({
              host: target.host,
              port: target.port,
              // SNI names a host, never an address; the certificate is checked against either.
              ...(isIP(target.host) ? {} : { servername: target.host }),
              ...(ca ? { ca } : {}),
            })
          : netConnect({ host: target.host, port: target.port });
      const ready = target.protocol === "tls" ? "secureConnect" : "connect";
      socket.once(ready, () => {
        socket.off("error", reject);
        resolve(socket);
      });
      socket.once("error", reject);
    });
  }

  /**
   * One connection: send from the stored cursor until it fails. Resolves true when anything was
   * confirmed on it (the backoff starts over), rejects with the connection's error.
   */
  private async session(): Promise<boolean> {
    const socket = await this.connect();
    this.socket = socket;
    socket.setKeepAlive(true, 10_000);
    // The receiver sends nothing back; reading keeps a peer's close visible.
    socket.resume();
    let failure: Error | undefined;
    socket.once("error", (err) => {
      failure = err;
    });
    socket.once("close", () => {
      failure ??= new Error("the syslog receiver closed the connection");
      this.wake?.();
    });
    const batch = this.options.batch ?? 500;
    const confirmMs = this.options.confirmMs ?? 2000;
    const pollMs = this.options.pollMs ?? 1000;
    let confirmed = Math.max(await this.cursor(), await this.record.prunedBelow());
    let next = confirmed;
    let confirmedAny = false;
    const inFlight: InFlight[] = [];
    try {
      while (this.running && failure === undefined && this.leading) {
        // Entries that stayed on the open connection long enough count as delivered.
        const now = Date.now();
        let advanced = confirmed;
        while (
          inFlight.length > 0 &&
          inFlight[0]!.writtenAt !== undefined &&
          now - inFlight[0]!.writtenAt >= confirmMs
        ) {
          advanced = inFlight.shift()!.next;
        }
        if (advanced > confirmed && failure === undefined) {
          confirmed = advanced;
          confirmedAny = true;
          await this.saveCursor(confirmed);
        }
        const room = batch - inFlight.length;
        const entries =
          room > 0 ? await this.record.query({ after: next - 1, limit: Math.min(room, 1000) }) : [];
        if (failure !== undefined) break;
        for (const entry of entries) {
          const item: InFlight = { next: entry.index + 1, writtenAt: undefined };
          inFlight.push(item);
          socket.write(octetFrame(syslogMessage(entry, this.format)), (err) => {
            if (!err) item.writtenAt = Date.now();
          });
          next = entry.index + 1;
        }
        if (entries.length === 0)
          await this.sleep(Math.min(pollMs, inFlight.length > 0 ? confirmMs : pollMs), true);
      }
    } finally {
      socket.destroy();
      this.socket = undefined;
    }
    if (failure && this.running) throw failure;
    return confirmedAny;
  }
}
