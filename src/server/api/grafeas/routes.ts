import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GrafeasService, type Platform } from "../../../app/index.js";
import {
  ADVISORY_PROJECT,
  ANALYSIS_NOTES,
  ANALYSIS_PROJECT,
  type AnalysisNote,
  advisoryNote,
  analysisNote,
  analysisNotes,
  type GrafeasNote,
  type GrafeasOccurrence,
  isGrafeasId,
  matchesFilter,
  type OccurrenceFilter,
  type OccurrenceInput,
  parseDerivedOccurrenceId,
  parseFilter,
  parseNoteName,
  parseResourceUri,
  projectOfRepository,
  RESERVED_PROJECTS,
  validateNote,
  validateOccurrence,
  vulnerabilitySummary,
} from "../../../grafeas/index.js";
import { RegistryError } from "../../../registry/index.js";
import { authenticate } from "../../authorize.js";
import { clientWentAway } from "../../client-errors.js";
import { ServerError } from "../../errors.js";
import {
  canPull,
  mayReadImage,
  mayReadProject,
  mayWriteImage,
  mayWriteNotes,
  refuseReserved,
} from "./access.js";
import { toRpcStatus } from "./errors.js";
import { page, readPaging } from "./paging.js";

/** At most this many occurrences in one batchCreate (Grafeas's own limit is 1,000). */
export const MAX_BATCH = 100;

type Query = Record<string, unknown>;

/**
 * The Grafeas v1 REST API (grafeas.swagger.json) under /v1/projects/: occurrences Portcullis derives
 * from its evidence (app/grafeas, grafeas/) beside those clients posted, and notes.
 *
 *   GET  /v1/projects/{p}/occurrences?filter=&pageSize=&pageToken=
 *   POST /v1/projects/{p}/occurrences                  POST .../occurrences:batchCreate
 *   GET  /v1/projects/{p}/occurrences:vulnerabilitySummary?filter=
 *   GET  /v1/projects/{p}/occurrences/{id}             GET  .../occurrences/{id}/notes
 *   GET  /v1/projects/{p}/notes                        POST .../notes?noteId=
 *   GET  /v1/projects/{p}/notes/{id}                   GET  .../notes/{id}/occurrences
 */
export function registerGrafeasRoutes(app: FastifyInstance, platform: Platform): void {
  const grafeas = new GrafeasService({
    registry: platform.registry,
    images: platform.images,
    scans: platform.scans,
    audit: platform.audit,
    database: platform.database,
    host: platform.registryHost,
  });
  const api = new GrafeasApi(platform, grafeas);
  // Its own encapsulated context parses JSON bodies (/v2/ reads its bodies as streams); a batch of
  // MAX_BATCH occurrences fits, a detail object is bounded on its own (MAX_DETAIL_BYTES).
  app.register(async (scope) => {
    scope.addContentTypeParser(
      "application/json",
      { parseAs: "string", bodyLimit: 1024 * 1024 },
      (_request, body, done) => {
        try {
          done(null, body === "" ? undefined : JSON.parse(body as string));
        } catch {
          done(new ServerError("INVALID_ARGUMENT", "the request body is not valid JSON"), undefined);
        }
      },
    );
    // Every error here in google.rpc.Status's shape (errors.ts), the body parser's and hooks' included.
    scope.setErrorHandler((err, request, reply) => {
      if (clientWentAway(err, request.raw)) {
        request.log.info(
          { reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message },
          "client disconnected",
        );
        return;
      }
      const rpc = toRpcStatus(err);
      if (rpc.status >= 500) request.log.error({ err }, "request failed");
      if (reply.sent || request.raw.socket?.destroyed) return;
      if (rpc.headers) reply.headers(rpc.headers);
      reply.code(rpc.status).type("application/json").send(rpc.body);
    });
    // Every method, so a DELETE or PATCH (Grafeas has them; we do not) is answered in this shape too.
    scope.route({
      method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      url: "/v1/projects/*",
      handler: (request, reply) => api.dispatch(request, reply),
    });
  });
}

