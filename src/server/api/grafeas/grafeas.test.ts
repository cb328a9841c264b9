import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { swaggerErrors } from "../../../grafeas/testing.js";
import { RegistryClient } from "../../../oci/index.js";
import { generateKeyPair, resolveSigningTarget, signImage } from "../../../trust/index.js";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { call } from "../identity/testing.js";
import { JINJA_FILES, jinjaAdvisories, pushFilesImage } from "../testing-images.js";

/** A one-layer image holding Jinja2 2.10 (a GHSA advisory matches it), tagged. */
async function pushJinjaImage(url: string, repository: string, tag: string): Promise<string> {
  const config = {
    architecture: "amd64",
    os: "linux",
    config: { Labels: { "org.opencontainers.image.base.name": "docker.io/library/python:3.12" } },
    rootfs: { type: "layers", diff_ids: [] },
  };
  return (await pushFilesImage(url, repository, JINJA_FILES, config, tag)).digest;
}

/** Fails the test with the swagger document's complaints, if any. */
function expectShape(definition: string, body: unknown): void {
  expect(swaggerErrors(definition, body), `${definition}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
}

describe.each(testDatabases())("Grafeas v1 API (%s)", (database) => {
  let server: TestServer;
  let dir: string;
  let digest: string;
  let uri: string;
  const get = (path: string) => call(server.url, "GET", path);
  const post = (path: string, body: unknown) => call(server.url, "POST", path, { body });
  const list = async (filter: string, extra = "") => {
    const res = await get(`/v1/projects/team/occurrences?filter=${encodeURIComponent(filter)}${extra}`);
    expect(res.status, res.text).toBe(200);
    expectShape("v1ListOccurrencesResponse", res.body);
    return res.body as { occurrences: Array<Record<string, unknown>>; nextPageToken: string };
  };
  const testsPassed = () => ({
    resourceUri: uri,
    noteName: "projects/team/notes/tests-passed",
    kind: "ATTESTATION",
    attestation: {
      serializedPayload: Buffer.from(JSON.stringify({ suite: "unit", passed: 412 })).toString("base64"),
      signatures: [],
    },
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pc-grafeas-"));
    const advisories = await jinjaAdvisories(dir);
    server = await startTestServer({
      database,
      config: { "scan.onPush": true, "scan.advisoryDatabase": advisories },
    });
    digest = await pushJinjaImage(server.url, "team/app", "1.0");
    const host = new URL(server.url).host;
    uri = `https://${host}/team/app@${digest}`;
    const client = new RegistryClient({ registry: host });
    const target = await resolveSigningTarget(client, { registry: host, repository: "team/app", digest });
    await signImage(client, target, await generateKeyPair("pw", { strength: "legacy" }));
    await server.platform.scanner!.idle();
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists an image's scan, findings, packages, signature and base image as occurrences", async () => {
    const body = await list(`resourceUri="${uri}"`);
    const kinds = body.occurrences.map((o) => o.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["DISCOVERY", "VULNERABILITY", "PACKAGE", "ATTESTATION", "IMAGE"]),
    );
    for (const o of body.occurrences) {
      expectShape("v1Occurrence", o);
      expect(o.resourceUri).toBe(uri);
    }
    const vuln = body.occurrences.find((o) => o.kind === "VULNERABILITY")!;
    expect(vuln.noteName).toMatch(/^projects\/portcullis-advisories\/notes\//);
    expect(vuln.vulnerability).toMatchObject({
      packageIssue: [{ affectedPackage: "Jinja2", affectedVersion: { name: "2.10", kind: "NORMAL" } }],
    });
    expect(body.occurrences.find((o) => o.kind === "DISCOVERY")!.discovery).toMatchObject({
      analysisStatus: "FINISHED_SUCCESS",
    });
    const onlyVulns = await list(`resourceUri="${uri}" AND kind="VULNERABILITY"`);
    expect(onlyVulns.occurrences.length).toBe(kinds.filter((k) => k === "VULNERABILITY").length);
    // resourceUrl is the older spelling of the same filter; the whole project lists the same image.
    expect((await list(`resourceUrl="${uri}"`)).occurrences).toEqual(body.occurrences);
    expect((await list("")).occurrences).toEqual(body.occurrences);
  });

  it("pages with pageSize and pageToken, and refuses a token it did not give", async () => {
    const all = (await list(`resourceUri="${uri}"`)).occurrences;
    expect(all.length).toBeGreaterThan(3);
    const seen: unknown[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await list(`resourceUri="${uri}"`, `&pageSize=2${token ? `&pageToken=${token}` : ""}`);
      expect(page.occurrences.length).toBeLessThanOrEqual(2);
      seen.push(...page.occurrences);
      token = page.nextPageToken;
      pages++;
    } while (token !== "" && pages < 50);
    expect(seen).toEqual(all);
    expect((await get("/v1/projects/team/occurrences?pageToken=bm9wZQ")).status).toBe(400);
    expect((await get("/v1/projects/team/occurrences?pageSize=-1")).status).toBe(400);
  });

  it("refuses filters it does not implement with 400", async () => {
    for (const filter of ['kind="VULNERABILITY" OR kind="BUILD"', 'severity="HIGH"', "kind=BUILD"]) {
      const res = await get(`/v1/projects/team/occurrences?filter=${encodeURIComponent(filter)}`);
      expect(res.status, filter).toBe(400);
      expectShape("googlerpcStatus", res.body);
      expect(res.body).toMatchObject({ code: 3, details: [{ reason: "INVALID_ARGUMENT" }] });
    }
  });

  it("answers errors as google.rpc.Status with the HTTP status of their gRPC code", async () => {
    const cases: Array<[string, string, number, number, unknown?]> = [
      ["GET", "/v1/projects/team/occurrences/pc-bm9wZQ", 404, 5],
      ["GET", "/v1/projects/team/nothing-here", 404, 5],
      ["DELETE", "/v1/projects/team/occurrences/pc-bm9wZQ", 501, 12],
      ["GET", "/v1/projects/BAD%20ID/notes", 400, 3],
      ["POST", "/v1/projects/team/occurrences", 400, 3, [1]],
    ];
    for (const [method, path, status, code, body] of cases) {
      const res = await call(server.url, method, path, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
      expectShape("googlerpcStatus", res.body);
      expect(res.body.code, path).toBe(code);
      expect(res.body.message).toEqual(expect.any(String));
      expect(res.body.errors).toBeUndefined();
    }
    const raw = await call(server.url, "POST", "/v1/projects/team/occurrences", { rawBody: "{not json" });
    expect(raw.status).toBe(400);
    expectShape("googlerpcStatus", raw.body);
    expect(raw.body).toMatchObject({ code: 3, message: "the request body is not valid JSON" });
  });

  it("gets a derived occurrence and its note by name", async () => {
    const vuln = (await list(`resourceUri="${uri}" AND kind="VULNERABILITY"`)).occurrences[0]!;
    const one = await get(`/v1/${vuln.name}`);
    expect(one.status).toBe(200);
    expectShape("v1Occurrence", one.body);
    expect(one.body).toEqual(vuln);
    const note = await get(`/v1/${vuln.name}/notes`);
    expect(note.status).toBe(200);
    expectShape("v1Note", note.body);
    expect(note.body).toMatchObject({ name: vuln.noteName, kind: "VULNERABILITY" });
    const analysis = await get("/v1/projects/portcullis/notes");
    expectShape("v1ListNotesResponse", analysis.body);
    expect(analysis.body.notes.map((n: { name: string }) => n.name)).toContain(
      "projects/portcullis/notes/scan",
    );
    expect((await get("/v1/projects/team/occurrences/pc-bm9wZQ")).status).toBe(404);
    expect(
      (await get(`/v1/projects/other/occurrences/${vuln.name!.toString().split("/").pop()}`)).status,
    ).toBe(404);
  });

  it("summarises vulnerabilities per severity with an all-severities total", async () => {
    const res = await get(
      `/v1/projects/team/occurrences:vulnerabilitySummary?filter=${encodeURIComponent(`resourceUri="${uri}"`)}`,
    );
    expect(res.status).toBe(200);
    const total = res.body.counts.find((c: { severity: string }) => c.severity === "SEVERITY_UNSPECIFIED");
    const vulns = (await list(`resourceUri="${uri}" AND kind="VULNERABILITY"`)).occurrences.length;
    expect(total).toMatchObject({ resourceUri: uri, totalCount: String(vulns) });
  });

  it("stores an outside occurrence and returns it beside the derived ones", async () => {
    const note = await call(server.url, "POST", "/v1/projects/team/notes?noteId=tests-passed", {
      body: {
        kind: "ATTESTATION",
        shortDescription: "CI tests passed",
        attestation: { hint: { humanReadableName: "ci" } },
      },
    });
    expect(note.status, note.text).toBe(200);
    expectShape("v1Note", note.body);
    expect(
      (
        await call(server.url, "POST", "/v1/projects/team/notes?noteId=tests-passed", {
          body: { kind: "ATTESTATION", attestation: {} },
        })
      ).status,
    ).toBe(409);

    const created = await post("/v1/projects/team/occurrences", testsPassed());
    expect(created.status, created.text).toBe(200);
    expectShape("v1Occurrence", created.body);
    expect(created.body).toMatchObject({
      ...testsPassed(),
      name: expect.stringMatching(/^projects\/team\/occurrences\/[0-9a-f-]{36}$/),
    });

    const listed = await list(`resourceUri="${uri}" AND kind="ATTESTATION"`);
    expect(listed.occurrences).toContainEqual(created.body);
    expect((await get(`/v1/${created.body.name}`)).body).toEqual(created.body);
    const itsNote = await get(`/v1/${created.body.name}/notes`);
    expect(itsNote.body).toEqual(note.body);
    const ofNote = await get("/v1/projects/team/notes/tests-passed/occurrences");
    expectShape("v1ListNoteOccurrencesResponse", ofNote.body);
    expect(ofNote.body.occurrences).toEqual([created.body]);

    const batch = await post("/v1/projects/team/occurrences:batchCreate", {
      occurrences: [testsPassed(), testsPassed()],
    });
    expect(batch.status, batch.text).toBe(200);
    expectShape("v1BatchCreateOccurrencesResponse", batch.body);
    expect(batch.body.occurrences).toHaveLength(2);
    expect((await get("/v1/projects/team/notes/tests-passed/occurrences")).body.occurrences).toHaveLength(3);
  });

  it("refuses malformed occurrences with 400 and stores nothing, not even the good ones of a batch", async () => {
    const before = (await list('kind="ATTESTATION"')).occurrences.length;
    const good = testsPassed();
    const refused: Array<[string, unknown, number]> = [
      ["no kind detail", { ...good, attestation: undefined }, 400],
      ["an unknown kind", { ...good, kind: "TESTS_PASSED" }, 400],
      ["a tag", { ...good, resourceUri: uri.replace(/@sha256:.*/, ":1.0") }, 400],
      ["another registry", { ...good, resourceUri: uri.replace(/^https:\/\/[^/]+/, "https://gcr.io") }, 400],
      ["another project's image", { ...good, resourceUri: uri.replace("/team/app@", "/other/app@") }, 400],
      ["a reserved note", { ...good, noteName: "projects/portcullis/notes/scan" }, 400],
      [
        "an image not stored",
        { ...good, resourceUri: uri.replace(/@sha256:.*/, `@sha256:${"0".repeat(64)}`) },
        404,
      ],
      ["an array", [good], 400],
    ];
    for (const [what, body, status] of refused) {
      const res = await post("/v1/projects/team/occurrences", body);
      expect(res.status, `${what}: ${res.text}`).toBe(status);
    }
    const batch = await post("/v1/projects/team/occurrences:batchCreate", {
      occurrences: [good, { ...good, kind: "NOPE" }],
    });
    expect(batch.status).toBe(400);
    expect(batch.body.message).toMatch(/occurrences\[1\]\.kind/);
    expect((await post("/v1/projects/team/occurrences:batchCreate", { occurrences: [] })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, () => good);
    expect((await post("/v1/projects/team/occurrences:batchCreate", { occurrences: tooMany })).status).toBe(
      400,
    );
    const raw = await call(server.url, "POST", "/v1/projects/team/occurrences", { rawBody: "{not json" });
    expect(raw.status).toBe(400);
    expect((await list('kind="ATTESTATION"')).occurrences.length).toBe(before);
    // Nobody writes into the reserved projects.
    expect((await post("/v1/projects/portcullis/occurrences", good)).status).toBe(403);
    expect(
      (
        await call(server.url, "POST", "/v1/projects/portcullis/notes?noteId=x", {
          body: { kind: "BUILD", build: {} },
        })
      ).status,
    ).toBe(403);
  });
});
