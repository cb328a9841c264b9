import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";

/** Fixtures of runtime/ (real-shaped Falco alerts and an audit EventList), read as test data. */
const fixture = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../runtime/testdata/${path}`, import.meta.url), "utf8"));

const APP = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const basic = (name: string) => `Basic ${Buffer.from(`${name}:password of ${name}`).toString("base64")}`;

async function post(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1/runtime/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

const errorCode = (body: Record<string, unknown> | undefined) =>
  (body?.errors as Array<{ code: string; message: string }> | undefined)?.[0];

describe.each(testDatabases())("POST /api/v1/runtime/* in accounts mode (%s)", (database) => {
  let server: TestServer;
  const root = { authorization: basic("root") };

  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: { "auth.mode": "accounts", "runtime.falcoMaxBody": "64KiB" },
    });
    const store = server.platform.identity!.store;
    await store.createProject({ name: "team" });
    await store.createUser({ name: "root", password: "password of root", admin: true });
    await store.createUser({ name: "dev", password: "password of dev" });
    await store.addMember({ project: "team", kind: "user", name: "dev", role: "project-admin" });
  });
  afterAll(async () => server?.close());

  it("refuses callers without runtime.write before reading the body, storing nothing", async () => {
    const alert = fixture("falco/terminal-shell.json");
    const anonymous = await post(server, "falco", alert);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic /);
    const wrong = await post(server, "falco", alert, {
      authorization: `Basic ${Buffer.from("root:nope").toString("base64")}`,
    });
    expect(wrong.status).toBe(401);
    // A project administrator is no installation administrator: runtime.write is a system permission.
    const dev = await post(server, "k8s-audit", fixture("k8s-audit/eventlist.json"), {
      authorization: basic("dev"),
    });
    expect(dev.status).toBe(403);
    expect(errorCode(dev.body)).toMatchObject({ code: "DENIED", message: "dev may not runtime.write" });
    expect(await server.platform.record.query({ kind: ["runtime.alert", "k8s.audit"] })).toEqual([]);
  });

  it.each([
    ["not JSON", "{not json", 400, "INVALID_ARGUMENT", /not valid JSON/],
    [
      "a wrong type",
      { ...fixture("falco/terminal-shell.json"), priority: 3 },
      400,
      "INVALID_ARGUMENT",
      /priority: must be a string/,
    ],
    [
      "a list with one bad alert",
      [fixture("falco/terminal-shell.json"), { rule: "x" }],
      400,
      "INVALID_ARGUMENT",
      /\[1\]\.output: is required/,
    ],
    [
      "an oversized body",
      { ...fixture("falco/terminal-shell.json"), output: "x".repeat(70_000) },
      413,
      "SIZE_INVALID",
      /too large/i,
    ],
  ])("answers %s with a clear 4xx and stores nothing", async (_name, body, status, code, message) => {
    const res = await post(server, "falco", body, root);
    expect(res.status).toBe(status);
    expect(errorCode(res.body)?.code).toBe(code);
    expect(errorCode(res.body)?.message).toMatch(message);
    expect(await server.platform.record.query({ kind: "runtime.alert" })).toEqual([]);
  });

  it("refuses a body that is not JSON by its content type, and a malformed EventList", async () => {
    const plain = await fetch(`${server.url}/api/v1/runtime/falco`, {
      method: "POST",
      headers: { ...root, "content-type": "text/plain" },
      body: "x",
    });
    expect(plain.status).toBe(415);
    const list = fixture("k8s-audit/eventlist.json");
    const bad = await post(
      server,
      "k8s-audit",
      { ...list, items: [...(list.items as unknown[]), { auditID: "x" }] },
      root,
    );
    expect(bad.status).toBe(400);
    expect(errorCode(bad.body)?.message).toMatch(
      /^malformed audit EventList: items\[9\]\.stage: is required/,
    );
    expect(await server.platform.record.query({ kind: "k8s.audit" })).toEqual([]);
  });

  it("records an EventList, then ties a Falco alert without a digest to the pod's image", async () => {
    const audit = await post(server, "k8s-audit", fixture("k8s-audit/eventlist.json"), root);
    expect(audit.status).toBe(201);
    expect(audit.body).toMatchObject({ stored: 6, withDigest: 3, skipped: 4 });

    const shell = await post(server, "falco", fixture("falco/terminal-shell.json"), root);
    expect(shell.status).toBe(201);
    expect(shell.body).toMatchObject({ stored: 1, withDigest: 1, skipped: 0 });
    const [alert] = await server.platform.record.query({
      kind: "runtime.alert",
      containerId: "3ad7b26ded6d",
    });
    expect(alert).toMatchObject({
      digest: APP,
      namespace: "shop",
      pod: "web-7c9d8b6f5-x2x9q",
      actor: "root",
    });
    expect(alert?.payload).toMatchObject({ rule: "Terminal shell in container", digestFrom: "k8s.audit" });

    // The same container again, with no pod fields: its earlier alert names the digest.
    const bare = fixture("falco/terminal-shell.json");
    const fields = { ...(bare.output_fields as Record<string, unknown>) };
    delete fields["k8s.ns.name"];
    delete fields["k8s.pod.name"];
    expect((await post(server, "falco", [{ ...bare, output_fields: fields }], root)).status).toBe(201);
    const again = await server.platform.record.query({ kind: "runtime.alert", containerId: "3ad7b26ded6d" });
    expect(again[1]).toMatchObject({ digest: APP, payload: { digestFrom: "container" } });

    // Everything about the image, in order: the deployment patch, the pod create, both alerts.
    const timeline = await server.platform.record.query({ digest: APP });
    expect(timeline.map((e) => e.kind)).toEqual(["k8s.audit", "k8s.audit", "runtime.alert", "runtime.alert"]);
  });

  it("lets a system robot granted runtime.write post, and no project robot", async () => {
    const created = await fetch(`${server.url}/api/v1/robots`, {
      method: "POST",
      headers: { ...root, "content-type": "application/json" },
      body: JSON.stringify({ name: "falcosidekick", systemPermissions: ["runtime.write"] }),
    });
    expect(created.status).toBe(201);
    const { robot, secret } = (await created.json()) as {
      robot: { name: string; systemPermissions: string[] };
      secret: string;
    };
    expect(robot).toMatchObject({ name: "robot$falcosidekick", systemPermissions: ["runtime.write"] });
    const asRobot = { authorization: `Basic ${Buffer.from(`${robot.name}:${secret}`).toString("base64")}` };
    // Counted by kind: the record also holds the access events the robot's logins add, in the background.
    const alerts = async () => (await server.platform.record.query({ kind: "runtime.alert" })).length;
    const before = await alerts();
    const res = await post(server, "falco", fixture("falco/drop-and-execute.json"), asRobot);
    expect(res.status).toBe(201);
    expect(await alerts()).toBe(before + 1);

    const store = server.platform.identity!.store;
    const project = await store.createRobot({
      name: "ci",
      project: "team",
      grants: [{ project: "team", repositories: ["*"], permissions: ["repository.push"] }],
      createdBy: "root",
    });
    const ci = {
      authorization: `Basic ${Buffer.from(`${project.robot.name}:${project.secret}`).toString("base64")}`,
    };
    expect((await post(server, "falco", fixture("falco/drop-and-execute.json"), ci)).status).toBe(403);
    // Only system robots hold system permissions, and only the ones meant for machines.
    await expect(
      store.createRobot({
        name: "x",
        project: "team",
        grants: [],
        systemPermissions: ["runtime.write"],
        createdBy: "root",
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      store.createRobot({ name: "y", grants: [], systemPermissions: ["system.users"], createdBy: "root" }),
    ).rejects.toMatchObject({
      code: "INVALID",
    });
  });

  it("takes the digest an admission decision recorded for the pod, and stores falcosidekick's body", async () => {
    const digest = `sha256:${"7".repeat(64)}`;
    await server.platform.audit.append({
      gate: "admission",
      image: "docker.io/library/nginx:1.27",
      digest,
      effect: "allow",
      mode: "enforce",
      reason: "allowed",
      rules: [],
      namespace: "edge",
      workload: "Pod/nginx-0",
    });
    const alert = fixture("falco/terminal-shell.json");
    const fields = {
      ...(alert.output_fields as Record<string, unknown>),
      "container.id": "0123456789ab",
      "container.image.repository": "docker.io/library/nginx",
      "container.name": "nginx",
      "k8s.ns.name": "edge",
      "k8s.pod.name": "nginx-0",
    };
    const res = await post(server, "falco", { ...alert, output_fields: fields }, root);
    expect(res.body).toMatchObject({ withDigest: 1 });
    const [stored] = await server.platform.record.query({
      kind: "runtime.alert",
      containerId: "0123456789ab",
    });
    expect(stored).toMatchObject({ digest, payload: { digestFrom: "admission" } });

    const sidekick = await post(
      server,
      "falco",
      fixture("falco/falcosidekick-write-below-binary-dir.json"),
      root,
    );
    expect(sidekick.status).toBe(201);
    expect(sidekick.body).toMatchObject({ stored: 1, withDigest: 0 });
  });
});

describe.each(testDatabases())("POST /api/v1/runtime/* in anonymous mode (%s)", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, config: { "runtime.rateLimit": 2 } });
  });
  afterAll(async () => server?.close());

  it("accepts loopback callers as every write does there, resolves our tags, and rate-limits", async () => {
    const image = await pushImage(server.url, "team/web", { tag: "1.4.2" });
    const host = server.platform.registryHost;
    const list = fixture("k8s-audit/eventlist.json");
    const create = structuredClone((list.items as Record<string, unknown>[])[2]!);
    const pod = (create.responseObject as { spec: Record<string, unknown> }).spec;
    pod.initContainers = [];
    pod.containers = [{ name: "web", image: `${host}/team/web:1.4.2` }];
    const res = await post(server, "k8s-audit", { ...list, items: [create] });
    expect(res.status).toBe(201);
    const [event] = await server.platform.record.query({ kind: "k8s.audit" });
    expect(event).toMatchObject({ digest: image.digest, repository: "team/web", pod: "web-7c9d8b6f5-x2x9q" });
    expect(event?.payload).toMatchObject({
      images: [
        { container: "web", image: `${host}/team/web:1.4.2`, digest: image.digest, digestFrom: "registry" },
      ],
    });

    // Two requests a minute: the one above and the one below pass, the next waits.
    expect((await post(server, "falco", fixture("falco/terminal-shell.json"))).status).toBe(201);
    const [alert] = await server.platform.record.query({ kind: "runtime.alert" });
    expect(alert).toMatchObject({ digest: image.digest, repository: "team/web" });
    const limited = await post(server, "falco", fixture("falco/terminal-shell.json"));
    expect(limited.status).toBe(429);
    expect(errorCode(limited.body)?.code).toBe("TOOMANYREQUESTS");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