/** The host the caller reached us by (resourceUris name it), else the configured one. */
function hostOf(request: FastifyRequest, fallback: string): string {
  const host = request.headers.host;
  return host && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? host : fallback;
}

class GrafeasApi {
  constructor(
    private readonly platform: Platform,
    private readonly grafeas: GrafeasService,
  ) {}

  async dispatch(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const at = request.url.indexOf("?");
    const path = (at === -1 ? request.url : request.url.slice(0, at)).slice("/v1/projects/".length);
    const parts = path.split("/").map(decode);
    const project = parts[0] ?? "";
    const query = (request.query ?? {}) as Query;
    const send = (body: unknown) => reply.code(200).type("application/json").send(body);
    const route = (name: string) => {
      request.routeName = `grafeas.${name}`;
    };
    if (request.method !== "GET" && request.method !== "POST") {
      route("unknown");
      throw new ServerError("UNSUPPORTED", `${request.method} is not implemented on the Grafeas API`);
    }
    if (!isGrafeasId(project)) throw new ServerError("INVALID_ARGUMENT", "the project id is not valid");
    const [, collection, id, sub] = parts;
    const get = request.method === "GET";
    if (parts.length === 2 && collection === "occurrences") {
      route(get ? "listOccurrences" : "createOccurrence");
      return send(
        get ? await this.listOccurrences(request, project, query) : await this.create(request, project),
      );
    }
    if (parts.length === 2 && collection === "occurrences:batchCreate" && !get) {
      route("batchCreateOccurrences");
      return send({ occurrences: await this.batchCreate(request, project) });
    }
    if (parts.length === 2 && collection === "occurrences:vulnerabilitySummary" && get) {
      route("vulnerabilitySummary");
      const filter = parseFilter(typeof query.filter === "string" ? query.filter : undefined);
      if (filter.kind !== undefined && filter.kind !== "VULNERABILITY") return send({ counts: [] });
      const all = await this.occurrences(request, project, { ...filter, kind: "VULNERABILITY" });
      return send(vulnerabilitySummary(all));
    }
    if (parts.length === 3 && collection === "occurrences" && get) {
      route("getOccurrence");
      return send(await this.occurrence(request, project, id!));
    }
    if (parts.length === 4 && collection === "occurrences" && sub === "notes" && get) {
      route("getOccurrenceNote");
      const occurrence = await this.occurrence(request, project, id!);
      return send(await this.resolveNote(occurrence.noteName, occurrence));
    }
    if (parts.length === 2 && collection === "notes") {
      route(get ? "listNotes" : "createNote");
      return send(
        get ? await this.listNotes(request, project, query) : await this.createNote(request, project, query),
      );
    }
    if (parts.length === 3 && collection === "notes" && get) {
      route("getNote");
      await mayReadProject(this.platform, request, project, "project.read");
      return send(await this.resolveNote(`projects/${project}/notes/${id}`));
    }
    if (parts.length === 4 && collection === "notes" && sub === "occurrences" && get) {
      route("listNoteOccurrences");
      return send(await this.noteOccurrences(request, project, id!, query));
    }
    route("unknown");
    throw new ServerError("NOT_FOUND", `no such endpoint ${request.method} ${request.url.slice(0, 200)}`);
  }

  /** Derived and stored occurrences of a project that match the filter, after authorisation. */
  private async occurrences(
    request: FastifyRequest,
    project: string,
    filter: OccurrenceFilter,
  ): Promise<GrafeasOccurrence[]> {
    if (RESERVED_PROJECTS.has(project)) {
      await mayReadProject(this.platform, request, project, "repository.pull");
      return [];
    }
    const host = hostOf(request, this.grafeas.host);
    const parsed = filter.resourceUri !== undefined ? parseResourceUri(filter.resourceUri) : undefined;
    const image = parsed && this.ours(request, parsed.host) ? parsed : undefined;
    let derived: GrafeasOccurrence[] = [];
    if (image && projectOfRepository(image.repository) === project) {
      // One image: its repository's pull permission is enough (a grant narrowed to it included).
      await mayReadImage(this.platform, request, image.repository);
      if (await this.grafeas.holds(image.repository, image.digest))
        derived = await this.grafeas.derived(image.repository, image.digest, image.host);
    } else {
      await mayReadProject(this.platform, request, project, "repository.pull");
      if (filter.resourceUri === undefined) {
        for (const one of await this.grafeas.projectImages(project))
          derived.push(...(await this.grafeas.derived(one.repository, one.digest, host)));
      }
    }
    const stored = await this.grafeas.store.list(project, filter, image);
    const { resourceUri: _matchedAbove, ...rest } = filter;
    return [
      ...derived.filter((o) => matchesFilter(o, image ? rest : filter)),
      ...stored.map((s) => s.occurrence),
    ];
  }

