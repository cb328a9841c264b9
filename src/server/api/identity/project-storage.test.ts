import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatByteSize } from "../../../core/index.js";
import {
  digestOf,
  OCI_MANIFEST,
  pushImage,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../../testing.js";
import { basic, type Caller, client } from "./testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };
const DEV: Caller = { name: "dev", secret: "developer password" };

/** The first OCI error of an answer. */
async function ociError(res: Response): Promise<{ status: number; code?: string; message?: string }> {
  const body = (await res.json()) as { errors?: Array<{ code: string; message: string }> };
  return { status: res.status, ...body.errors?.[0] };
}

describe.each(testDatabases())("project quota and immutable tags over HTTP (%s)", (database) => {
  let server: TestServer;
  let root: ReturnType<typeof client>;
  let dev: ReturnType<typeof client>;
  const auth = basic(ROOT);

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: DEV.name, password: DEV.secret });
    root = client(server.url, ROOT);
    dev = client(server.url, DEV);
    expect((await root.post("/api/v1/projects", { name: "team" })).status).toBe(201);
    expect(
      (await root.post("/api/v1/projects/team/members", { name: "dev", role: "developer" })).status,
    ).toBe(201);
  });
  afterAll(async () => server.close());

  it("sets the quota and the rules with PATCH (project.write) and refuses malformed ones", async () => {
    const set = await root.patch("/api/v1/projects/team", {
      settings: { quotaBytes: 1_000_000, immutableTags: ["v*", "app:stable"] },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      settings: { quotaBytes: 1_000_000, immutableTags: ["v*", "app:stable"] },
      usage: { bytes: 0, quotaBytes: 1_000_000 },
    });
    // A developer pushes but does not change settings.
    expect((await dev.patch("/api/v1/projects/team", { settings: { quotaBytes: 1 } })).status).toBe(403);
    for (const settings of [
      { quotaBytes: -1 },
      { quotaBytes: 1.5 },
      { quotaBytes: "10GiB" },
      { immutableTags: ["v 1"] },
      { immutableTags: ["App:v*"] },
      { immutableTags: Array.from({ length: 65 }, (_, i) => `v${i}`) },
    ]) {
      const refused = await root.patch("/api/v1/projects/team", { settings });
      expect(refused.status, JSON.stringify(settings)).toBe(400);
    }
    expect((await root.get("/api/v1/projects/team")).body.settings).toEqual({
      quotaBytes: 1_000_000,
      immutableTags: ["v*", "app:stable"],
    });
  });

  it("merges PATCH's settings: keys given are set, null removes one, the others stay", async () => {
    expect(
      (await root.patch("/api/v1/projects/team", { settings: { quotaBytes: 5_000_000 } })).body,
    ).toMatchObject({ settings: { quotaBytes: 5_000_000, immutableTags: ["v*", "app:stable"] } });
    const rules = { rules: [{ keep: "latestPushed", count: 3 }] };
    expect((await root.put("/api/v1/projects/team/retention", rules)).status).toBe(200);
    const dropped = await root.patch("/api/v1/projects/team", { settings: { immutableTags: null } });
    expect(dropped.status).toBe(200);
    const settings = (await root.get("/api/v1/projects/team")).body.settings as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual(["quotaBytes", "retention"]);
    expect(settings.quotaBytes).toBe(5_000_000);
    // Visibility alone leaves the settings; a null for a key not set is no error; a retention PUT keeps the rest.
    expect((await root.patch("/api/v1/projects/team", { public: false })).body).toMatchObject({ settings });
    expect((await root.patch("/api/v1/projects/team", { settings: { certifiedPolicy: null } })).status).toBe(
      200,
    );
    expect((await root.put("/api/v1/projects/team/retention", { rules: [] })).status).toBe(200);
    expect((await root.get("/api/v1/projects/team")).body.settings).toEqual({ quotaBytes: 5_000_000 });
    // Unknown keys are refused, merged or not, and change nothing.
    expect((await root.patch("/api/v1/projects/team", { settings: { quota: null } })).status).toBe(400);
    const restored = await root.patch("/api/v1/projects/team", {
      settings: { quotaBytes: 1_000_000, immutableTags: ["v*", "app:stable"] },
    });
    expect(restored.body).toMatchObject({
      settings: { quotaBytes: 1_000_000, immutableTags: ["v*", "app:stable"] },
    });
  });

  it("keeps an immutable tag where it points: pushes to another digest and deletes are DENIED", async () => {
    const first = await pushImage(server.url, "team/app", { tag: "v1", seed: "first", authorization: auth });
    const second = await pushImage(server.url, "team/app", {
      tag: "latest",
      seed: "second",
      authorization: auth,
    });
    // The same digest again is fine (a retried push).
    expect((await putManifest(server.url, "team/app", "v1", first.manifest, OCI_MANIFEST, auth)).status).toBe(
      201,
    );
    const moved = await fetch(`${server.url}/v2/team/app/manifests/v1`, {
      method: "PUT",
      headers: { authorization: auth, "content-type": OCI_MANIFEST },
      body: second.manifest,
    });
    const refusal = await ociError(moved);
    expect(refusal).toMatchObject({ code: "DENIED" });
    expect(refusal.message).toMatch(/tag v1 of team\/app is immutable/);
    const del = (reference: string) =>
      fetch(`${server.url}/v2/team/app/manifests/${reference}`, {
        method: "DELETE",
        headers: { authorization: auth },
      });
    expect(await ociError(await del("v1"))).toMatchObject({ status: 403, code: "DENIED" });
    expect(await ociError(await del(first.digest))).toMatchObject({ status: 403, code: "DENIED" });
    // A mutable tag and its manifest still go.
    expect((await del("latest")).status).toBe(202);
    expect((await del(second.digest)).status).toBe(202);
  });

  it("shows usage, refuses the push that would pass the quota with the figures, and lifts the quota when dropped", async () => {
    const before = (await root.get("/api/v1/projects/team")).body.usage.bytes as number;
    expect(before).toBeGreaterThan(0);
    const listed = (await root.get("/api/v1/projects")).body.projects.find(
      (p: { name: string }) => p.name === "team",
    );
    expect(listed.usage).toEqual({ bytes: before, quotaBytes: 1_000_000 });
    // Room for 100 bytes more: a 200-byte blob is refused, and says why.
    expect(
      (await root.patch("/api/v1/projects/team", { settings: { quotaBytes: before + 100 } })).status,
    ).toBe(200);
    const big = Buffer.alloc(200, 7);
    const refused = await fetch(`${server.url}/v2/team/web/blobs/uploads/?digest=${digestOf(big)}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/octet-stream" },
      body: big,
    });
    const refusal = await ociError(refused);
    expect(refusal).toMatchObject({ status: 403, code: "DENIED" });
    expect(refusal.message).toBe(
      `quota exceeded: project team uses ${formatByteSize(before)} of its ${formatByteSize(before + 100)} quota; this push adds 200 B`,
    );
    expect((await root.get("/api/v1/projects/team")).body.usage.bytes).toBe(before);
    const head = await fetch(`${server.url}/v2/team/web/blobs/${digestOf(big)}`, {
      method: "HEAD",
      headers: { authorization: auth },
    });
    expect(head.status).toBe(404);
    // At the quota, a new upload session is refused at once.
    expect((await root.patch("/api/v1/projects/team", { settings: { quotaBytes: before } })).status).toBe(
      200,
    );
    const start = await fetch(`${server.url}/v2/team/web/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: auth },
    });
    expect(await ociError(start)).toMatchObject({ status: 403, code: "DENIED" });
    // Dropping the quota (null: PATCH merges) lifts it (the change is seen by the very next request).
    expect((await root.patch("/api/v1/projects/team", { settings: { quotaBytes: null } })).status).toBe(200);
    await pushImage(server.url, "team/web", { tag: "dev", seed: "third", authorization: auth });
    expect((await root.get("/api/v1/projects/team")).body.usage).toMatchObject({ quotaBytes: null });
  });
});
