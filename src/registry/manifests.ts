import type { Insertable, Transaction } from "kysely";
import { digestOf } from "../core/index.js";
import {
  manifestArtifactType,
  type ParsedManifest,
  parseManifest,
  parseManifestReference,
} from "../oci/index.js";
import type { Schema } from "../storage/index.js";
import type { RegistryContext } from "./context.js";
import { checkDescriptorSizes, namedBlobs, namedChildren, namedSubject } from "./descriptor-sizes.js";
import { requireDigest } from "./digests.js";
import { RegistryError } from "./errors.js";
import type { Actor, RegistryEvent } from "./events.js";
import { checkTags } from "./names.js";
import { immutableTagRule, projectOfRepository } from "./rules.js";
import { addContent, removeContent } from "./usage.js";

export interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly content: Buffer;
}

export interface PutManifestResult {
  readonly digest: string;
  readonly subject?: string;
  readonly tags: string[];
}

/** Manifests and tags: stored byte for byte, checked against what the repository holds. */
export class ManifestService {
  constructor(private readonly ctx: RegistryContext) {}

  /**
   * Stores a manifest under `reference` (a tag, or the digest it must hash to) plus any `extraTags`
   * (`?tag=` of distribution spec 1.1). The manifest, its reference edges and its tags are written
   * in one transaction: a tag never points at a manifest that is not there.
   */
  async put(
    repository: string,
    reference: string,
    content: Buffer,
    contentType: string | undefined,
    extraTags: readonly string[],
    actor: Actor,
  ): Promise<PutManifestResult> {
    if (content.length > this.ctx.options.maxManifestBytes) {
      throw new RegistryError(
        "MANIFEST_TOO_LARGE",
        `manifest of ${content.length} bytes exceeds the limit of ${this.ctx.options.maxManifestBytes}`,
      );
    }
    const ref = parseReference(reference);
    let digest: string;
    if (ref.kind === "digest") {
      const parsed = requireDigest(ref.digest);
      digest = digestOf(content, parsed.algorithm);
      if (digest !== parsed.value) {
        throw new RegistryError(
          "DIGEST_INVALID",
          `manifest digest ${digest} does not match ${parsed.value}`,
          {
            detail: { digest: parsed.value },
          },
        );
      }
    } else {
      digest = digestOf(content);
    }
    const tags = checkTags([...(ref.kind === "tag" ? [ref.tag] : []), ...extraTags]);
    const manifest = parseOrInvalid(content, contentType);
    const verdict = await this.ctx.hooks.beforeManifestPut?.({
      repository,
      digest,
      mediaType: manifest.mediaType,
      content,
      tags,
      actor,
    });
    if (verdict && !verdict.allow) throw new RegistryError("DENIED", verdict.reason);

    const rules = await this.ctx.rules.forRepository(repository);
    const now = this.ctx.now();
    const repositoryId = await this.ctx.repositories.ensure(repository, now);
    const blobDescriptors = namedBlobs(manifest);
    const childDescriptors = namedChildren(manifest);
    const subjectDescriptors = namedSubject(manifest);
    const blobs = unique(blobDescriptors.map((d) => d.digest));
    const children = unique(childDescriptors.map((d) => d.digest));
    const events: RegistryEvent[] = [];
    await this.ctx.db.transaction().execute(async (trx) => {
      if (blobs.length > 0) {
        // Touching the links takes their row locks: a concurrent collection cannot unlink them now.
        const found = await trx
          .updateTable("repository_blobs")
          .set({ linked_at: now })
          .where("repository_id", "=", repositoryId)
          .where("digest", "in", blobs)
          .returning("digest")
          .execute();
        const missing = firstMissing(
          blobs,
          found.map((r) => r.digest),
        );
        if (missing) {
          throw new RegistryError("MANIFEST_BLOB_UNKNOWN", `blob ${missing} is not in ${repository}`, {
            detail: { digest: missing },
          });
        }
        checkDescriptorSizes(blobDescriptors, await this.blobSizes(trx, blobs));
      }
      const named = unique([...children, ...subjectDescriptors.map((d) => d.digest)]);
      if (named.length > 0) {
        const found = await trx
          .selectFrom("manifests")
          .select(["digest", "size"])
          .where("repository_id", "=", repositoryId)
          .where("digest", "in", named)
          .execute();
        const missing = firstMissing(
          children,
          found.map((r) => r.digest),
        );
        if (missing) {
          throw new RegistryError("MANIFEST_BLOB_UNKNOWN", `manifest ${missing} is not in ${repository}`, {
            detail: { digest: missing },
          });
        }
        checkDescriptorSizes([...childDescriptors, ...subjectDescriptors], sizeMap(found));
      }
      const row = {
        repository_id: repositoryId,
        digest,
        media_type: manifest.mediaType,
        artifact_type: manifestArtifactType(manifest) ?? null,
        subject_digest: manifest.subject?.digest ?? null,
        annotations:
          Object.keys(manifest.annotations).length > 0 ? JSON.stringify(manifest.annotations) : null,
        size: content.length,
        content,
        created_at: now,
        pushed_by: actor.subject,
      };
      if (await insertOrLockManifest(trx, row)) {
        await addContent(
          trx,
          { project: projectOfRepository(repository), kind: "manifest", digest, size: content.length },
          rules.quotaBytes,
        );
      }
      const edges = [
        ...blobs.map((child) => ({ child, kind: "blob" as const })),
        ...children.map((child) => ({ child, kind: "manifest" as const })),
      ];
      if (edges.length > 0) {
        await trx
          .insertInto("manifest_refs")
          .values(
            edges.map((e) => ({
              repository_id: repositoryId,
              manifest_digest: digest,
              child_digest: e.child,
              kind: e.kind,
            })),
          )
          .onConflict((oc) => oc.columns(["repository_id", "manifest_digest", "child_digest"]).doNothing())
          .execute();
      }
      for (const tag of tags) {
        const immutable = immutableTagRule(rules.immutableTags, repository, tag);
        if (immutable !== undefined) {
          // Claimed with DO NOTHING: of two pushes racing to a new immutable tag, the second waits for
          // the first (PostgreSQL) and then finds the tag taken, so an immutable tag is set only once.
          const claimed = await trx
            .insertInto("tags")
            .values({ repository_id: repositoryId, name: tag, manifest_digest: digest, updated_at: now })
            .onConflict((oc) => oc.columns(["repository_id", "name"]).doNothing())
            .executeTakeFirst();
          if (Number(claimed.numInsertedOrUpdatedRows ?? 0) > 0) {
            events.push({ type: "tag.changed", repository, tag, from: null, to: digest, actor });
            continue;
          }
        }
        const previous = await trx
          .selectFrom("tags")
          .select("manifest_digest")
          .where("repository_id", "=", repositoryId)
          .where("name", "=", tag)
          .executeTakeFirst();
        if (previous?.manifest_digest === digest) continue;
        if (previous && immutable !== undefined) throw immutableTag(repository, tag, immutable, "moved");
        await trx
          .insertInto("tags")
          .values({ repository_id: repositoryId, name: tag, manifest_digest: digest, updated_at: now })
          .onConflict((oc) =>
            oc.columns(["repository_id", "name"]).doUpdateSet({ manifest_digest: digest, updated_at: now }),
          )
          .execute();
        events.push({
          type: "tag.changed",
          repository,
          tag,
          from: previous?.manifest_digest ?? null,
          to: digest,
          actor,
        });
      }
    });
    this.ctx.events.emit({
      type: "manifest.pushed",
      repository,
      digest,
      mediaType: manifest.mediaType,
      size: content.length,
      tags,
      ...(manifest.subject
        ? {
            subject: manifest.subject.digest,
            ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
            ...(Object.keys(manifest.annotations).length > 0 ? { annotations: manifest.annotations } : {}),
          }
        : {}),
      actor,
    });
    for (const event of events) this.ctx.events.emit(event);
    return { digest, tags, ...(manifest.subject ? { subject: manifest.subject.digest } : {}) };
  }

