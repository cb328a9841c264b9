import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  OCI_MANIFEST,
  type PushedImage,
  pushBlob,
  pushImage,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../../testing.js";
import { basic, type Caller, client } from "./testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };
const MAINTAINER: Caller = { name: "maint", secret: "maintainer password" };
const DEVELOPER: Caller = { name: "dev", secret: "developer password" };
const DAY = 86_400_000;

/**
 * Retention over HTTP on a real server: pull times recorded from real pulls, a dry run that deletes
 * nothing, a run that deletes what its plan said (signatures with their image) while kept images still
 * pull, the audit record of each deletion, and who may run it.
 */
describe.each(testDatabases())("project retention over the API (%s)", (database) => {
  let server: TestServer;
  let maintainer: ReturnType<typeof client>;
  let developer: ReturnType<typeof client>;
  const auth = basic(ROOT);
  const images: Record<string, PushedImage> = {};
  const signatures: Record<string, string> = {};
  let untagged = "";

  /** A signature-like referrer of `subject` (an OCI 1.1 artifact with a subject). */
  async function pushReferrer(repository: string, subject: PushedImage, seed: string): Promise<string> {
    const config = "{}";
    const layer = `signature ${seed}`;
    await pushBlob(server.url, repository, config, auth);
    await pushBlob(server.url, repository, layer, auth);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(config), size: 2 },
      layers: [{ mediaType: "application/octet-stream", digest: digestOf(layer), size: layer.length }],
      subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length },
    });
    const digest = digestOf(manifest);
    expect((await putManifest(server.url, repository, digest, manifest, OCI_MANIFEST, auth)).status).toBe(
      201,
    );
    return digest;
  }

  /** Makes a manifest (and its tags) look pushed `days` ago: pushes in a test all happen now. */
  async function age(repository: string, digest: string, days: number) {
    const db = server.platform.database.db;
    const at = Date.now() - days * DAY;
    const repo = await db
      .selectFrom("repositories")
      .select("id")
      .where("name", "=", repository)
      .executeTakeFirstOrThrow();
    await db
      .updateTable("manifests")
      .set({ created_at: at })
      .where("repository_id", "=", repo.id)
      .where("digest", "=", digest)
      .execute();
    await db
      .updateTable("tags")
      .set({ updated_at: at })
      .where("repository_id", "=", repo.id)
      .where("manifest_digest", "=", digest)
      .execute();
  }

  async function pull(repository: string, reference: string, method = "GET"): Promise<number> {
    const res = await fetch(`${server.url}/v2/${repository}/manifests/${reference}`, {
      method,
      headers: { authorization: auth, accept: OCI_MANIFEST },
    });
    await res.arrayBuffer();
    return res.status;
  }
  /** HEAD: a client checking a manifest is there, which is not a pull (no pull time, no pull gate). */
  const head = (repository: string, reference: string) => pull(repository, reference, "HEAD");

  async function manifestCount(repository: string): Promise<number> {
    const row = await server.platform.database.db
      .selectFrom("manifests as m")
      .innerJoin("repositories as r", "r.id", "m.repository_id")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("r.name", "=", repository)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: MAINTAINER.name, password: MAINTAINER.secret });
    await store.createUser({ name: DEVELOPER.name, password: DEVELOPER.secret });
    await store.createProject({ name: "team" });
    await store.addMember({ project: "team", kind: "user", name: MAINTAINER.name, role: "maintainer" });
    await store.addMember({ project: "team", kind: "user", name: DEVELOPER.name, role: "developer" });
    maintainer = client(server.url, MAINTAINER);
    developer = client(server.url, DEVELOPER);

    for (const [tag, days] of [
      ["v1", 30],
      ["v2", 20],
      ["v3", 10],
    ] as const) {
      images[tag] = await pushImage(server.url, "team/app", { tag, seed: tag, authorization: auth });
      signatures[tag] = await pushReferrer("team/app", images[tag]!, tag);
      await age("team/app", images[tag]!.digest, days);
    }
    untagged = (await pushImage(server.url, "team/app", { seed: "untagged", authorization: auth })).digest;
    await age("team/app", untagged, 5);
    images.other = await pushImage(server.url, "team/other", {
      tag: "v1",
      seed: "other",
      authorization: auth,
    });
    await age("team/other", images.other.digest, 90);
  });
  afterAll(async () => server.close());

  it("records pull times from real pulls, written in the background, not per pull", async () => {
    expect(await pull("team/app", "v1")).toBe(200);
    expect(await pull("team/app", "v1")).toBe(200);
    expect(await head("team/app", "v2")).toBe(200);
    await server.platform.registry.flushPulls();
    const rows = await server.platform.database.db
      .selectFrom("manifests")
      .select(["digest", "last_pulled_at"])
      .where("digest", "in", [images.v1!.digest, images.v2!.digest])
      .execute();
    const pulled = new Map(rows.map((r) => [r.digest, r.last_pulled_at]));
    expect(Number(pulled.get(images.v1!.digest))).toBeGreaterThan(Date.now() - 60_000);
    expect(pulled.get(images.v2!.digest)).toBeNull();
  });

  it("lets maintainers, not developers, write and run the rules", async () => {
    const rules = {
      rules: [
        { repositories: "app", keep: "latestPushed", count: 1 },
        { repositories: "app", keep: "pulledWithin", days: 7 },
      ],
    };
    expect((await developer.put("/api/v1/projects/team/retention", rules)).status).toBe(403);
    expect((await developer.post("/api/v1/projects/team/retention/run?dryRun=true")).status).toBe(403);
    expect((await developer.post("/api/v1/projects/team/retention/run")).status).toBe(403);
    const bad = await maintainer.put("/api/v1/projects/team/retention", {
      rules: [{ keep: "latestPushed" }],
    });
    expect(bad.status).toBe(400);
    const saved = await maintainer.put("/api/v1/projects/team/retention", rules);
    expect(saved.status).toBe(200);
    expect(saved.body.rules[0]).toEqual({
      repositories: "app",
      tags: "*",
      untagged: false,
      keep: "latestPushed",
      count: 1,
    });
    expect((await developer.get("/api/v1/projects/team/retention")).body).toEqual(saved.body);
    // The other settings of the project are kept; the rules are one of them.
    expect((await maintainer.get("/api/v1/projects/team")).body.settings.retention).toEqual(saved.body);
  });

  it("answers the plan on a dry run and deletes nothing", async () => {
    const before = await manifestCount("team/app");
    const answer = await maintainer.post("/api/v1/projects/team/retention/run?dryRun=true");
    expect(answer.status).toBe(200);
    expect(answer.body.dryRun).toBe(true);
    expect(answer.body.deleted).toEqual([]);
    expect(answer.body.untouched).toEqual(["team/other"]);
    const byDigest = new Map(
      answer.body.artifacts.map((a: { digest: string; action: string; reasons: string[] }) => [a.digest, a]),
    );
    // Signatures are not artifacts of their own: four artifacts, not seven.
    expect(answer.body.artifacts).toHaveLength(4);
    expect(byDigest.get(images.v3!.digest)).toMatchObject({
      action: "keep",
      reasons: ["rule 1: latestPushed 1 of tags * in app"],
    });
    expect(byDigest.get(images.v1!.digest)).toMatchObject({
      action: "keep",
      reasons: ["rule 2: pulledWithin 7d of tags * in app"],
    });
    expect(byDigest.get(images.v2!.digest)).toMatchObject({
      action: "delete",
      followers: [{ digest: signatures.v2, relation: "referrer" }],
    });
    expect(byDigest.get(untagged)).toMatchObject({ action: "delete", tags: [] });
    expect(await manifestCount("team/app")).toBe(before);
    // (HEAD, not GET: a pull now would make v2 "pulled within 7 days", and rule 2 would keep it.)
    expect(await head("team/app", "v2")).toBe(200);
  });

  it("deletes what the plan said through the registry, and kept images still pull", async () => {
    const answer = await maintainer.post("/api/v1/projects/team/retention/run");
    expect(answer.status).toBe(200);
    expect(answer.body.failed).toEqual([]);
    expect(
      answer.body.deleted
        .map((d: { digest: string; relation: string }) => `${d.relation} ${d.digest}`)
        .sort(),
    ).toEqual([`artifact ${images.v2!.digest}`, `artifact ${untagged}`, `referrer ${signatures.v2}`].sort());
    expect(await pull("team/app", "v2")).toBe(404);
    expect(await pull("team/app", images.v2!.digest)).toBe(404);
    expect(await pull("team/app", signatures.v2!)).toBe(404);
    for (const tag of ["v1", "v3"]) expect(await pull("team/app", tag)).toBe(200);
    expect(await pull("team/app", signatures.v1!)).toBe(200);
    expect(await pull("team/other", "v1")).toBe(200);
    expect(await manifestCount("team/app")).toBe(4);

    await server.platform.identity!.settled();
    const entries = await server.platform.database.db
      .selectFrom("decisions")
      .select(["gate", "actor", "image", "effect", "workload", "reason"])
      .where("workload", "=", "retention.run")
      .orderBy("id")
      .execute();
    const allowed = entries.filter((e) => e.effect === "allow");
    expect(allowed.map((e) => e.image).sort()).toEqual(
      [`team/app@${images.v2!.digest}`, `team/app@${untagged}`, `team/app@${signatures.v2}`].sort(),
    );
    expect(new Set(allowed.map((e) => `${e.gate} ${e.actor}`))).toEqual(new Set(["access maint"]));
    // The developer's refused attempts are on the record too.
    expect(entries.filter((e) => e.effect === "deny" && e.actor === "dev")).toHaveLength(2);
  });

  it("runs every project's rules on the schedule as the system, recorded in the audit log", async () => {
    const stray = (await pushImage(server.url, "team/app", { seed: "stray", authorization: auth })).digest;
    const outcome = await server.platform.retention!.runAll();
    expect(outcome).toEqual({ projects: 1, deleted: 1, failed: 0 });
    expect(await pull("team/app", stray)).toBe(404);
    await server.platform.identity!.settled();
    const entry = await server.platform.database.db
      .selectFrom("decisions")
      .select(["actor", "effect", "reason"])
      .where("image", "=", `team/app@${stray}`)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: "system", effect: "allow" });
    expect(entry.reason).toContain("kept by no rule");
  });
});
