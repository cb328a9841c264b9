/**
 * Real clients against Portcullis in accounts mode (`auth.mode: accounts`): skopeo and podman log in
 * (with a user and with the robot `robot$team+ci`), push and pull through the Docker token flow, a
 * guest's push is refused, anonymous pulls work in a public project and not in a private one. The
 * server runs in-process with its log captured; no secret these tests use may appear in it.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { type WrittenImage, writeImageLayout } from "../support/oci-layout.js";
import { isolatedPodman, type Podman } from "../support/podman.js";
import { unavailable } from "../support/requirements.js";
import { basicForm, expectNoSecrets } from "../support/secrets.js";
import { isolatedSkopeo, type Skopeo } from "../support/skopeo.js";
import { hasCommand } from "../support/targets.js";

const TIMEOUT = 120_000;
const DEV = { name: "dev", password: "developer password 1" };
const GUEST = { name: "visitor", password: "guest password 123" };
const ROBOT = "robot$team+ci";
/** How containers/image says a registry refused credentials or a scope. */
const REFUSED = /unauthorized|denied|authentication required|invalid username\/password/i;

let server: TestServer;
let host = "";
let robotSecret = "";
/** Every registry token and refresh token the server handed out, for the secret scan. */
const issued: string[] = [];
const temps: string[] = [];
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  server = await startTestServer({
    database: "sqlite",
    config: { "auth.mode": "accounts" },
    captureLogs: true,
  });
  host = new URL(server.url).host;
  const { store, tokens } = server.platform.identity!;
  // Observe (not replace) what the token service and the store hand out.
  const issue = tokens.issue.bind(tokens);
  tokens.issue = async (...args) => {
    const answer = await issue(...args);
    issued.push(answer.token);
    return answer;
  };
  const createRefreshToken = store.createRefreshToken.bind(store);
  store.createRefreshToken = async (...args) => {
    const token = await createRefreshToken(...args);
    issued.push(token);
    return token;
  };
  await store.createProject({ name: "team" });
  await store.createProject({ name: "open", public: true });
  await store.createUser({ name: DEV.name, password: DEV.password });
  await store.createUser({ name: GUEST.name, password: GUEST.password });
  for (const project of ["team", "open"])
    await store.addMember({ project, kind: "user", name: DEV.name, role: "developer" });
  await store.addMember({ project: "team", kind: "user", name: GUEST.name, role: "guest" });
  robotSecret = (
    await store.createRobot({
      name: "ci",
      project: "team",
      grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull", "repository.push"] }],
      createdBy: "test",
    })
  ).secret;
  // Lower-case hex: podman names images pulled from oci:<path> after the path.
  const work = join(tmpdir(), `e2e-accounts-${randomBytes(8).toString("hex")}`);
  temps.push(work);
  await mkdir(work, { mode: 0o700 });
  layout = join(work, "layout");
  image = await writeImageLayout(layout, { tag: "v1", layerSizes: [8 * 1024, 32 * 1024] });
}, TIMEOUT);