  /** Stored sizes of `digests` (all known to exist), from the cache and one query for the rest. */
  private async blobSizes(
    trx: Transaction<Schema>,
    digests: readonly string[],
  ): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    const unknown: string[] = [];
    for (const digest of digests) {
      const size = this.ctx.blobSizes.get(digest);
      if (size === undefined) unknown.push(digest);
      else sizes.set(digest, size);
    }
    if (unknown.length > 0) {
      const rows = await trx
        .selectFrom("blobs")
        .select(["digest", "size"])
        .where("digest", "in", unknown)
        .execute();
      for (const [digest, size] of sizeMap(rows)) {
        this.ctx.blobSizes.set(digest, size);
        sizes.set(digest, size);
      }
    }
    return sizes;
  }

  /**
   * Resolves a tag or digest to the stored manifest, asking the pull hook first when `actor` pulls it.
   * A reference that cannot name anything (`.INVALID_MANIFEST_NAME`) is not in the repository:
   * MANIFEST_UNKNOWN (404), as the OCI conformance suite requires of reads; writes still say why it is
   * invalid. A manifest in a format `accepts` refuses is unknown to that client, before any pull hook
   * or event: it was not pulled.
   */
  async get(
    repository: string,
    reference: string,
    actor: Actor,
    pull = true,
    accepts: (mediaType: string) => boolean = () => true,
  ): Promise<StoredManifest> {
    const ref = parseReadReference(reference, repository);
    const repositoryId = await this.ctx.repositories.require(repository);
    let query = this.ctx.db
      .selectFrom("manifests as m")
      .select(["m.digest", "m.media_type", "m.size", "m.content"])
      .where("m.repository_id", "=", repositoryId);
    if (ref.kind === "tag") {
      query = query
        .innerJoin("tags as t", (join) =>
          join.onRef("t.manifest_digest", "=", "m.digest").onRef("t.repository_id", "=", "m.repository_id"),
        )
        .where("t.name", "=", ref.tag);
    } else {
      query = query.where("m.digest", "=", requireDigest(ref.digest).value);
    }
    const row = await query.executeTakeFirst();
    if (!row) throw new RegistryError("MANIFEST_UNKNOWN", `manifest ${reference} is not in ${repository}`);
    if (!accepts(row.media_type)) {
      throw new RegistryError(
        "MANIFEST_UNKNOWN",
        `manifest ${reference} in ${repository} is ${row.media_type}, which the request's Accept header does not list (manifests are served as stored, never converted)`,
      );
    }
    const stored = {
      digest: row.digest,
      mediaType: row.media_type,
      size: row.size,
      content: Buffer.from(row.content),
    };
    if (pull) {
      const verdict = await this.ctx.hooks.beforeManifestGet?.({
        repository,
        digest: stored.digest,
        mediaType: stored.mediaType,
        reference,
        actor,
      });
      if (verdict && !verdict.allow) throw new RegistryError("DENIED", verdict.reason);
      this.ctx.pulls.record(repositoryId, stored.digest, this.ctx.now());
      this.ctx.events.emit({ type: "manifest.pulled", repository, digest: stored.digest, reference, actor });
    }
    return stored;
  }

  /**
   * The indexes in `repository` that list `digest` among their manifests (a signature over one vouches
   * for the image by content). Oldest first; empty for an unknown repository or digest.
   */
  async parents(repository: string, digest: string): Promise<string[]> {
    const repositoryId = await this.ctx.repositories.find(repository);
    if (repositoryId === undefined) return [];
    const rows = await this.ctx.db
      .selectFrom("manifest_refs as r")
      .innerJoin("manifests as m", (join) =>
        join.onRef("m.repository_id", "=", "r.repository_id").onRef("m.digest", "=", "r.manifest_digest"),
      )
      .select("r.manifest_digest")
      .where("r.repository_id", "=", repositoryId)
      .where("r.child_digest", "=", digest)
      .where("r.kind", "=", "manifest")
      .orderBy("m.created_at")
      .orderBy("r.manifest_digest")
      .execute();
    return rows.map((r) => r.manifest_digest);
  }

  /** Deletes a tag (by tag reference) or a manifest and every tag pointing at it (by digest). */
  async delete(repository: string, reference: string, actor: Actor): Promise<void> {
    if (!this.ctx.options.deletion)
      throw new RegistryError("UNSUPPORTED", "deletion is disabled on this registry");
    const ref = parseReadReference(reference, repository);
    const repositoryId = await this.ctx.repositories.require(repository);
    const rules = await this.ctx.rules.forRepository(repository);
    if (ref.kind === "tag") {
      const immutable = immutableTagRule(rules.immutableTags, repository, ref.tag);
      if (immutable !== undefined) throw immutableTag(repository, ref.tag, immutable, "deleted");
      const row = await this.ctx.db
        .deleteFrom("tags")
        .where("repository_id", "=", repositoryId)
        .where("name", "=", ref.tag)
        .returning("manifest_digest")
        .executeTakeFirst();
      if (!row) throw new RegistryError("MANIFEST_UNKNOWN", `tag ${ref.tag} is not in ${repository}`);
      this.ctx.events.emit({
        type: "tag.changed",
        repository,
        tag: ref.tag,
        from: row.manifest_digest,
        to: null,
        actor,
      });
      return;
    }
    const digest = requireDigest(ref.digest).value;
    const removedTags = await this.ctx.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom("manifests")
        .where("repository_id", "=", repositoryId)
        .where("digest", "=", digest)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) {
        throw new RegistryError("MANIFEST_UNKNOWN", `manifest ${digest} is not in ${repository}`);
      }
      const tags = await trx
        .deleteFrom("tags")
        .where("repository_id", "=", repositoryId)
        .where("manifest_digest", "=", digest)
        .returning("name")
        .execute();
      // Checked after the deletes, inside the transaction: a push adding a tag to this manifest holds
      // its row lock, so the tags read here are all of them; a refusal rolls everything back.
      for (const { name } of tags) {
        const immutable = immutableTagRule(rules.immutableTags, repository, name);
        if (immutable !== undefined)
          throw immutableTag(repository, name, immutable, "deleted with its manifest");
      }
      await removeContent(trx, { project: projectOfRepository(repository), kind: "manifest", digest });
      await trx
        .deleteFrom("manifest_refs")
        .where("repository_id", "=", repositoryId)
        .where("manifest_digest", "=", digest)
        .execute();
      return tags.map((t) => t.name);
    });
    this.ctx.events.emit({ type: "manifest.deleted", repository, digest, tags: removedTags, actor });
    for (const tag of removedTags) {
      this.ctx.events.emit({ type: "tag.changed", repository, tag, from: digest, to: null, actor });
    }
  }
}

