import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { DialectName } from "./database.js";

/**
 * Migrations are code, in order, named by number. They run inside a transaction per migration
 * (Kysely's Migrator), and hold a lock table so that two replicas starting together do not race.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  const autoId = dialect === "postgres" ? "serial" : "integer";
  const bytes = dialect === "postgres" ? "bytea" : "blob";
  // Tag and repository lists are in byte-wise lexical order (the specification's "lexical order"):
  // SQLite compares text with BINARY already; PostgreSQL needs the "C" collation on those columns.
  const lexical = dialect === "postgres" ? sql`collate "C"` : sql``;
  return {
    "0001_registry": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("repositories")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("name", "text", (c) => c.notNull().unique().modifyEnd(lexical))
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("blobs")
          .addColumn("digest", "text", (c) => c.primaryKey())
          .addColumn("size", "bigint", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("linked_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("repository_blobs")
          .addColumn("repository_id", "integer", (c) => c.notNull().references("repositories.id"))
          .addColumn("digest", "text", (c) => c.notNull().references("blobs.digest"))
          .addColumn("linked_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("repository_blobs_pk", ["repository_id", "digest"])
          .execute();
        await db.schema
          .createIndex("repository_blobs_digest")
          .on("repository_blobs")
          .column("digest")
          .execute();
        await db.schema
          .createTable("manifests")
          .addColumn("repository_id", "integer", (c) => c.notNull().references("repositories.id"))
          .addColumn("digest", "text", (c) => c.notNull())
          .addColumn("media_type", "text", (c) => c.notNull())
          .addColumn("artifact_type", "text")
          .addColumn("subject_digest", "text")
          .addColumn("annotations", "text")
          .addColumn("size", "bigint", (c) => c.notNull())
          .addColumn("content", sql.raw(bytes), (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("manifests_pk", ["repository_id", "digest"])
          .execute();
        await db.schema
          .createIndex("manifests_subject")
          .on("manifests")
          .columns(["repository_id", "subject_digest"])
          .execute();
        await db.schema
          .createTable("manifest_refs")
          .addColumn("repository_id", "integer", (c) => c.notNull())
          .addColumn("manifest_digest", "text", (c) => c.notNull())
          .addColumn("child_digest", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("manifest_refs_pk", ["repository_id", "manifest_digest", "child_digest"])
          .execute();
        await db.schema
          .createIndex("manifest_refs_child")
          .on("manifest_refs")
          .columns(["child_digest"])
          .execute();
        await db.schema
          .createIndex("manifest_refs_repo_child")
          .on("manifest_refs")
          .columns(["repository_id", "child_digest"])
          .execute();
        await db.schema
          .createTable("tags")
          .addColumn("repository_id", "integer", (c) => c.notNull().references("repositories.id"))
          .addColumn("name", "text", (c) => c.notNull().modifyEnd(lexical))
          .addColumn("manifest_digest", "text", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("tags_pk", ["repository_id", "name"])
          .execute();
        await db.schema
          .createIndex("tags_manifest")
          .on("tags")
          .columns(["repository_id", "manifest_digest"])
          .execute();
        await db.schema
          .createTable("uploads")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("repository_id", "integer", (c) => c.notNull().references("repositories.id"))
          .addColumn("size", "bigint", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  // Kysely looks for its migration tables in every schema unless told which one: with another schema
  // of the same PostgreSQL database already migrated, it would skip creating them in ours and fail.
  const schema =
    dialect === "postgres"
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: "portcullis_migrations",
    migrationLockTableName: "portcullis_migrations_lock",
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