  private async listOccurrences(request: FastifyRequest, project: string, query: Query) {
    const paging = readPaging(query);
    const filter = parseFilter(typeof query.filter === "string" ? query.filter : undefined);
    const { items, nextPageToken } = page(await this.occurrences(request, project, filter), paging);
    return { occurrences: items, nextPageToken };
  }

  private async occurrence(request: FastifyRequest, project: string, id: string): Promise<GrafeasOccurrence> {
    const key = parseDerivedOccurrenceId(id);
    const missing = () => new ServerError("NOT_FOUND", `no occurrence projects/${project}/occurrences/${id}`);
    if (key) {
      if (projectOfRepository(key.repository) !== project) throw missing();
      await mayReadImage(this.platform, request, key.repository);
      if (!(await this.grafeas.holds(key.repository, key.digest))) throw missing();
      const name = `projects/${project}/occurrences/${id}`;
      const derived = await this.grafeas.derived(
        key.repository,
        key.digest,
        hostOf(request, this.grafeas.host),
      );
      const found = derived.find((o) => o.name === name);
      if (!found) throw missing();
      return found;
    }
    if (!isGrafeasId(id)) throw missing();
    // Authenticate before looking: an anonymous caller learns nothing about which ids exist.
    request.identity = await authenticate(this.platform, request);
    const stored = await this.grafeas.store.get(project, id);
    if (!stored) {
      await mayReadProject(this.platform, request, project, "repository.pull");
      throw missing();
    }
    await mayReadImage(this.platform, request, stored.repository);
    return stored.occurrence;
  }

  /** Whether a resourceUri's host names this registry: as configured, or as the caller reached it. */
  private ours(request: FastifyRequest, host: string): boolean {
    return host === this.grafeas.host || host === hostOf(request, this.grafeas.host);
  }

  /** A note by name: the reserved projects' derived notes, else a stored one. */
  private async resolveNote(name: string, occurrence?: GrafeasOccurrence): Promise<GrafeasNote> {
    const parsed = parseNoteName(name);
    const missing = () => new ServerError("NOT_FOUND", `no note ${name.slice(0, 300)}`);
    if (!parsed) throw missing();
    if (parsed.project === ANALYSIS_PROJECT) {
      if (!(parsed.id in ANALYSIS_NOTES)) throw missing();
      return analysisNote(parsed.id as AnalysisNote);
    }
    if (parsed.project === ADVISORY_PROJECT) {
      const v = occurrence?.vulnerability as
        | { shortDescription?: string; severity?: string; cvssScore?: number }
        | undefined;
      const note = advisoryNote(parsed.id);
      return v
        ? {
            ...note,
            ...(v.shortDescription ? { shortDescription: v.shortDescription } : {}),
            vulnerability: {
              severity: v.severity ?? "SEVERITY_UNSPECIFIED",
              ...(v.cvssScore !== undefined ? { cvssScore: v.cvssScore } : {}),
            },
          }
        : note;
    }
    const note = await this.grafeas.store.note(parsed.project, parsed.id);
    if (!note) throw missing();
    return note;
  }

