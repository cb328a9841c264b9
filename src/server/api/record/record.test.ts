import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  NoteVerifier,
  openTreeCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../../../audit/index.js";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

describe.each(testDatabases())("the record's API (%s)", (database) => {
  let server: TestServer;
  const get = (path: string) => fetch(`${server.url}/api/v1/audit/record${path}`);

  beforeAll(async () => {
    server = await startTestServer({ database });
    await server.platform.record.append(
      Array.from({ length: 13 }, (_, i) => ({
        kind: "image.pushed" as const,
        actor: "alice",
        repository: "team/app",
        summary: `alice pushed team/app:v${i}`,
        payload: { tag: `v${i}` },
      })),
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves a signed checkpoint that opens with the served key, and proofs that verify against it", async () => {
    const key = await get("/key");
    expect(key.headers.get("content-type")).toMatch(/^text\/plain/);
    const verifier = NoteVerifier.parse((await key.text()).trim());
    const note = await get("/checkpoint");
    expect(note.status).toBe(200);
    expect(note.headers.get("content-type")).toMatch(/^text\/plain/);
    const head = openTreeCheckpoint(await note.text(), verifier.name, [verifier]);
    expect(head.size).toBe(13);

    const entry = (await (await get("/entries/6")).json()) as {
      leafHash: string;
      summary: string;
      proof: { size: number; hashes: string[] };
    };
    expect(entry.summary).toBe("alice pushed team/app:v6");
    verifyInclusion(6, 13, fromHex(entry.leafHash), entry.proof.hashes.map(fromHex), head.root);

    const inclusion = (await (await get("/proof/inclusion?index=12&size=13")).json()) as { hashes: string[] };
    const last = (await (await get("/entries?from=12&limit=1")).json()) as { items: { leafHash: string }[] };
    verifyInclusion(12, 13, fromHex(last.items[0]!.leafHash), inclusion.hashes.map(fromHex), head.root);

    const at5 = fromHex((await server.platform.record.root(5)).root);
    const consistency = (await (await get("/proof/consistency?from=5")).json()) as {
      to: number;
      hashes: string[];
    };
    expect(consistency.to).toBe(13);
    verifyConsistency(5, 13, at5, head.root, consistency.hashes.map(fromHex));
  });

  it("pages entries with the exact leaf text that was hashed", async () => {
    const page = (await (await get("/entries?from=10&limit=5")).json()) as {
      size: number;
      items: { index: number; leaf: string }[];
    };
    expect(page.size).toBe(13);
    expect(page.items.map((e) => e.index)).toEqual([10, 11, 12]);
    expect(JSON.parse(page.items[0]!.leaf)).toMatchObject({
      v: 1,
      kind: "image.pushed",
      summary: "alice pushed team/app:v10",
    });
  });

  it("answers bad input and unknown entries with clear 4xx errors", async () => {
    for (const [path, status, code] of [
      ["/entries?limit=0", 400, "INVALID_ARGUMENT"],
      ["/entries?from=-1", 400, "INVALID_ARGUMENT"],
      ["/entries?nope=1", 400, "INVALID_ARGUMENT"],
      ["/entries/99", 404, "NOT_FOUND"],
      ["/entries/abc", 400, "INVALID_ARGUMENT"],
      ["/proof/inclusion?index=3&size=99", 404, "NOT_FOUND"],
      ["/proof/inclusion?index=13&size=13", 404, "NOT_FOUND"],
      ["/proof/consistency?from=0", 400, "INVALID_ARGUMENT"],
      ["/proof/consistency?from=9&to=5", 400, "INVALID_ARGUMENT"],
    ] as const) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, status]);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe(code);
    }
    expect((await get("/export?from=-1")).status).toBe(400);
  });

  // Last: it prunes the record the tests above read.
  it("streams the record as JSON lines, and answers a pruned entry with its leaf hash and proof", async () => {
    const res = await get("/export?from=11");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { index?: number; leafHash?: string; size?: number; checkpoint?: string });
    expect(lines.map((l) => l.index)).toEqual([11, 12, undefined]);
    expect(lines[2]).toMatchObject({ size: 13 });
    expect(lines[2]!.checkpoint).toMatch(/^portcullis\/record\n13\n/);

    const kept = (await (await get("/entries/2")).json()) as { leafHash: string };
    const { pruneRecord } = await import("../../../audit/index.js");
    await pruneRecord(server.platform.database, server.platform.record, { keep: 10 });
    const pruned = (await (await get("/entries/2")).json()) as {
      pruned: boolean;
      leafHash: string;
      proof: { size: number; hashes: string[] };
    };
    expect(pruned).toMatchObject({ index: 2, pruned: true, leafHash: kept.leafHash });
    const head = fromHex((await server.platform.record.root()).root);
    verifyInclusion(2, 14, fromHex(pruned.leafHash), pruned.proof.hashes.map(fromHex), head);
    const after = (await (await get("/export")).text()).trimEnd().split("\n");
    expect(JSON.parse(after[0]!)).toMatchObject({ index: 3 });
  });
});

describe.each(testDatabases())("the registry's events in the record (%s)", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("records a real push through /v2/ as image.pushed with its tag", async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.example+type",
      config: {
        mediaType: "application/vnd.oci.empty.v1+json",
        digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        size: 2,
      },
      layers: [],
    });
    const blob = await fetch(
      `${server.url}/v2/team/app/blobs/uploads/?digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`,
      { method: "POST", body: "{}", headers: { "content-type": "application/octet-stream" } },
    );
    expect(blob.status).toBe(201);
    const put = await fetch(`${server.url}/v2/team/app/manifests/v1`, {
      method: "PUT",
      body: manifest,
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(put.status).toBe(201);
    const digest = put.headers.get("docker-content-digest")!;
    // Listeners run after the change committed, so the entry may land just after the answer.
    const pushed = await vi.waitFor(async () => {
      const found = await server.platform.record.query({ kind: "image.pushed", digest });
      expect(found).toHaveLength(1);
      return found;
    });
    expect(pushed[0]).toMatchObject({ repository: "team/app", payload: { tags: ["v1"] } });
  });
});
