import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ScanReport, verifyDelivery } from "../../../app/index.js";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { basic, type Caller, call } from "./testing.js";

/** Refused unless its image carries a label no test image has: every pull is denied. */
const PULL_POLICY = `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  evaluationMode: require
  enforcementMode: enforce
  require:
    labels:
      - org.opencontainers.image.source
`;

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A real receiver on loopback: answers the scripted statuses in turn, then 200. */
class Receiver {
  readonly received: Received[] = [];
  script: number[] = [];
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        response.statusCode = this.script.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The requests received of a type once there are `count` of them, or after `ms` (a negative check). */
  async waitFor(count: number, type?: string, ms = 5_000): Promise<Received[]> {
    const matching = () => this.received.filter((r) => !type || JSON.parse(r.body).type === type);
    for (let i = 0; i < ms / 25 && matching().length < count; i++)
      await new Promise((r) => setTimeout(r, 25));
    return matching();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const ROOT: Caller = { name: "root", secret: "root password here" };
const MAINTAINER: Caller = { name: "maint", secret: "maint password here" };
const DEVELOPER: Caller = { name: "dev", secret: "dev password here" };

describe.each(testDatabases())("project webhooks (%s)", (database) => {
  let server: TestServer;
  let receiver: Receiver;
  let policyDir = "";
  const hooks = (project = "team") => `/api/v1/projects/${project}/webhooks`;

  beforeAll(async () => {
    policyDir = await mkdtemp(join(tmpdir(), "webhook-policy-"));
    const policy = join(policyDir, "pull.yaml");
    await writeFile(policy, PULL_POLICY);
    server = await startTestServer({
      database,
      captureLogs: true,
      config: { "auth.mode": "accounts", "policy.pull": policy },
    });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: MAINTAINER.name, password: MAINTAINER.secret });
    await store.createUser({ name: DEVELOPER.name, password: DEVELOPER.secret });
    await store.createProject({ name: "team" });
    await store.createProject({ name: "other" });
    await store.addMember({ project: "team", kind: "user", name: MAINTAINER.name, role: "maintainer" });
    await store.addMember({ project: "team", kind: "user", name: DEVELOPER.name, role: "developer" });
    receiver = new Receiver();
    await receiver.start();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
    await rm(policyDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.script = [];
  });

  async function subscribe(events: string[], project = "team"): Promise<{ id: string; secret: string }> {
    const answer = await call(server.url, "POST", hooks(project), {
      as: MAINTAINER,
      body: { url: receiver.url, events },
    });
    expect(answer.status, answer.text).toBe(201);
    return { id: answer.body.webhook.id, secret: answer.body.secret };
  }

  it("sends a pushed image as a CloudEvent whose signatures verify with the secret shown at creation", async () => {
    const { id, secret } = await subscribe(["dev.portcullis.image.pushed"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const image = await pushImage(server.url, "team/app", { tag: "v1", authorization: basic(ROOT) });
    const [got] = await receiver.waitFor(1, "dev.portcullis.image.pushed");
    expect(got).toBeDefined();
    const event = JSON.parse(got!.body);
    expect(event).toMatchObject({
      specversion: "1.0",
      type: "dev.portcullis.image.pushed",
      source: `//${server.platform.registryHost}/team/app`,
      subject: `team/app@${image.digest}`,
      datacontenttype: "application/json",
      data: { repository: "team/app", digest: image.digest, tags: ["v1"], actor: "root" },
    });
    expect(typeof event.id).toBe("string");
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    expect(got!.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    expect(got!.headers["webhook-id"]).toBe(event.id);
    const headers = {
      id: got!.headers["webhook-id"] as string,
      timestamp: got!.headers["webhook-timestamp"] as string,
      signature: got!.headers["webhook-signature"] as string,
    };
    const now = Math.floor(Date.now() / 1000);
    expect(verifyDelivery(secret, headers, got!.body, now)).toBe(true);
    // A changed body, another secret or a replay an hour later do not verify.
    expect(verifyDelivery(secret, headers, `${got!.body} `, now)).toBe(false);
    expect(verifyDelivery(`whsec_${Buffer.alloc(32, 1).toString("base64")}`, headers, got!.body, now)).toBe(
      false,
    );
    expect(verifyDelivery(secret, headers, got!.body, now + 3600)).toBe(false);
    const { createHmac } = await import("node:crypto");
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    expect(got!.headers["x-portcullis-signature"]).toBe(
      `sha256=${createHmac("sha256", key).update(got!.body).digest("hex")}`,
    );
    await call(server.url, "DELETE", `${hooks()}/${id}`, { as: MAINTAINER });
  });

  it("retries a receiver answering 500 twice with exponential backoff, logging each attempt", async () => {
    const { id } = await subscribe(["dev.portcullis.image.pushed"]);
    receiver.script = [500, 500];
    await pushImage(server.url, "team/retry", { tag: "v1", authorization: basic(ROOT) });
    await receiver.waitFor(1);
    const notifications = server.platform.notifications!;
    const deliveries = async () =>
      (await call(server.url, "GET", `${hooks()}/${id}/deliveries`, { as: MAINTAINER })).body.deliveries;
    const settle = async () => {
      for (let i = 0; i < 100; i++) {
        const [d] = await deliveries();
        if (d && d.state !== "pending") return d;
        if (d && d.attempts.length > 0 && d.nextAttemptAt !== null) return d;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("delivery never settled");
    };
    let delivery = await settle();
    expect(delivery.state).toBe("pending");
    expect(delivery.attempts).toHaveLength(1);
    const first = delivery.attempts[0];
    expect(first).toMatchObject({ attempt: 1, statusCode: 500, error: "the receiver answered 500" });
    // Not due yet: a sweep now sends nothing.
    expect(await notifications.deliverDue()).toBe(0);
    const gap = (a: { at: string; nextRetryAt: string }) => Date.parse(a.nextRetryAt) - Date.parse(a.at);
    expect(gap(first)).toBe(10_000);
    // The sweep acts as if the retry's time had come.
    await notifications.deliverDue(Date.parse(first.nextRetryAt));
    await server.platform.queue.drain();
    delivery = (await deliveries())[0];
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[1]).toMatchObject({ attempt: 2, statusCode: 500 });
    expect(gap(delivery.attempts[1])).toBe(20_000);
    await notifications.deliverDue(Date.parse(delivery.attempts[1].nextRetryAt));
    await server.platform.queue.drain();
    delivery = (await deliveries())[0];
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200]);
    expect(delivery.attempts[2].nextRetryAt).toBeNull();
    expect(delivery.nextAttemptAt).toBeNull();
    // Every attempt carried the same event id, so the receiver can drop copies.
    const ids = receiver.received.map((r) => JSON.parse(r.body).id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /portcullis_webhook_deliveries_total\{event_type="dev.portcullis.image.pushed",outcome="retry"\} [2-9]/,
    );
    expect(metrics).toMatch(
      /portcullis_webhook_delivery_duration_seconds_count\{event_type="dev.portcullis.image.pushed"\} \d+/,
    );
    expect(metrics).toMatch(/portcullis_webhook_queue_depth \d+/);
    await call(server.url, "DELETE", `${hooks()}/${id}`, { as: MAINTAINER });
  });

  it("announces a finished scan with counts, and only criticals a re-scan finds new", async () => {
    const { id } = await subscribe(["dev.portcullis.scan.completed", "dev.portcullis.finding.critical"]);
    const digest = `sha256:${"a".repeat(64)}`;
    const finding = (cve: string, severity: string, name = "openssl") => ({
      id: cve,
      aliases: [],
      package: {
        index: 0,
        name,
        type: "deb",
        purl: `pkg:deb/debian/${name}@1.0`,
        ecosystem: "Debian:12",
        advisoryName: name,
        locations: [],
      },
      installedVersion: "1.0",
      severity,
      references: [],
    });
    const report = (findings: ReturnType<typeof finding>[]) =>
      ({
        schema: "portcullis.dev/scan-report/v1",
        findings,
        violations: [],
        summary: {
          critical: findings.filter((f) => f.severity === "CRITICAL").length,
          high: findings.filter((f) => f.severity === "HIGH").length,
          medium: 0,
          low: 0,
          unknown: 0,
          suppressed: 0,
          violations: 0,
        },
        complete: true,
        incomplete: [],
      }) as unknown as ScanReport;
    const scans = server.platform.scans;
    await scans.request(digest, "team/scanned", new Date());
    await scans.complete(digest, {
      sbom: Buffer.from("{}"),
      sbomDigest: digest,
      report: report([finding("CVE-2026-0001", "CRITICAL"), finding("CVE-2026-0002", "HIGH")]),
      at: new Date(),
    });
    const [completed] = await receiver.waitFor(1, "dev.portcullis.scan.completed");
    expect(JSON.parse(completed!.body)).toMatchObject({
      subject: `team/scanned@${digest}`,
      data: { digest, counts: { critical: 1, high: 1, medium: 0, low: 0, unknown: 0 }, complete: true },
    });
    // The first scan's critical is in its scan.completed, not a "new critical".
    await server.platform.queue.drain();
    expect(await receiver.waitFor(1, "dev.portcullis.finding.critical", 300)).toEqual([]);
    // A re-match finds one more critical: only that one is announced.
    await scans.rematched(
      digest,
      report([finding("CVE-2026-0001", "CRITICAL"), finding("CVE-2026-0003", "CRITICAL", "zlib")]),
      "rev-2",
    );
    const [critical] = await receiver.waitFor(1, "dev.portcullis.finding.critical");
    expect(JSON.parse(critical!.body).data.findings).toEqual([
      { id: "CVE-2026-0003", package: "zlib", purl: "pkg:deb/debian/zlib@1.0", installedVersion: "1.0" },
    ]);
    expect(await receiver.waitFor(2, "dev.portcullis.scan.completed")).toHaveLength(2);
    await call(server.url, "DELETE", `${hooks()}/${id}`, { as: MAINTAINER });
  });

  it("announces a Falco alert posted to runtime ingestion about one of the project's images", async () => {
    const { id } = await subscribe(["dev.portcullis.runtime.alert"]);
    const digest = `sha256:${"b".repeat(64)}`;
    const alert = {
      uuid: "5f2c3a4e-0000-4000-8000-000000000001",
      output: "Notice A shell was spawned in a container with an attached terminal (user=root shell=sh)",
      priority: "Notice",
      rule: "Terminal shell in container",
      time: "2026-12-07T13:00:00.123456789Z",
      source: "syscall",
      tags: ["container", "shell"],
      hostname: "node-1",
      output_fields: {
        "container.id": "0123456789ab",
        "container.image.repository": `${server.platform.registryHost}/team/app`,
        "container.image.digest": digest,
        "k8s.ns.name": "prod",
        "k8s.pod.name": "app-7d4b9",
        "proc.cmdline": "sh",
      },
    };
    const posted = await fetch(`${server.url}/api/v1/runtime/falco`, {
      method: "POST",
      headers: { authorization: basic(ROOT), "content-type": "application/json" },
      body: JSON.stringify(alert),
    });
    expect(posted.status).toBe(201);
    const [got] = await receiver.waitFor(1, "dev.portcullis.runtime.alert");
    expect(JSON.parse(got!.body)).toMatchObject({
      subject: `team/app@${digest}`,
      data: { rule: "Terminal shell in container", priority: "notice", repository: "team/app" },
    });
    await call(server.url, "DELETE", `${hooks()}/${id}`, { as: MAINTAINER });
  });

  it("announces a denied pull as a policy denial", async () => {
    const { id } = await subscribe(["dev.portcullis.policy.denied"]);
    const image = await pushImage(server.url, "team/denied", { tag: "v1", authorization: basic(ROOT) });
    const pull = await fetch(`${server.url}/v2/team/denied/manifests/v1`, {
      headers: { authorization: basic(ROOT), accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(pull.status).toBe(403);
    const [got] = await receiver.waitFor(1, "dev.portcullis.policy.denied");
    expect(got).toBeDefined();
    const event = JSON.parse(got!.body);
    expect(event).toMatchObject({
      type: "dev.portcullis.policy.denied",
      subject: `team/denied@${image.digest}`,
      data: { gate: "registry-pull", digest: image.digest, actor: "root" },
    });
    expect(event.data.rules.length).toBeGreaterThan(0);
    await call(server.url, "DELETE", `${hooks()}/${id}`, { as: MAINTAINER });
  });

  it("sends nothing to another project's webhooks, nor events a webhook did not ask for", async () => {
    // The maintainer of team is nobody in other.
    expect(
      (await call(server.url, "POST", hooks("other"), { as: MAINTAINER, body: { url: receiver.url } }))
        .status,
    ).toBe(403);
    const answer = await call(server.url, "POST", hooks("other"), { as: ROOT, body: { url: receiver.url } });
    expect(answer.status).toBe(201);
    const deletes = await subscribe(["dev.portcullis.image.deleted"]);
    await pushImage(server.url, "team/quiet", { tag: "v1", authorization: basic(ROOT) });
    await server.platform.queue.drain();
    await new Promise((r) => setTimeout(r, 100));
    await server.platform.queue.drain();
    expect(receiver.received).toEqual([]);
    await call(server.url, "DELETE", `${hooks("other")}/${answer.body.webhook.id}`, { as: ROOT });
    await call(server.url, "DELETE", `${hooks()}/${deletes.id}`, { as: MAINTAINER });
  });

  it("lets maintainers and admins manage webhooks, developers and outsiders not", async () => {
    const created = await subscribe([]);
    const path = `${hooks()}/${created.id}`;
    expect((await call(server.url, "GET", hooks(), { as: DEVELOPER })).status).toBe(403);
    expect(
      (await call(server.url, "POST", hooks(), { as: DEVELOPER, body: { url: receiver.url } })).status,
    ).toBe(403);
    expect((await call(server.url, "DELETE", path, { as: DEVELOPER })).status).toBe(403);
    expect((await call(server.url, "POST", `${path}/test`, { as: DEVELOPER })).status).toBe(403);
    expect((await call(server.url, "GET", `${path}/deliveries`, { as: DEVELOPER })).status).toBe(403);
    expect((await call(server.url, "GET", hooks())).status).toBe(401);
    expect((await call(server.url, "GET", hooks(), { as: ROOT })).status).toBe(200);
    // Another project's path does not reach this webhook.
    expect((await call(server.url, "GET", `${hooks("other")}/${created.id}`, { as: ROOT })).status).toBe(404);
    const patched = await call(server.url, "PATCH", path, { as: MAINTAINER, body: { enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.body.enabled).toBe(false);
    // Test-fire sends to a disabled webhook too, and answers the first attempt.
    const fired = await call(server.url, "POST", `${path}/test`, { as: MAINTAINER });
    expect(fired.status, fired.text).toBe(200);
    expect(fired.body).toMatchObject({ eventType: "dev.portcullis.webhook.test", state: "delivered" });
    expect(fired.body.attempts[0].statusCode).toBe(200);
    expect((await call(server.url, "DELETE", path, { as: MAINTAINER })).status).toBe(204);
    expect((await call(server.url, "GET", path, { as: MAINTAINER })).status).toBe(404);
  });

  it.each([
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["https://169.254.169.254/hook", "link-local"],
    ["https://[fe80::1]/hook", "link-local"],
    ["https://[::ffff:169.254.169.254]/hook", "link-local"],
    ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
    ["http://example.com/hook", "only to loopback"],
    ["ftp://example.com/hook", "https://"],
    ["https://user:pass@example.com/hook", "user name or password"],
    ["https://0.0.0.0/hook", "unspecified"],
  ])("refuses %s with 400 and stores nothing", async (url, says) => {
    const before = (await call(server.url, "GET", hooks(), { as: ROOT })).body.webhooks.length;
    const answer = await call(server.url, "POST", hooks(), { as: ROOT, body: { url } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].code).toBe("INVALID_ARGUMENT");
    expect(answer.body.errors[0].message).toContain(says);
    expect((await call(server.url, "GET", hooks(), { as: ROOT })).body.webhooks.length).toBe(before);
  });

  it("refuses unknown event types and unknown fields with 400", async () => {
    for (const body of [
      { url: receiver.url, events: ["dev.portcullis.nope"] },
      { url: receiver.url, secret: "mine" },
      { events: [] },
    ]) {
      expect((await call(server.url, "POST", hooks(), { as: ROOT, body })).status).toBe(400);
    }
  });

  it("allows plain HTTP beyond loopback only when asked explicitly", async () => {
    const answer = await call(server.url, "POST", hooks(), {
      as: ROOT,
      body: { url: "http://10.0.0.7/hook", allowInsecure: true, enabled: false },
    });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.webhook.allowInsecure).toBe(true);
    await call(server.url, "DELETE", `${hooks()}/${answer.body.webhook.id}`, { as: ROOT });
  });

  it("never answers or logs the secret after creation, and stores it sealed", async () => {
    const { id, secret } = await subscribe([]);
    await call(server.url, "POST", `${hooks()}/${id}/test`, { as: MAINTAINER });
    const answers = [
      await call(server.url, "GET", hooks(), { as: MAINTAINER }),
      await call(server.url, "GET", `${hooks()}/${id}`, { as: MAINTAINER }),
      await call(server.url, "PATCH", `${hooks()}/${id}`, { as: MAINTAINER, body: { description: "x" } }),
      await call(server.url, "GET", `${hooks()}/${id}/deliveries`, { as: MAINTAINER }),
      await call(server.url, "GET", "/api/v1/audit/decisions?limit=200", { as: ROOT }),
    ];
    const key = secret.slice("whsec_".length);
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text).not.toContain(key);
      expect(answer.text).not.toContain("secret");
    }
    expect(JSON.stringify(server.logs)).not.toContain(key);
    const row = await server.platform.database.db
      .selectFrom("webhooks")
      .select("secret_sealed")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain(key);
    await call(server.url, "DELETE", `${hooks()}/${id}`, { as: MAINTAINER });
  });
});
