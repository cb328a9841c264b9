import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  OCI_CONFIG,
  OCI_MANIFEST,
  pushBlob,
  putManifest,
  startTestServer,
  type TestServer,
} from "./testing.js";

/**
 * Who the record names: in accounts mode the registry's gate decisions, the request log and the access
 * rows of the audit log carry the real principal (here the robot `robot$team+ci`, over Basic and over a
 * bearer token), never `anonymous`.
 */
const ROBOT = "robot$team+ci";
const SOURCE = "org.opencontainers.image.source";
const POLICY = `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  require:
    labels: [{ name: ${SOURCE} }]
`;

const basic = (name: string, secret: string) =>
  `Basic ${Buffer.from(`${name}:${secret}`).toString("base64")}`;

describe("the principal in the record (accounts mode)", () => {
  let server: TestServer;
  let dir: string;
  let robotSecret = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "identity-audit-"));
    await writeFile(join(dir, "push.yaml"), POLICY);
    server = await startTestServer({
      database: "sqlite",
      captureLogs: true,
      config: { "auth.mode": "accounts", "policy.push": join(dir, "push.yaml") },
    });
    const store = server.platform.identity!.store;
    await store.createProject({ name: "team" });
    await store.createUser({ name: "dev", password: "developer password" });
    await store.createUser({ name: "root", password: "administrator password", admin: true });
    await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
    robotSecret = (
      await store.createRobot({
        name: "ci",
        project: "team",
        grants: [
          { project: "team", repositories: ["*"], permissions: ["repository.pull", "repository.push"] },
        ],
        createdBy: "test",
      })
    ).secret;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Pushes a one-layer image with these labels; returns the manifest PUT's status and the digest. */
  async function push(repository: string, labels: Record<string, string>, authorization: string) {
    const layer = Buffer.from(`layer of ${JSON.stringify(labels)}`);
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Labels: labels },
        rootfs: { type: "layers", diff_ids: [digestOf(layer)] },
      }),
    );
    await pushBlob(server.url, repository, layer, authorization);
    await pushBlob(server.url, repository, config, authorization);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digestOf(layer), size: layer.length },
      ],
    });
    const res = await putManifest(server.url, repository, "v1", manifest, OCI_MANIFEST, authorization);
    return { status: res.status, digest: digestOf(manifest) };
  }

  it("records a robot's pushes under its name in the gate decisions and the request log", async () => {
    const denied = await push("team/app", {}, basic(ROBOT, robotSecret));
    expect(denied.status).toBe(403);

    // The same robot through the token flow: a bearer token, not its secret, on the registry.
    const answer = await fetch(
      `${server.url}/token?service=portcullis&scope=repository:team/signed:pull,push`,
      {
        headers: { authorization: basic(ROBOT, robotSecret) },
      },
    );
    const { token } = (await answer.json()) as { token: string };
    const allowed = await push("team/signed", { [SOURCE]: "https://example.com/app" }, `Bearer ${token}`);
    expect(allowed.status).toBe(201);

    const decisions = await server.platform.audit.list({ gate: "registry-push" });
    expect(decisions.map((d) => [d.actor, d.effect, d.digest])).toEqual(
      expect.arrayContaining([
        [ROBOT, "deny", denied.digest],
        [ROBOT, "allow", allowed.digest],
      ]),
    );
    expect(decisions.every((d) => d.actor === ROBOT)).toBe(true);

    const requests = server.logs.filter((l) => l.msg === "request" && String(l.path).startsWith("/v2/team/"));
    expect(requests.length).toBeGreaterThan(0);
    expect(new Set(requests.map((l) => l.subject))).toEqual(new Set([ROBOT]));
  });

  it("records logins, failed logins and token issues as access rows: all readable by an admin, a project's by its members", async () => {
    const wrong = await fetch(`${server.url}/token?scope=repository:team/app:pull`, {
      headers: { authorization: basic("dev", "not the password") },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server.url}/token?scope=repository:team/app:pull,delete`, {
      headers: { authorization: basic("dev", "developer password") },
    });
    expect(right.status).toBe(200);
    const form = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        username: ROBOT,
        password: "pcr_wrong",
        client_id: "test",
      }).toString(),
    });
    expect(form.status).toBe(401);

    const accessRows = async () =>
      (await server.platform.audit.list({ gate: "access" })).map((r) => ({
        actor: r.actor,
        event: r.workload,
        effect: r.effect,
        target: r.image,
      }));
    // Access events are appended after the answer is sent: wait for them.
    await expect.poll(accessRows).toEqual(
      expect.arrayContaining([
        { actor: "dev", event: "login.failed", effect: "deny", target: "dev" },
        { actor: "dev", event: "login.succeeded", effect: "allow", target: "dev" },
        // The grant, not the request: a developer may not delete.
        { actor: "dev", event: "token.issued", effect: "allow", target: "repository:team/app:pull" },
        { actor: ROBOT, event: "login.succeeded", effect: "allow", target: ROBOT },
        { actor: ROBOT, event: "token.issued", effect: "allow", target: "repository:team/signed:pull,push" },
        { actor: ROBOT, event: "login.failed", effect: "deny", target: ROBOT },
      ]),
    );
    // The reason names what the grant left out: a refused delete shows in the log.
    const devToken = (await server.platform.audit.list({ gate: "access" })).find(
      (r) => r.actor === "dev" && r.workload === "token.issued",
    );
    expect(devToken?.reason).toBe(
      "token for 1 requested scope(s), 1 granted; refused repository:team/app:delete",
    );
    const rows = await accessRows();
    // A robot sends its secret with every request: its login is one row, not one per request.
    expect(rows.filter((r) => r.actor === ROBOT && r.event === "login.succeeded")).toHaveLength(1);

    // A developer (audit.read in team) reads the project's events: the tokens for its repositories,
    // not the logins (about accounts, not the project).
    const asDev = await fetch(`${server.url}/api/v1/audit/decisions?gate=access`, {
      headers: { authorization: basic("dev", "developer password") },
    });
    expect(asDev.status).toBe(200);
    const seen = ((await asDev.json()) as { decisions: Array<{ image: string; workload: string }> })
      .decisions;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((d) => !d.image.startsWith("repository:team/"))).toEqual([]);
    expect(seen.map((d) => d.workload)).not.toContain("login.succeeded");
    const asAdmin = await fetch(`${server.url}/api/v1/audit/decisions?gate=access`, {
      headers: { authorization: basic("root", "administrator password") },
    });
    expect(asAdmin.status).toBe(200);
    const listed = ((await asAdmin.json()) as { decisions: Array<{ actor: string }> }).decisions;
    expect(listed.map((d) => d.actor)).toEqual(expect.arrayContaining(["dev", ROBOT, "root"]));
    expect((await server.platform.audit.verifyChain()).ok).toBe(true);
  });
});