  /** Validates, authorises per repository and checks each image is stored, before anything is written. */
  private async accept(
    request: FastifyRequest,
    project: string,
    bodies: readonly unknown[],
    prefix: (i: number) => string,
  ) {
    refuseReserved(project);
    request.identity = await authenticate(this.platform, request);
    const inputs: OccurrenceInput[] = bodies.map((body, i) => validateOccurrence(body, prefix(i)));
    for (const [i, input] of inputs.entries()) {
      const where = prefix(i);
      if (!this.ours(request, input.resource.host))
        throw new ServerError(
          "INVALID_ARGUMENT",
          `${where}resourceUri: must name an image in this registry (${this.grafeas.host})`,
        );
      if (projectOfRepository(input.resource.repository) !== project)
        throw new ServerError(
          "INVALID_ARGUMENT",
          `${where}resourceUri: ${input.resource.repository} is not in project ${project}`,
        );
      if (RESERVED_PROJECTS.has(input.noteProject))
        throw new ServerError(
          "INVALID_ARGUMENT",
          `${where}noteName: projects/${input.noteProject} holds only derived notes`,
        );
    }
    for (const repository of new Set(inputs.map((i) => i.resource.repository)))
      await mayWriteImage(this.platform, request, repository);
    for (const input of inputs) {
      if (!(await this.grafeas.holds(input.resource.repository, input.resource.digest)))
        throw new RegistryError(
          "MANIFEST_UNKNOWN",
          `${input.resource.repository}@${input.resource.digest} is not stored here`,
        );
    }
    return inputs;
  }

  private async create(request: FastifyRequest, project: string) {
    const inputs = await this.accept(request, project, [request.body], () => "");
    const [created] = await this.grafeas.store.insert(project, inputs, request.identity.subject);
    return created;
  }

  private async batchCreate(request: FastifyRequest, project: string) {
    const body = request.body as { occurrences?: unknown } | undefined;
    const list = body?.occurrences;
    if (!Array.isArray(list) || list.length === 0)
      throw new ServerError("INVALID_ARGUMENT", "occurrences: a non-empty array is required");
    if (list.length > MAX_BATCH)
      throw new ServerError("INVALID_ARGUMENT", `occurrences: at most ${MAX_BATCH} in one batch`);
    const inputs = await this.accept(request, project, list, (i) => `occurrences[${i}].`);
    return this.grafeas.store.insert(project, inputs, request.identity.subject);
  }

  private async listNotes(request: FastifyRequest, project: string, query: Query) {
    await mayReadProject(this.platform, request, project, "project.read");
    const paging = readPaging(query);
    const notes =
      project === ANALYSIS_PROJECT
        ? analysisNotes()
        : project === ADVISORY_PROJECT
          ? []
          : await this.grafeas.store.notes(project);
    const { items, nextPageToken } = page(notes, paging);
    return { notes: items, nextPageToken };
  }

  private async createNote(request: FastifyRequest, project: string, query: Query) {
    await mayWriteNotes(this.platform, request, project);
    const id = query.noteId;
    if (typeof id !== "string" || !isGrafeasId(id))
      throw new ServerError("INVALID_ARGUMENT", "noteId: required, letters, digits and ._:~- (no slash)");
    const input = validateNote(request.body);
    const note = await this.grafeas.store.insertNote(project, id, input, request.identity.subject);
    if (!note) throw new ServerError("CONFLICT", `projects/${project}/notes/${id} exists already`);
    return note;
  }

  private async noteOccurrences(request: FastifyRequest, project: string, id: string, query: Query) {
    if (RESERVED_PROJECTS.has(project))
      throw new ServerError(
        "INVALID_ARGUMENT",
        `the occurrences of projects/${project} notes are on every image: list a project's occurrences with filter noteName="projects/${project}/notes/${id}"`,
      );
    await mayReadProject(this.platform, request, project, "project.read");
    const paging = readPaging(query);
    const name = `projects/${project}/notes/${id}`;
    const visible: GrafeasOccurrence[] = [];
    // Occurrences of a note can be about images in other projects: only those the caller may pull.
    for (const stored of await this.grafeas.store.ofNote(name)) {
      if (await canPull(this.platform, request, stored.repository)) visible.push(stored.occurrence);
    }
    const { items, nextPageToken } = page(visible, paging);
    return { occurrences: items, nextPageToken };
  }
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ServerError("INVALID_ARGUMENT", "the path is not valid percent-encoding");
  }
}
