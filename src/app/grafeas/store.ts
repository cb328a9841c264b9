import { randomUUID } from "node:crypto";
import {
  type GrafeasNote,
  type GrafeasOccurrence,
  KIND_FIELD,
  type NoteInput,
  type NoteKind,
  noteName,
  type OccurrenceFilter,
  type OccurrenceInput,
  occurrenceName,
} from "../../grafeas/index.js";
import type { Database } from "../../storage/index.js";

/** A stored outside occurrence and who posted it (the server's record, not the client's claim). */
export interface StoredOccurrence {
  readonly occurrence: GrafeasOccurrence;
  readonly project: string;
  readonly repository: string;
  readonly digest: string;
  readonly createdBy: string;
}

/** The most rows one list reads from the table; past it the list says so through paging. */
const MAX_ROWS = 5000;

/**
 * The grafeas_occurrences and grafeas_notes tables (migration 0013): what clients posted. Rows keep
 * the occurrence's JSON as served; the columns beside it are what lists filter on.
 */
export class OccurrenceStore {
  constructor(private readonly database: Database) {}

  /** Stores a batch in one transaction: all of it or, on any failure, none. */
  async insert(
    project: string,
    inputs: readonly OccurrenceInput[],
    createdBy: string,
    now = Date.now(),
  ): Promise<GrafeasOccurrence[]> {
    const time = new Date(now).toISOString();
    const rows = inputs.map((input) => {
      const id = randomUUID();
      const occurrence: GrafeasOccurrence = {
        name: occurrenceName(project, id),
        resourceUri: input.resourceUri,
        noteName: input.noteName,
        kind: input.kind,
        ...(input.remediation !== undefined ? { remediation: input.remediation } : {}),
        createTime: time,
        updateTime: time,
        [KIND_FIELD[input.kind]]: input.detail,
      };
      return {
        occurrence,
        row: {
          project,
          id,
          resource_uri: input.resourceUri,
          repository: input.resource.repository,
          digest: input.resource.digest,
          note_name: input.noteName,
          kind: input.kind,
          body: JSON.stringify(occurrence),
          created_by: createdBy,
          created_at: now,
        },
      };
    });
    if (rows.length > 0) {
      await this.database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("grafeas_occurrences")
          .values(rows.map((r) => r.row))
          .execute();
      });
    }
    return rows.map((r) => r.occurrence);
  }

  async get(project: string, id: string): Promise<StoredOccurrence | undefined> {
    const row = await this.database.db
      .selectFrom("grafeas_occurrences")
      .selectAll()
      .where("project", "=", project)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toStored(row) : undefined;
  }

  /**
   * A project's occurrences matching the filter, oldest first. `image`, when the filter's resourceUri
   * names an image of this registry, matches by repository and digest whatever host the URI was
   * posted with (a registry answers to several names: localhost, its service name, its DNS name).
   */
  async list(
    project: string,
    filter: OccurrenceFilter,
    image?: { repository: string; digest: string },
  ): Promise<StoredOccurrence[]> {
    let q = this.database.db.selectFrom("grafeas_occurrences").selectAll().where("project", "=", project);
    if (image) q = q.where("repository", "=", image.repository).where("digest", "=", image.digest);
    else if (filter.resourceUri !== undefined) q = q.where("resource_uri", "=", filter.resourceUri);
    if (filter.kind !== undefined) q = q.where("kind", "=", filter.kind);
    if (filter.noteName !== undefined) q = q.where("note_name", "=", filter.noteName);
    const rows = await q.orderBy("created_at").orderBy("id").limit(MAX_ROWS).execute();
    return rows.map(toStored);
  }

  /** Every occurrence posted about one image in one repository (the policy's `occurrences` facts). */
  async forImage(repository: string, digest: string): Promise<StoredOccurrence[]> {
    const rows = await this.database.db
      .selectFrom("grafeas_occurrences")
      .selectAll()
      .where("digest", "=", digest)
      .where("repository", "=", repository)
      .orderBy("created_at")
      .limit(MAX_ROWS)
      .execute();
    return rows.map(toStored);
  }

  /** Occurrences attached to one note, in any project (the caller filters by what it may read). */
  async ofNote(note: string): Promise<StoredOccurrence[]> {
    const rows = await this.database.db
      .selectFrom("grafeas_occurrences")
      .selectAll()
      .where("note_name", "=", note)
      .orderBy("created_at")
      .limit(MAX_ROWS)
      .execute();
    return rows.map(toStored);
  }

  /** Stores a note; false when one of that name exists already (notes are immutable here). */
  async insertNote(project: string, id: string, input: NoteInput, createdBy: string, now = Date.now()) {
    const time = new Date(now).toISOString();
    const note: GrafeasNote = {
      name: noteName(project, id),
      kind: input.kind,
      ...(input.shortDescription !== undefined ? { shortDescription: input.shortDescription } : {}),
      ...(input.longDescription !== undefined ? { longDescription: input.longDescription } : {}),
      createTime: time,
      updateTime: time,
      [KIND_FIELD[input.kind]]: input.detail,
    };
    const done = await this.database.db
      .insertInto("grafeas_notes")
      .values({
        project,
        id,
        kind: input.kind,
        body: JSON.stringify(note),
        created_by: createdBy,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(["project", "id"]).doNothing())
      .executeTakeFirst();
    return Number(done.numInsertedOrUpdatedRows ?? 0) > 0 ? note : undefined;
  }

  async note(project: string, id: string): Promise<GrafeasNote | undefined> {
    const row = await this.database.db
      .selectFrom("grafeas_notes")
      .select("body")
      .where("project", "=", project)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? (JSON.parse(row.body) as GrafeasNote) : undefined;
  }

  async notes(project: string): Promise<GrafeasNote[]> {
    const rows = await this.database.db
      .selectFrom("grafeas_notes")
      .select("body")
      .where("project", "=", project)
      .orderBy("id")
      .limit(MAX_ROWS)
      .execute();
    return rows.map((r) => JSON.parse(r.body) as GrafeasNote);
  }
}

function toStored(row: {
  project: string;
  repository: string;
  digest: string;
  body: string;
  created_by: string;
}): StoredOccurrence {
  return {
    occurrence: JSON.parse(row.body) as GrafeasOccurrence,
    project: row.project,
    repository: row.repository,
    digest: row.digest,
    createdBy: row.created_by,
  };
}

export type { NoteKind };
