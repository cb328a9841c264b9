import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { pushFilesImage } from "../testing-images.js";

// biome-ignore lint/suspicious/noExplicitAny: answers are read as plain JSON (their schemas are checked by the route wrapper)
type Json = any;

const CONFIG = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } };
const SECRET = "far-site token 0123456789";

describe.each(testDatabases())("replication API (%s)", (database) => {
  let near: TestServer;
  let far: TestServer;

  beforeAll(async () => {
    near = await startTestServer({ database });
    far = await startTestServer({ database });
    await pushFilesImage(near.url, "team/app", { "etc/motd": "replicate me" }, CONFIG, "1.0");
  });
  afterAll(async () => {
    await near?.close();
    await far?.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${near.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  it("creates a rule whose secret is sealed and never answered", async () => {
    const created = await call("POST", "/api/v1/replication/rules", {
      name: "to-far",
      direction: "push",
      registry: new URL(far.url).host,
      username: "replicator",
      secret: SECRET,
      repositories: ["team/*"],
      onPush: false,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "to-far",
      hasSecret: true,
      onPush: false,
      intervalSeconds: 0,
    });
    for (const answer of [
      created,
      await call("GET", "/api/v1/replication/rules"),
      await call("GET", "/api/v1/replication/rules/to-far"),
    ]) {
      expect(answer.text).not.toContain(SECRET);
    }
    const row = await near.platform.database.db
      .selectFrom("replication_rules")
      .select("secret_sealed")
      .executeTakeFirstOrThrow();
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain(SECRET);
  });

  it("refuses rules that do not hold together", async () => {
    const base = { name: "bad", direction: "push", registry: "far.example.com" };
    for (const body of [
      { ...base, registry: "https://far.example.com/v2" },
      { ...base, intervalSeconds: 5 },
      { ...base, name: "Bad Name" },
      { ...base, secret: "x" },
      { ...base, destinationNamespace: "UPPER" },
      { ...base, surprise: true },
    ]) {
      const answer = await call("POST", "/api/v1/replication/rules", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.errors[0].code).toBe("INVALID_ARGUMENT");
    }
    expect((await call("POST", "/api/v1/replication/rules", { ...base, name: "to-far" })).status).toBe(409);
    expect((await call("GET", "/api/v1/replication/rules/nope")).status).toBe(404);
  });

  it("runs a rule now, keeps its history and counts it in the metrics", async () => {
    // The far site answers anonymously: the stored credentials are offered only when it asks.
    const run = await call("POST", "/api/v1/replication/rules/to-far/run");
    expect(run.status, run.text).toBe(200);
    expect(run.body).toMatchObject({ trigger: "manual", state: "succeeded", copied: 1, failed: 0 });
    expect(run.body.results).toEqual([
      expect.objectContaining({ kind: "image", repository: "team/app", reference: "1.0", outcome: "copied" }),
    ]);
    const again = await call("POST", "/api/v1/replication/rules/to-far/run");
    expect(again.body).toMatchObject({ copied: 0, present: 1 });
    const runs = await call("GET", "/api/v1/replication/rules/to-far/runs");
    expect(runs.body.runs.map((r: Json) => r.id)).toEqual([again.body.id, run.body.id]);
    const one = await call("GET", `/api/v1/replication/runs/${run.body.id}`);
    expect(one.body.results).toHaveLength(1);
    expect((await call("GET", "/api/v1/replication/runs/999999")).status).toBe(404);
    const metrics = await (await fetch(`${near.url}/metrics`)).text();
    expect(metrics).toMatch(
      /portcullis_replication_artifacts_total\{direction="push",outcome="copied"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /portcullis_replication_runs_total\{direction="push",trigger="manual",state="succeeded"\} 2/,
    );
  });

  it("replaces a rule keeping its secret unless told, and deletes it with its history", async () => {
    const rule = {
      name: "to-far",
      direction: "push",
      registry: new URL(far.url).host,
      username: "replicator",
    };
    const kept = await call("PUT", "/api/v1/replication/rules/to-far", { ...rule, tags: ["1.*"] });
    expect(kept.body).toMatchObject({ tags: ["1.*"], hasSecret: true });
    const cleared = await call("PUT", "/api/v1/replication/rules/to-far", { ...rule, secret: null });
    expect(cleared.body.hasSecret).toBe(false);
    expect((await call("DELETE", "/api/v1/replication/rules/to-far")).status).toBe(204);
    expect((await call("GET", "/api/v1/replication/rules")).body.rules).toEqual([]);
    const left = await near.platform.database.db.selectFrom("replication_runs").select("id").execute();
    expect(left).toEqual([]);
  });

  it("pushes to a Portcullis in accounts mode as a robot, through the Docker token flow, with the sealed secret", async () => {
    const guarded = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    try {
      const store = guarded.platform.identity!.store;
      await store.createProject({ name: "team" });
      const { secret } = await store.createRobot({
        name: "mirror",
        project: "team",
        grants: [
          { project: "team", repositories: ["*"], permissions: ["repository.pull", "repository.push"] },
        ],
        createdBy: "test",
      });
      const rule = {
        direction: "push",
        registry: new URL(guarded.url).host,
        repositories: ["team/*"],
        onPush: false,
      };
      const anonymous = await call("POST", "/api/v1/replication/rules", { ...rule, name: "anonymous" });
      const refused = await call("POST", "/api/v1/replication/rules/anonymous/run");
      expect(refused.body).toMatchObject({ state: "failed", copied: 0, failed: 1 });
      expect(refused.body.results[0].detail).toMatch(/refused|authentication/);
      expect((await call("DELETE", `/api/v1/replication/rules/${anonymous.body.id}`)).status).toBe(204);
      await call("POST", "/api/v1/replication/rules", {
        ...rule,
        name: "as-robot",
        username: "robot$team+mirror",
        secret,
      });
      const run = await call("POST", "/api/v1/replication/rules/as-robot/run");
      expect(run.body, run.text).toMatchObject({ state: "succeeded", copied: 1 });
      expect(run.text).not.toContain(secret);
      const pushedBy = await guarded.platform.database.db
        .selectFrom("manifests")
        .select("pushed_by")
        .executeTakeFirstOrThrow();
      expect(pushedBy.pushed_by).toBe("robot$team+mirror");
    } finally {
      await guarded.close();
    }
  });
});