type ManifestRow = Insertable<Schema["manifests"]>;

/**
 * Inserts the manifest row, or locks the existing one; true when it is new to the repository. A no-op
 * update rather than nothing for an existing row: it locks it, so a concurrent delete of this manifest
 * either waits for us (and then removes the tags we add) or finishes first (and we insert it anew).
 * Without the lock the delete could remove the manifest between here and our commit, leaving our tags
 * pointing at nothing (PostgreSQL, READ COMMITTED). Insert-or-nothing first tells new from existing,
 * which the project's usage needs.
 */
async function insertOrLockManifest(trx: Transaction<Schema>, row: ManifestRow): Promise<boolean> {
  for (;;) {
    const inserted = await trx
      .insertInto("manifests")
      .values(row)
      .onConflict((oc) => oc.columns(["repository_id", "digest"]).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
    const locked = await trx
      .updateTable("manifests")
      .set((eb) => ({ created_at: eb.ref("manifests.created_at") }))
      .where("repository_id", "=", row.repository_id)
      .where("digest", "=", row.digest)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) > 0) return false;
    // Deleted between the two statements: insert it anew.
  }
}

/** The refusal of an immutable tag's change (Harbor answers DENIED too, which clients print as "denied: ..."). */
function immutableTag(repository: string, tag: string, rule: string, change: string): RegistryError {
  return new RegistryError(
    "DENIED",
    `tag ${tag} of ${repository} is immutable (rule ${JSON.stringify(rule)} of project ${projectOfRepository(repository)}) and cannot be ${change}: push under a new tag`,
    { detail: { repository, tag, rule } },
  );
}

