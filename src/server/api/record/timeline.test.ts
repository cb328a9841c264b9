import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leafIncluded, NoteVerifier, openTreeCheckpoint } from "../../../audit/index.js";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { basic, type Caller, call } from "../identity/testing.js";

interface Page {
  digests: string[];
  size: number;
  checkpoint: string;
  entries: { index: number; kind: string; leaf: string; repository?: string; proof?: string[] }[];
  next?: string;
  mightHaveDone: { exposure?: { spec: { hostNetwork?: boolean } } };
}

describe.each(testDatabases())("GET /api/v1/audit/timeline (%s)", (database) => {
  let server: TestServer;
  const guest: Caller = { name: "gina", secret: "gina's password here" };
  const outsider: Caller = { name: "otto", secret: "otto's password here" };
  const admin: Caller = { name: "root", secret: "root's password here" };
  let digest = "";

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: admin.name, password: admin.secret, admin: true });
    await store.createUser({ name: guest.name, password: guest.secret });
    await store.createUser({ name: outsider.name, password: outsider.secret });
    await store.createProject({ name: "shop" });
    await store.createProject({ name: "other" });
    await store.addMember({ project: "shop", kind: "user", name: guest.name, role: "guest" });
    digest = (await pushImage(server.url, "shop/web", { tag: "v1", authorization: basic(admin) })).digest;
    await pushImage(server.url, "other/x", { tag: "v1", authorization: basic(admin) });
    await server.platform.record.append([
      {
        kind: "k8s.audit",
        at: Date.now() + 1000,
        namespace: "prod",
        pod: "web-1",
        digest,
        summary: "alice create pod prod/web-1",
        payload: { exposure: { hostNetwork: true } },
      },
      // The same digest seen in another project: not the shop guest's to read.
      { kind: "image.pulled", digest, repository: "other/copy", summary: "pulled elsewhere", payload: null },
    ]);
    await server.platform.record.settled();
  });
  afterAll(async () => {
    await server?.close();
  });

  const get = (query: string, as?: Caller) =>
    call(server.url, "GET", `/api/v1/audit/timeline?${query}`, as ? { as } : {});

  it("answers an administrator with every entry of the tag's digest, proved against the checkpoint", async () => {
    const answer = await get("image=shop/web:v1", admin);
    expect(answer.status).toBe(200);
    const page = answer.body as Page;
    expect(page.digests).toEqual([digest]);
    expect(page.entries.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["image.pushed", "k8s.audit", "image.pulled"]),
    );
    expect(page.mightHaveDone.exposure?.spec.hostNetwork).toBe(true);
    const key = await call(server.url, "GET", "/api/v1/audit/record/key", { as: admin });
    const verifier = NoteVerifier.parse(key.text.trim());
    const head = openTreeCheckpoint(page.checkpoint, verifier.name, [verifier]);
    for (const e of page.entries)
      expect(leafIncluded(e.leaf, e.index, head.size, e.proof!, head.root)).toBe(true);

    const first = (await get(`image=${digest}&limit=1`, admin)).body as Page;
    expect(first.entries).toHaveLength(1);
    const second = (await get(`image=${digest}&limit=1&after=${first.next}`, admin)).body as Page;
    expect(second.entries[0]!.index).not.toBe(first.entries[0]!.index);
    expect(
      ((await get("pod=prod/web-1&proofs=false", admin)).body as Page).entries[0]!.proof,
    ).toBeUndefined();
  });

  it("lets a project's guest read its images' timelines only, without other projects' entries", async () => {
    const mine = await get("image=shop/web:v1", guest);
    expect(mine.status).toBe(200);
    const page = mine.body as Page;
    expect(page.entries.some((e) => e.kind === "k8s.audit")).toBe(true);
    expect(page.entries.some((e) => e.repository === "other/copy")).toBe(false);
    expect((await get("image=other/x:v1", guest)).status).toBe(403);
    expect((await get(`image=${digest}`, guest)).status).toBe(403);
    expect((await get("pod=prod/web-1", guest)).status).toBe(403);
    expect((await get("image=shop/web:v1", outsider)).status).toBe(403);
    expect((await get("image=shop/web:v1")).status).toBe(401);
  });

  it("refuses no subject or two with 400, and an unknown tag with 404", async () => {
    expect((await get("", admin)).status).toBe(400);
    expect((await get("image=shop/web:v1&pod=a/b", admin)).status).toBe(400);
    expect((await get("container=xyz", admin)).status).toBe(400);
    expect((await get("image=shop/web:nope", admin)).status).toBe(404);
  });
});
