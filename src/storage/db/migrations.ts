import { type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "./database.js";

/**
 * Migrations are code, in order, named by number, applied by `migrateToLatest` below.
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
    "0002_scan_reports": {
      async up(db: Kysely<unknown>) {
        // Evidence is keyed by digest alone: the same image pushed to two repositories is one scan.
        await db.schema
          .createTable("scan_reports")
          .addColumn("digest", "text", (c) => c.primaryKey())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("error", "text")
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("sbom_digest", "text")
          .addColumn("sbom", sql.raw(bytes))
          .addColumn("report", "text")
          .addColumn("summary", "text")
          .addColumn("advisory_revision", "text")
          .addColumn("requested_at", "bigint", (c) => c.notNull())
          .addColumn("scanned_at", "bigint")
          .execute();
        await db.schema.createIndex("scan_reports_status").on("scan_reports").column("status").execute();
      },
    },
    "0003_decisions": {
      async up(db: Kysely<unknown>) {
        // The audit log: append-only, each row chained to the one before by prev_hash (see src/audit).
        await db.schema
          .createTable("decisions")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("gate", "text", (c) => c.notNull())
          .addColumn("actor", "text")
          .addColumn("namespace", "text")
          .addColumn("workload", "text")
          .addColumn("image", "text", (c) => c.notNull())
          .addColumn("digest", "text")
          .addColumn("effect", "text", (c) => c.notNull())
          .addColumn("mode", "text", (c) => c.notNull())
          .addColumn("break_glass", "text")
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("rules", "text", (c) => c.notNull())
          .addColumn("policy_digest", "text")
          .addColumn("prev_hash", "text", (c) => c.notNull())
          .addColumn("hash", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("decisions_at").on("decisions").column("at").execute();
        await db.schema.createIndex("decisions_digest").on("decisions").column("digest").execute();
      },
    },
    "0004_decision_caller": {
      async up(db: Kysely<unknown>) {
        // How the admission webhook's caller was authenticated; rows without it keep their v1 hash.
        await db.schema.alterTable("decisions").addColumn("caller", "text").execute();
      },
    },
    "0005_identity": {
      async up(db: Kysely<unknown>) {
        const id = (t: string) =>
          db.schema
            .createTable(t)
            .addColumn("id", autoId, (c) =>
              dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
            );
        await id("users")
          .addColumn("name", "text", (c) => c.notNull().unique().modifyEnd(lexical))
          .addColumn("email", "text")
          .addColumn("password_hash", "text")
          .addColumn("source", "text", (c) => c.notNull())
          .addColumn("external_id", "text")
          .addColumn("admin", "integer", (c) => c.notNull())
          .addColumn("disabled", "integer", (c) => c.notNull())
          .addColumn("must_change_password", "integer", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await id("groups")
          .addColumn("name", "text", (c) => c.notNull().unique().modifyEnd(lexical))
          .addColumn("source", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("group_members")
          .addColumn("group_id", "integer", (c) => c.notNull().references("groups.id").onDelete("cascade"))
          .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
          .addPrimaryKeyConstraint("group_members_pk", ["group_id", "user_id"])
          .execute();
        await db.schema.createIndex("group_members_user").on("group_members").column("user_id").execute();
        await id("projects")
          .addColumn("name", "text", (c) => c.notNull().unique().modifyEnd(lexical))
          .addColumn("public", "integer", (c) => c.notNull())
          .addColumn("settings", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await id("project_members")
          .addColumn("project_id", "integer", (c) =>
            c.notNull().references("projects.id").onDelete("cascade"),
          )
          .addColumn("principal_kind", "text", (c) => c.notNull())
          .addColumn("principal_id", "integer", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("repositories", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("project_members_principal")
          .on("project_members")
          .columns(["principal_kind", "principal_id"])
          .execute();
        await db.schema
          .createTable("roles")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("description", "text", (c) => c.notNull())
          .addColumn("permissions", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await id("robots")
          .addColumn("name", "text", (c) => c.notNull().unique())
          .addColumn("description", "text", (c) => c.notNull())
          .addColumn("secret_hash", "text", (c) => c.notNull())
          .addColumn("project_id", "integer", (c) => c.references("projects.id").onDelete("cascade"))
          .addColumn("grants", "text", (c) => c.notNull())
          .addColumn("expires_at", "bigint")
          .addColumn("disabled", "integer", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("refresh_tokens")
          .addColumn("digest", "text", (c) => c.primaryKey())
          .addColumn("principal_kind", "text", (c) => c.notNull())
          .addColumn("principal_id", "integer", (c) => c.notNull())
          .addColumn("client_id", "text", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .addColumn("revoked_at", "bigint")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("token_keys")
          .addColumn("kid", "text", (c) => c.primaryKey())
          .addColumn("algorithm", "text", (c) => c.notNull())
          .addColumn("public_jwk", "text", (c) => c.notNull())
          .addColumn("private_key", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("retired_at", "bigint")
          .execute();
        await db.schema
          .createTable("login_failures")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("failures", "integer", (c) => c.notNull())
          .addColumn("first_at", "bigint", (c) => c.notNull())
          .addColumn("locked_until", "bigint")
          .execute();
        await db.schema
          .createTable("auth_state")
          .addColumn("id", "integer", (c) => c.primaryKey())
          .addColumn("revision", "bigint", (c) => c.notNull())
          .execute();
        await (db as Kysely<{ auth_state: { id: number; revision: number } }>)
          .insertInto("auth_state")
          .values({ id: 1, revision: 0 })
          .execute();
      },
    },
    "0006_user_tokens": {
      async up(db: Kysely<unknown>) {
        // Personal access tokens: API and registry credentials a user makes for scripts and the CLI,
        // which outlive a single sign-on session (stored as SHA-256; shown once).
        await db.schema
          .createTable("user_tokens")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("digest", "text", (c) => c.notNull().unique())
          .addColumn("expires_at", "bigint")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("last_used_at", "bigint")
          .execute();
      },
    },
    "0007_decision_filters": {
      async up(db: Kysely<unknown>) {
        // The console's decision log filters one column and pages newest first: an index per filter
        // ending in id answers "the newest 50 denials" from the index, in order, on millions of rows.
        for (const column of ["gate", "effect", "actor", "namespace"]) {
          await db.schema
            .createIndex(`decisions_${column}_id`)
            .on("decisions")
            .columns([column, "id"])
            .execute();
        }
        // Break-glass entries are rare: a partial index holds only them.
        await db.schema
          .createIndex("decisions_break_glass_id")
          .on("decisions")
          .column("id")
          .where(sql.ref("break_glass"), "is not", null)
          .execute();
      },
    },
    "0008_manifest_pulls": {
      async up(db: Kysely<unknown>) {
        // When a manifest was last pulled (retention's "pulled within" and "most recently pulled"):
        // written by registry/pulls.ts at most once a minute per manifest, never on the pull itself.
        await db.schema.alterTable("manifests").addColumn("last_pulled_at", "bigint").execute();
      },
    },
    "0009_console": {
      async up(db: Kysely<unknown>) {
        // Who pushed a manifest (the registry's actor at push; null on rows pushed before), and the
        // indexes the console's lists read by: a repository's manifests newest first, and the newest
        // decision of a digest.
        await db.schema.alterTable("manifests").addColumn("pushed_by", "text").execute();
        await db.schema
          .createIndex("manifests_repository_created")
          .on("manifests")
          .columns(["repository_id", "created_at"])
          .execute();
        await db.schema
          .createIndex("decisions_digest_id")
          .on("decisions")
          .columns(["digest", "id"])
          .execute();
      },
    },
    "0010_project_usage": {
      async up(db: Kysely<unknown>) {
        // Projects' storage usage, kept as a ledger by the registry (registry/usage.ts) so a quota check
        // reads one row; filled here from what the repositories already hold.
        await db.schema
          .createTable("project_content")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("digest", "text", (c) => c.notNull())
          .addColumn("refs", "integer", (c) => c.notNull())
          .addColumn("size", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("project_content_pk", ["project", "kind", "digest"])
          .execute();
        await db.schema
          .createTable("project_usage")
          .addColumn("project", "text", (c) => c.primaryKey())
          .addColumn("bytes", "bigint", (c) => c.notNull())
          .execute();
        const project =
          dialect === "postgres"
            ? sql`split_part(r.name, '/', 1)`
            : sql`case when instr(r.name, '/') > 0 then substr(r.name, 1, instr(r.name, '/') - 1) else r.name end`;
        await sql`insert into project_content (project, kind, digest, refs, size)
          select ${project}, 'blob', rb.digest, count(*), max(b.size)
          from repository_blobs rb
          join repositories r on r.id = rb.repository_id
          join blobs b on b.digest = rb.digest
          group by ${project}, rb.digest`.execute(db);
        await sql`insert into project_content (project, kind, digest, refs, size)
          select ${project}, 'manifest', m.digest, count(*), max(m.size)
          from manifests m
          join repositories r on r.id = m.repository_id
          group by ${project}, m.digest`.execute(db);
        await sql`insert into project_usage (project, bytes)
          select project, sum(size) from project_content group by project`.execute(db);
      },
    },
    "0011_event_record": {
      async up(db: Kysely<unknown>) {
        // The one record (audit/record): its leaves, its stored perfect subtrees, and its signing key.
        await db.schema
          .createTable("record_entries")
          // SQLite: an integer primary key is the rowid itself (no second b-tree for 10 million leaves).
          .addColumn("idx", dialect === "postgres" ? "bigint" : "integer", (c) => c.primaryKey())
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("actor", "text")
          .addColumn("digest", "text")
          .addColumn("repository", "text")
          .addColumn("namespace", "text")
          .addColumn("pod", "text")
          .addColumn("container_id", "text")
          .addColumn("summary", "text", (c) => c.notNull())
          .addColumn("leaf", "text", (c) => c.notNull())
          // The decision row a gate.decision or access entry mirrors (audit/log.ts): at most one entry
          // each, so the startup backfill and the live mirror never record a decision twice.
          .addColumn("decision_id", "bigint")
          .execute();
        await db.schema
          .createIndex("record_entries_decision_id")
          .on("record_entries")
          .column("decision_id")
          .unique()
          .execute();
        // Lookups end in idx, so a timeline is read from the index in order.
        for (const columns of [
          ["digest"],
          ["kind"],
          ["actor"],
          ["repository"],
          ["namespace", "pod"],
          ["container_id"],
          ["at"],
        ]) {
          await db.schema
            .createIndex(`record_entries_${columns.join("_")}_idx`)
            .on("record_entries")
            .columns([...columns, "idx"])
            .execute();
        }
        await db.schema
          .createTable("record_nodes")
          .addColumn("level", "integer", (c) => c.notNull())
          .addColumn("idx", "bigint", (c) => c.notNull())
          .addColumn("hash", sql.raw(bytes), (c) => c.notNull())
          .addPrimaryKeyConstraint("record_nodes_pk", ["level", "idx"])
          .execute();
        await db.schema
          .createTable("record_keys")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("public_key", "text", (c) => c.notNull())
          .addColumn("sealed_seed", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
      },
    },
    "0012_robot_system_permissions": {
      async up(db: Kysely<unknown>) {
        // System permissions a system robot holds (auth/permissions.ts ROBOT_SYSTEM_PERMISSIONS), a JSON
        // array: runtime.write lets falcosidekick or an API server's audit webhook post as a robot.
        await db.schema
          .alterTable("robots")
          .addColumn("system_permissions", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
      },
    },
    "0013_grafeas": {
      async up(db: Kysely<unknown>) {
        // Grafeas occurrences and notes posted from outside (a CI system's "tests passed"); the ones
        // Portcullis derives from its own evidence are computed on read and never stored.
        await db.schema
          .createTable("grafeas_occurrences")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("id", "text", (c) => c.notNull())
          .addColumn("resource_uri", "text", (c) => c.notNull())
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("digest", "text", (c) => c.notNull())
          .addColumn("note_name", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("grafeas_occurrences_pk", ["project", "id"])
          .execute();
        await db.schema
          .createIndex("grafeas_occurrences_digest")
          .on("grafeas_occurrences")
          .columns(["digest", "repository"])
          .execute();
        await db.schema
          .createIndex("grafeas_occurrences_note")
          .on("grafeas_occurrences")
          .columns(["note_name", "created_at"])
          .execute();
        await db.schema
          .createTable("grafeas_notes")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("grafeas_notes_pk", ["project", "id"])
          .execute();
      },
    },
    "0014_webhooks": {
      async up(db: Kysely<unknown>) {
        // Outgoing notifications (app/notifications): a project's webhook subscriptions, one delivery per
        // event and subscription (its state and next attempt), one row per attempt (the delivery log),
        // and the critical findings already announced per digest (a re-scan announces only new ones).
        await db.schema
          .createTable("webhooks")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("events", "text", (c) => c.notNull())
          .addColumn("secret_sealed", "text", (c) => c.notNull())
          .addColumn("enabled", "integer", (c) => c.notNull())
          .addColumn("allow_insecure", "integer", (c) => c.notNull())
          .addColumn("description", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("webhooks_project").on("webhooks").column("project").execute();
        await db.schema
          .createTable("webhook_deliveries")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("webhook_id", "text", (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
          .addColumn("event_id", "text", (c) => c.notNull())
          .addColumn("event_type", "text", (c) => c.notNull())
          .addColumn("payload", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("next_attempt_at", "bigint")
          .addColumn("claimed_until", "bigint")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("webhook_deliveries_webhook_id")
          .on("webhook_deliveries")
          .columns(["webhook_id", "id"])
          .execute();
        await db.schema
          .createIndex("webhook_deliveries_due")
          .on("webhook_deliveries")
          .columns(["state", "next_attempt_at"])
          .execute();
        await db.schema
          .createTable("webhook_attempts")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("delivery_id", "integer", (c) =>
            c.notNull().references("webhook_deliveries.id").onDelete("cascade"),
          )
          .addColumn("attempt", "integer", (c) => c.notNull())
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("status_code", "integer")
          .addColumn("duration_ms", "integer", (c) => c.notNull())
          .addColumn("error", "text")
          .addColumn("next_retry_at", "bigint")
          .execute();
        await db.schema
          .createIndex("webhook_attempts_delivery")
          .on("webhook_attempts")
          .columns(["delivery_id", "attempt"])
          .execute();
        await db.schema
          .createTable("notified_criticals")
          .addColumn("digest", "text", (c) => c.notNull())
          .addColumn("finding", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("notified_criticals_pk", ["digest", "finding"])
          .execute();
      },
    },
    "0018_record_forwarding": {
      async up(db: Kysely<unknown>) {
        // How far each forwarder of the record (audit.syslog) got: the next leaf index to send, stored
        // so a restart resumes there instead of resending the record or skipping what it missed.
        await db.schema
          .createTable("record_cursors")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("next", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        // Delivery-row retention deletes finished deliveries by age.
        await db.schema
          .createIndex("webhook_deliveries_created_at")
          .on("webhook_deliveries")
          .columns(["created_at", "id"])
          .execute();
      },
    },
    "0019_rate_limit_windows": {
      async up(db: Kysely<unknown>) {
        // Requests per key and minute (auth/rate-limit.ts), so replicas on PostgreSQL share one limit.
        await db.schema
          .createTable("rate_limit_windows")
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("minute", "bigint", (c) => c.notNull())
          .addColumn("count", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("rate_limit_windows_pk", ["key", "minute"])
          .execute();
      },
    },
    "0021_replicas": {
      async up(db: Kysely<unknown>) {
        // Background jobs shared by replicas on PostgreSQL (jobs/postgres.ts): taken with SKIP LOCKED,
        // held under a lease the runner renews, taken again by another replica once the lease lapses.
        await db.schema
          .createTable("jobs")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("key", "text")
          .addColumn("payload", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("owner", "text")
          .addColumn("lease_until", "bigint")
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        // One waiting job per key (a running one may have a successor queued, as in InProcessQueue).
        await db.schema
          .createIndex("jobs_waiting_key")
          .on("jobs")
          .columns(["kind", "key"])
          .unique()
          .where(sql.ref("state"), "=", "waiting")
          .execute();
        await db.schema.createIndex("jobs_take").on("jobs").columns(["kind", "state", "id"]).execute();
      },
    },
    "0023_proxy_credentials": {
      async up(db: Kysely<unknown>) {
        // A proxy project's upstream password, sealed (app/proxy.ts): apart from the project's settings,
        // which the API returns, so it is never read back.
        await db.schema
          .createTable("proxy_credentials")
          .addColumn("project", "text", (c) => c.primaryKey())
          .addColumn("sealed_password", "text", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
      },
    },
    "0022_replication": {
      async up(db: Kysely<unknown>) {
        // Replication between sites (app/replication): rules, their runs and each run's artifacts.
        await db.schema
          .createTable("replication_rules")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull().unique())
          .addColumn("direction", "text", (c) => c.notNull())
          .addColumn("registry", "text", (c) => c.notNull())
          .addColumn("insecure", "integer", (c) => c.notNull())
          .addColumn("username", "text")
          .addColumn("secret_sealed", "text")
          .addColumn("repositories", "text", (c) => c.notNull())
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("signed_only", "integer", (c) => c.notNull())
          .addColumn("destination_namespace", "text", (c) => c.notNull())
          .addColumn("deletion", "integer", (c) => c.notNull())
          .addColumn("on_push", "integer", (c) => c.notNull())
          .addColumn("interval_ms", "bigint", (c) => c.notNull())
          // When the schedule last claimed the rule: one conditional update claims each due run, so
          // of several replicas one runs it, and a restart keeps the rhythm.
          .addColumn("scheduled_at", "bigint", (c) => c.notNull())
          .addColumn("enabled", "integer", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("replication_runs")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("rule_id", "text", (c) =>
            c.notNull().references("replication_rules.id").onDelete("cascade"),
          )
          .addColumn("trigger", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("started_at", "bigint", (c) => c.notNull())
          .addColumn("finished_at", "bigint")
          .addColumn("copied", "integer", (c) => c.notNull())
          .addColumn("present", "integer", (c) => c.notNull())
          .addColumn("skipped", "integer", (c) => c.notNull())
          .addColumn("deleted", "integer", (c) => c.notNull())
          .addColumn("failed", "integer", (c) => c.notNull())
          .addColumn("bytes", "bigint", (c) => c.notNull())
          .addColumn("error", "text")
          .execute();
        await db.schema
          .createIndex("replication_runs_rule")
          .on("replication_runs")
          .columns(["rule_id", "id"])
          .execute();
        await db.schema
          .createTable("replication_results")
          .addColumn("id", autoId, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("run_id", "integer", (c) =>
            c.notNull().references("replication_runs.id").onDelete("cascade"),
          )
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("reference", "text", (c) => c.notNull())
          .addColumn("digest", "text")
          .addColumn("outcome", "text", (c) => c.notNull())
          .addColumn("bytes", "bigint", (c) => c.notNull())
          .addColumn("detail", "text")
          .execute();
        await db.schema
          .createIndex("replication_results_run")
          .on("replication_results")
          .columns(["run_id", "id"])
          .execute();
      },
    },
  };
}

interface MigrationLog {
  portcullis_migrations: { name: string; applied_at: number };
}

/** Any number that is ours alone: the PostgreSQL advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_406_021;

/**
 * Applies the migrations not yet recorded, in name order, in one transaction. On PostgreSQL an
 * advisory lock makes replicas that start together wait for each other. (A small runner of our
 * own rather than Kysely's Migrator: that one introspects every schema of the database, which
 * breaks while another schema of the same database is being dropped.)
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  return (db as Kysely<MigrationLog>).transaction().execute(async (trx) => {
    if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await trx.schema
      .createTable("portcullis_migrations")
      .ifNotExists()
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("applied_at", "bigint", (c) => c.notNull())
      .execute();
    const done = new Set(
      (await trx.selectFrom("portcullis_migrations").select("name").execute()).map((r) => r.name),
    );
    const applied: string[] = [];
    for (const [name, migration] of Object.entries(migrations(dialect)).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (done.has(name)) continue;
      await migration.up(trx as unknown as Kysely<unknown>);
      await trx.insertInto("portcullis_migrations").values({ name, applied_at: Date.now() }).execute();
      applied.push(name);
    }
    return applied;
  });
}