function parseReference(reference: string) {
  try {
    const ref = parseManifestReference(reference);
    if (ref.kind === "tag") checkTags([ref.tag]);
    return ref;
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    const code = (err as { code?: string }).code;
    if (code === "TAG_INVALID")
      throw new RegistryError("TAG_INVALID", (err as Error).message, { cause: err });
    throw new RegistryError("DIGEST_INVALID", (err as Error).message, { cause: err });
  }
}

/** parseReference for reads and deletes: a reference that cannot exist is unknown, not invalid. */
function parseReadReference(reference: string, repository: string) {
  try {
    return parseReference(reference);
  } catch (err) {
    throw new RegistryError(
      "MANIFEST_UNKNOWN",
      `manifest ${reference.slice(0, 200)} is not in ${repository}`,
      {
        cause: err,
      },
    );
  }
}

function parseOrInvalid(content: Buffer, contentType: string | undefined): ParsedManifest {
  try {
    return parseManifest(content, contentType);
  } catch (err) {
    throw new RegistryError("MANIFEST_INVALID", (err as Error).message, { cause: err });
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Stored sizes by digest. */
function sizeMap(
  rows: ReadonlyArray<{ digest: string; size: number | string | bigint }>,
): Map<string, number> {
  return new Map(rows.map((r) => [r.digest, Number(r.size)]));
}

function firstMissing(wanted: string[], found: string[]): string | undefined {
  const have = new Set(found);
  return wanted.find((d) => !have.has(d));
}
