import { createHash, randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { StorageError } from "../driver.js";
import type { Database, DedicatedConnection } from "./database.js";
import type { Schema } from "./schema.js";

/** Called with the key another replica changed, or undefined when everything under the topic may have. */
export type InvalidationListener = (key: string | undefined) => void;

/**
 * Tells the other replicas on one database that something they may keep in memory has changed (issue
 * 16, "gate caches are invalidated across replicas"). A publication names a topic (what kind of cache)
 * and optionally a key (which entry); a subscriber drops what it names. Nothing is promised across a
 * lost connection: the listener then calls every subscriber with no key, which must drop everything.
 */
export interface InvalidationBus {
  /**
   * Sends a change to the other replicas; resolves once PostgreSQL has taken it. Given a transaction
   * (`within`), the notification is sent when, and only if, that transaction commits: the replicas hear
   * of a change together with its commit, before the writer has answered anyone.
   */
  publish(topic: string, key?: string, within?: Kysely<Schema>): Promise<void>;
  /** Calls `listener` for the other replicas' changes under `topic` (never this process's own). */
  subscribe(topic: string, listener: InvalidationListener): () => void;
  close(): Promise<void>;
}

/** One process has no other replica to tell: SQLite (one writer process), tests. */
export class LocalInvalidationBus implements InvalidationBus {
  async publish(): Promise<void> {}
  subscribe(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

/** NOTIFY payloads are limited to 8000 bytes; a longer key is sent as "everything under the topic". */
const MAX_PAYLOAD = 7900;
const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5000;

export interface PostgresInvalidationBusOptions {
  readonly onError?: (err: unknown, what: string) => void;
}

interface Message {
  /** The publishing process, so its own publications are not applied twice. */
  readonly o: string;
  readonly t: string;
  readonly k?: string;
}

/**
 * The bus over PostgreSQL LISTEN/NOTIFY: publications go through the pool (`pg_notify`, delivered when
 * it commits), and one connection outside the pool listens on a channel per schema, so replicas of two
 * deployments sharing a server do not hear each other. When that connection is lost it is opened again
 * with backoff, and every subscriber is told to drop everything once it listens again: notifications
 * sent meanwhile are gone.
 */
export class PostgresInvalidationBus implements InvalidationBus {
  private readonly origin = randomBytes(8).toString("hex");
  private readonly channel: string;
  private readonly listeners = new Map<string, Set<InvalidationListener>>();
  private connection: DedicatedConnection | undefined;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  /** How many times the listener has connected (tests wait for a reconnection by it). */
  connections = 0;

  private constructor(
    private readonly database: Database & Required<Pick<Database, "dedicatedConnection">>,
    private readonly options: PostgresInvalidationBusOptions,
  ) {
    const hash = createHash("sha256")
      .update(database.schema ?? "public")
      .digest("hex")
      .slice(0, 24);
    this.channel = `portcullis_changes_${hash}`;
  }

  /** Opens the listening connection; resolves once it listens (a failure there is the caller's). */
  static async open(
    database: Database,
    options: PostgresInvalidationBusOptions = {},
  ): Promise<PostgresInvalidationBus> {
    if (!database.dedicatedConnection) {
      throw new StorageError("IO", "the invalidation bus needs a PostgreSQL database");
    }
    const bus = new PostgresInvalidationBus(
      database as Database & Required<Pick<Database, "dedicatedConnection">>,
      options,
    );
    await bus.connect();
    return bus;
  }

  async publish(topic: string, key?: string, within?: Kysely<Schema>): Promise<void> {
    let payload = JSON.stringify({ o: this.origin, t: topic, ...(key === undefined ? {} : { k: key }) });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) payload = JSON.stringify({ o: this.origin, t: topic });
    await sql`select pg_notify(${this.channel}, ${payload})`.execute(within ?? this.database.db);
  }

  subscribe(topic: string, listener: InvalidationListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The listening session's backend pid (tests end it to prove the reconnection). */
  async listenerPid(): Promise<number | undefined> {
    const result = (await this.connection?.query("select pg_backend_pid() as pid")) as
      | { rows: Array<{ pid: number }> }
      | undefined;
    return result?.rows[0]?.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => {});
    const connection = this.connection;
    this.connection = undefined;
    await connection?.end().catch(() => {});
  }

  private connect(): Promise<void> {
    this.connecting ??= this.listen().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async listen(): Promise<void> {
    const connection = await this.database.dedicatedConnection();
    if (this.closed) {
      await connection.end().catch(() => {});
      return;
    }
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.connection === connection) this.connection = undefined;
      connection.end().catch(() => {});
      if (this.closed) return;
      if (err) this.options.onError?.(err, "the invalidation listener's connection");
      this.retryLater();
    };
    connection.on("error", (err) => onLost(err));
    connection.on("end", () => onLost());
    connection.on("notification", (message) => {
      if (message.channel === this.channel && message.payload !== undefined) this.deliver(message.payload);
    });
    try {
      await connection.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      lost = true;
      await connection.end().catch(() => {});
      throw err;
    }
    this.connection = connection;
    this.connections++;
    this.retryMs = FIRST_RETRY_MS;
    // Whatever was published while nothing listened is lost: everything remembered may be stale.
    this.flushAll();
  }

  private retryLater(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(LAST_RETRY_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.connect().catch((err: unknown) => {
        this.options.onError?.(err, "reconnecting the invalidation listener");
        this.retryLater();
      });
    }, delay);
    this.retryTimer.unref();
  }

  private deliver(payload: string): void {
    let message: Message;
    try {
      message = JSON.parse(payload) as Message;
    } catch {
      return;
    }
    if (typeof message !== "object" || message === null || typeof message.t !== "string") return;
    if (message.o === this.origin) return;
    const key = typeof message.k === "string" ? message.k : undefined;
    for (const listener of this.listeners.get(message.t) ?? []) this.call(listener, key, message.t);
  }

  private flushAll(): void {
    for (const [topic, set] of this.listeners)
      for (const listener of set) this.call(listener, undefined, topic);
  }

  private call(listener: InvalidationListener, key: string | undefined, topic: string): void {
    try {
      listener(key);
    } catch (err) {
      this.options.onError?.(err, `an invalidation listener of ${topic}`);
    }
  }
}

/** The bus a database needs: LISTEN/NOTIFY on PostgreSQL, nothing on SQLite (one process). */
export async function openInvalidationBus(
  database: Database,
  options: PostgresInvalidationBusOptions = {},
): Promise<InvalidationBus> {
  return database.dialect === "postgres" && database.dedicatedConnection
    ? PostgresInvalidationBus.open(database, options)
    : new LocalInvalidationBus();
}
