import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { swaggerErrors } from "../../../grafeas/testing.js";
import { OCI_MANIFEST, pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { basic, type Caller, call, client } from "../identity/testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };
const DEV: Caller = { name: "dev", secret: "developer password" };
const MAINT: Caller = { name: "maint", secret: "maintainer password" };
const OUTSIDER: Caller = { name: "outsider", secret: "outsider password" };
const NOTE = "projects/team/notes/tests-passed";

const PULL_POLICY = [
  "apiVersion: portcullis.dev/v1",
  "kind: Policy",
  "defaultRule:",
  "  evaluationMode: require",
  "  enforcementMode: enforce",
  "  require:",
  "    occurrences:",
  `      - note: ${NOTE}`,
  "        kind: ATTESTATION",
  "        author: maint",
  "",
].join("\n");

describe.each(testDatabases())("Grafeas API access and the occurrences requirement (%s)", (database) => {
  let server: TestServer;
  let policyDir: string;
  let digest: string;
  let uri: string;
  const occurrence = () => ({
    resourceUri: uri,
    noteName: NOTE,
    kind: "ATTESTATION",
    attestation: { serializedPayload: Buffer.from("tests passed").toString("base64"), signatures: [] },
  });
  const pull = (as: Caller) =>
    fetch(`${server.url}/v2/team/app/manifests/${digest}`, {
      headers: { authorization: basic(as), accept: OCI_MANIFEST },
    });
  const list = (as?: Caller) =>
    call(
      server.url,
      "GET",
      `/v1/projects/team/occurrences?filter=${encodeURIComponent(`resourceUri="${uri}"`)}`,
      {
        ...(as ? { as } : {}),
      },
    );

  beforeAll(async () => {
    // The pull policy exists before the server starts; no decision cache, so a posted occurrence counts
    // on the next pull.
    policyDir = await mkdtemp(join(tmpdir(), "pc-grafeas-policy-"));
    await writeFile(join(policyDir, "pull.yaml"), PULL_POLICY);
    server = await startTestServer({
      database,
      config: {
        "auth.mode": "accounts",
        "policy.decisionCache": "0s",
        "policy.pull": join(policyDir, "pull.yaml"),
      },
    });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    for (const user of [DEV, MAINT, OUTSIDER])
      await store.createUser({ name: user.name, password: user.secret });
    const root = client(server.url, ROOT);
    expect((await root.post("/api/v1/projects", { name: "team" })).status).toBe(201);
    expect((await root.post("/api/v1/projects", { name: "other" })).status).toBe(201);
    for (const [name, role, project] of [
      ["dev", "developer", "team"],
      ["maint", "maintainer", "team"],
      ["outsider", "project-admin", "other"],
    ] as const) {
      expect((await root.post(`/api/v1/projects/${project}/members`, { name, role })).status).toBe(201);
    }
    digest = (await pushImage(server.url, "team/app", { tag: "1.0", authorization: basic(ROOT) })).digest;
    uri = `https://${new URL(server.url).host}/team/app@${digest}`;
  });
  afterAll(async () => {
    await server.close();
    await rm(policyDir, { recursive: true, force: true });
  });

  it("refuses anonymous callers and other projects' members; a project's reader lists", async () => {
    const anonymous = await list();
    expect(anonymous.status).toBe(401);
    // google.rpc.Status, the challenge kept: a client can still find how to sign in.
    expect(anonymous.body).toMatchObject({ code: 16, details: [{ reason: "UNAUTHORIZED" }] });
    expect(anonymous.headers.get("www-authenticate")).toBeTruthy();
    const outsider = await list(OUTSIDER);
    expect(outsider.status).toBe(403);
    expect(outsider.body).toMatchObject({ code: 7, details: [{ reason: "DENIED" }] });
    expect((await call(server.url, "GET", "/v1/projects/team/occurrences", { as: OUTSIDER })).status).toBe(
      403,
    );
    const read = await list(DEV);
    expect(read.status, read.text).toBe(200);
    expect(swaggerErrors("v1ListOccurrencesResponse", read.body)).toEqual([]);
    // Guessing an id of another project's image tells an outsider nothing either.
    const someId = read.body.occurrences[0]?.name?.split("/").pop() ?? "pc-x";
    expect(
      (await call(server.url, "GET", `/v1/projects/team/occurrences/${someId}`, { as: OUTSIDER })).status,
    ).toBe(403);
  });

  it("lets only occurrence.write post: not a developer, not another project's admin", async () => {
    for (const as of [DEV, OUTSIDER]) {
      const res = await call(server.url, "POST", "/v1/projects/team/occurrences", { as, body: occurrence() });
      expect(res.status, `${as.name}: ${res.text}`).toBe(403);
    }
    expect(
      (await call(server.url, "POST", "/v1/projects/team/occurrences", { body: occurrence() })).status,
    ).toBe(401);
    const note = await call(server.url, "POST", "/v1/projects/team/notes?noteId=tests-passed", {
      as: DEV,
      body: { kind: "ATTESTATION", attestation: {} },
    });
    expect(note.status).toBe(403);
    expect(
      (await list(DEV)).body.occurrences.filter((o: { kind: string }) => o.kind === "ATTESTATION"),
    ).toEqual([]);
  });

  it("denies the pull without the occurrence and allows it once the maintainer posted it", async () => {
    const denied = await pull(DEV);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toMatch(
      /no ATTESTATION occurrence of projects\/team\/notes\/tests-passed by maint/,
    );
    const posted = await call(server.url, "POST", "/v1/projects/team/occurrences", {
      as: MAINT,
      body: occurrence(),
    });
    expect(posted.status, posted.text).toBe(200);
    expect(swaggerErrors("v1Occurrence", posted.body)).toEqual([]);
    const allowed = await pull(DEV);
    expect(allowed.status, await allowed.clone().text()).toBe(200);
    expect((await list(DEV)).body.occurrences).toContainEqual(posted.body);
  });
});
