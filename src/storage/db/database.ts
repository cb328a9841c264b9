import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
  sql,
} from "kysely";
import { StorageError } from "../driver.js";
import { migrateToLatest } from "./migrations.js";
import type { Schema } from "./schema.js";

export type DialectName = "sqlite" | "postgres";

export interface Database {
  readonly db: Kysely<Schema>;
  readonly dialect: DialectName;
  /** A description safe to log (no password). */
  readonly description: string;
  /**
   * PostgreSQL only: opens a connection of its own, outside the pool, with the schema's search path
   * (LISTEN holds its session: a pooled connection would be handed to other queries). The caller ends it.
   */
  readonly dedicatedConnection?: () => Promise<DedicatedConnection>;
  /**
   * PostgreSQL only: statements sent to the server so far by this pool, BEGIN and COMMIT included (its
   * round trips: `/metrics` shows them, and the replica benchmark divides them by requests served).
   */
  readonly statements?: () => number;
  /** PostgreSQL only: the schema the pool's sessions use (`public` when none was given). */
  readonly schema?: string;
  close(): Promise<void>;
}

/** The part of a `pg.Client` a listener needs (pg is loaded only when PostgreSQL is used). */
export interface DedicatedConnection {
  query(text: string, values?: unknown[]): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  end(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL schema to use (created when missing); tests use one per run. */
  schema?: string;
  /** Connection pool size for PostgreSQL. */
  poolSize?: number;
  /** Apply migrations on open (default true). */
  migrate?: boolean;
}

/**
 * Opens the metadata database named by `url`: `postgres://` or `postgresql://` for PostgreSQL,
 * otherwise SQLite at a file path (`sqlite:` prefix optional, `:memory:` for tests).
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  // Each driver is loaded only when used: a process holds one of them, not both (about 15 MiB each).
  const database = /^postgres(ql)?:\/\//.test(url) ? await openPostgres(url, options) : await openSqlite(url);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(database.db as Kysely<unknown>, database.dialect);
    } catch (err) {
      await database.close();
      throw new StorageError("IO", `cannot migrate ${database.description}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return database;
}

async function openSqlite(url: string): Promise<Database> {
  const { default: SqliteDatabase } = await import("better-sqlite3");
  const path = url.replace(/^sqlite:/, "");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL keeps readers off the writer's back; NORMAL is crash-safe for a killed process (only a power
  // loss may drop the last commits, never corrupt the file); busy_timeout lets `gc` run beside `serve`.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 10000");
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<Schema>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return {
    db,
    dialect: "sqlite",
    description: `SQLite ${path}`,
    close: () => db.destroy(),
  };
}

/**
 * Transactions take SQLite's write lock up front (BEGIN IMMEDIATE). A deferred transaction that
 * reads first and writes later fails with SQLITE_BUSY at once, without waiting, when another
 * process holds the lock (`portcullis gc` beside `serve`); an immediate one waits busy_timeout.
 * Every transaction of ours writes anyway.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/**
 * Kysely prepares every query afresh; SQLite then parses and plans it each time. The registry runs
 * the same few dozen statements over and over, so keep the prepared ones (better-sqlite3 statements
 * are reusable, and Kysely runs each to completion synchronously). Bounded, oldest dropped first.
 */
function withStatementCache(sqlite: SqliteConnection): SqliteConnection {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

const STATEMENT_CACHE_SIZE = 500;

type SqliteConnection = Extract<SqliteDialectConfig["database"], { prepare: unknown }>;

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const { default: pg } = await import("pg");
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new StorageError("INVALID_PATH", `invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // bigint columns hold epoch milliseconds and sizes, all well inside Number's safe range.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === 20
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  let statements = 0;
  // Counted where they leave: every query Kysely sends goes through a pooled client's query().
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      statements++;
      return query(...args);
    };
  });
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: async (connection) => {
        if (schema) {
          // IF NOT EXISTS does not hold between sessions creating the schema at once: the losers fail
          // on the catalog's unique index (and a failed connection is never returned to the pool).
          await connection
            .executeQuery(sql.raw(`CREATE SCHEMA IF NOT EXISTS ${schema}`).compile(db))
            .catch((err: unknown) => {
              const code = (err as { code?: unknown } | null)?.code;
              if (code !== "23505" && code !== "42P06") throw err;
            });
          await connection.executeQuery(sql.raw(`SET search_path TO ${schema}`).compile(db));
        }
      },
    }),
  });
  return {
    db,
    dialect: "postgres",
    description: `PostgreSQL ${redactUrl(url)}${schema ? ` (schema ${schema})` : ""}`,
    schema: schema ?? "public",
    statements: () => statements,
    dedicatedConnection: async () => {
      const client = new pg.Client({ connectionString: url });
      // An error before the caller's own listener is attached must not crash the process.
      client.on("error", () => {});
      await client.connect();
      if (schema) await client.query(`SET search_path TO ${schema}`);
      return client;
    },
    close: () => db.destroy(),
  };
}

/** Drops the password from a connection URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparsable url>";
  }
}