afterAll(async () => {
  // Passwords, the robot secret and every token the server issued, against the server's log and the
  // audit log's rows.
  expect(issued.length).toBeGreaterThan(0);
  const rows = await server.platform.audit.list({ limit: 10_000 });
  expectNoSecrets(
    [...server.logs, ...rows].map((line) => JSON.stringify(line)),
    [
      DEV.password,
      GUEST.password,
      robotSecret,
      basicForm(DEV.name, DEV.password),
      basicForm(GUEST.name, GUEST.password),
      basicForm(ROBOT, robotSecret),
      ...issued,
    ],
  );
  await server?.close();
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const auditRows = async () =>
  (await server.platform.audit.list({ limit: 1000 })).map((row) => ({
    gate: row.gate,
    actor: row.actor,
    workload: row.workload,
    effect: row.effect,
  }));

describe.skipIf(unavailable("skopeo", hasCommand("skopeo")))("skopeo against accounts mode", () => {
  let skopeo: Skopeo;
  let out: string;

  beforeAll(async () => {
    const work = join(temps[0]!, "skopeo");
    skopeo = await isolatedSkopeo(work);
    out = join(work, "out");
  });

  it(
    "logs in as a user, pushes and pulls back the same image, and records the login",
    async () => {
      const login = await skopeo.login(host, DEV.name, DEV.password);
      expect(login.code, login.stderr).toBe(0);
      // The auth file holds what skopeo was given (that is the client's business), nothing of ours.
      expect(await readFile(skopeo.authFile, "utf8")).toContain(host);
      await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/team/app:v1`);
      await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/open/app:v1`);
      await skopeo.copy(`docker://${host}/team/app:v1`, `oci:${out}:dev`);
      const index = JSON.parse(await readFile(join(out, "index.json"), "utf8")) as {
        manifests: Array<{ digest: string }>;
      };
      expect(index.manifests.map((m) => m.digest)).toContain(image.digest);
      await skopeo.logout(host);
      // Access events are appended after the answer is sent: wait for them.
      await expect.poll(auditRows).toEqual(
        expect.arrayContaining([
          { gate: "access", actor: "dev", workload: "login.succeeded", effect: "allow" },
          { gate: "access", actor: "dev", workload: "token.issued", effect: "allow" },
        ]),
      );
    },
    TIMEOUT,
  );

  it(
    "logs in as the robot robot$team+ci and pushes and pulls in its project",
    async () => {
      const login = await skopeo.login(host, ROBOT, robotSecret);
      expect(login.code, login.stderr).toBe(0);
      await skopeo.copy(`docker://${host}/team/app:v1`, `docker://${host}/team/app:robot`);
      await skopeo.copy(`docker://${host}/team/app:robot`, `oci:${out}:robot`);
      // Outside its grant: another project.
      const outside = await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/other/app:v1`, {
        allowFailure: true,
      });
      expect(outside.code).not.toBe(0);
      expect(outside.stderr).toMatch(REFUSED);
      await skopeo.logout(host);
      await expect
        .poll(auditRows)
        .toContainEqual({ gate: "access", actor: ROBOT, workload: "token.issued", effect: "allow" });
    },
    TIMEOUT,
  );

  it(
    "refuses a guest's push and a wrong password, and lets the guest pull",
    async () => {
      const wrong = await skopeo.login(host, GUEST.name, "not the guest password");
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(REFUSED);
      expect(wrong.stderr).not.toContain("not the guest password");
      const login = await skopeo.login(host, GUEST.name, GUEST.password);
      expect(login.code, login.stderr).toBe(0);
      const push = await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/team/app:guest`, {
        allowFailure: true,
      });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toMatch(REFUSED);
      const tags = await fetch(`${server.url}/v2/team/app/tags/list`, {
        headers: { authorization: `Basic ${Buffer.from(`${DEV.name}:${DEV.password}`).toString("base64")}` },
      });
      expect(((await tags.json()) as { tags: string[] }).tags).not.toContain("guest");
      await skopeo.copy(`docker://${host}/team/app:v1`, `oci:${out}:guest`);
      await skopeo.logout(host);
      await expect
        .poll(auditRows)
        .toContainEqual({ gate: "access", actor: GUEST.name, workload: "login.failed", effect: "deny" });
    },
    TIMEOUT,
  );

  it(
    "pulls anonymously from a public project, never from a private one",
    async () => {
      await skopeo.copy(`docker://${host}/open/app:v1`, `oci:${out}:anonymous`);
      const privately = await skopeo.copy(`docker://${host}/team/app:v1`, `oci:${out}:denied`, {
        allowFailure: true,
      });
      expect(privately.code).not.toBe(0);
      expect(privately.stderr).toMatch(REFUSED);
      const push = await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/open/app:anonymous`, {
        allowFailure: true,
      });
      expect(push.code).not.toBe(0);
    },
    TIMEOUT,
  );
});

describe.skipIf(unavailable("podman", hasCommand("podman")))("podman against accounts mode", () => {
  let podman: Podman;
  let unusable: string | undefined;
  let localId = "";

  beforeAll(async () => {
    // Short: podman refuses a runroot path over 50 characters.
    const work = join(tmpdir(), `pcp-${randomBytes(4).toString("hex")}`);
    temps.push(work);
    podman = await isolatedPodman(work, TIMEOUT - 10_000);
    unusable = await podman.probe(layout, "v1");
    if (unusable !== undefined && unavailable(`a podman that can run here (${unusable})`, false)) return;
    localId = image.configDigest.slice("sha256:".length);
  }, TIMEOUT);

  const push = (ref: string) =>
    podman.run(["push", "--tls-verify=false", "--authfile", podman.authFile, localId, `docker://${ref}`], {
      allowFailure: true,
    });
  const pull = (ref: string) =>
    podman.run(["pull", "--tls-verify=false", "--authfile", podman.authFile, ref], { allowFailure: true });
  const pulledDigest = async (ref: string) =>
    (JSON.parse((await podman.run(["image", "inspect", ref])).stdout) as Array<{ Digest: string }>)[0]!
      .Digest;

  it(
    "logs in as a user and as the robot, pushes, and pulls back",
    async (ctx) => {
      if (unusable !== undefined) ctx.skip(unusable);
      const user = await podman.login(host, DEV.name, DEV.password);
      expect(user.code, user.stderr).toBe(0);
      const pushed = await push(`${host}/team/podman:v1`);
      expect(pushed.code, pushed.stderr).toBe(0);
      await podman.logout(host);

      const robot = await podman.login(host, ROBOT, robotSecret);
      expect(robot.code, robot.stderr).toBe(0);
      const robotPush = await push(`${host}/team/podman:robot`);
      expect(robotPush.code, robotPush.stderr).toBe(0);
      // Pulled into an empty store, so the image's digest is the registry's (then it has the same ID again).
      await podman.run(["rmi", "--all", "--force"]);
      const pulled = await pull(`${host}/team/podman:v1`);
      expect(pulled.code, pulled.stderr).toBe(0);
      const manifest = await fetch(`${server.url}/v2/team/podman/manifests/v1`, {
        method: "HEAD",
        headers: {
          authorization: `Basic ${Buffer.from(`${ROBOT}:${robotSecret}`).toString("base64")}`,
          accept:
            "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
        },
      });
      expect(manifest.status).toBe(200);
      expect(await pulledDigest(`${host}/team/podman:v1`)).toBe(
        manifest.headers.get("docker-content-digest"),
      );
      await podman.logout(host);
    },
    TIMEOUT,
  );

  it(
    "refuses a guest's push; anonymous pulls only from the public project",
    async (ctx) => {
      if (unusable !== undefined) ctx.skip(unusable);
      const guest = await podman.login(host, GUEST.name, GUEST.password);
      expect(guest.code, guest.stderr).toBe(0);
      const denied = await push(`${host}/team/podman:guest`);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toMatch(REFUSED);
      await podman.logout(host);

      const wrong = await podman.login(host, ROBOT, "pcr_not-the-secret");
      expect(wrong.code).not.toBe(0);

      const user = await podman.login(host, DEV.name, DEV.password);
      expect(user.code, user.stderr).toBe(0);
      expect((await push(`${host}/open/podman:v1`)).code).toBe(0);
      await podman.logout(host);
      await podman.run(["rmi", "--all", "--force"]);
      const anonymous = await pull(`${host}/open/podman:v1`);
      expect(anonymous.code, anonymous.stderr).toBe(0);
      const privately = await pull(`${host}/team/podman:v1`);
      expect(privately.code).not.toBe(0);
      expect(privately.stderr).toMatch(REFUSED);
    },
    TIMEOUT,
  );
});
