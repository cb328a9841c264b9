import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assessSbom } from "../../../app/index.js";
import type { AuditRecord } from "../../../audit/index.js";
import { readSbom } from "../../../sbom/index.js";
import { importOsv, openAdvisoryDatabase } from "../../../vuln/index.js";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { call } from "../identity/testing.js";

const PULL_POLICY = `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  evaluationMode: require
  enforcementMode: dry-run
  require:
    labels:
      - org.opencontainers.image.source
`;

const DIGEST = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

function record(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    gate: n % 3 === 0 ? "admission" : "registry-pull",
    image: `127.0.0.1:5000/team/app${n % 2}@${DIGEST(n)}`,
    digest: DIGEST(n),
    effect: n % 4 === 0 ? "deny" : "allow",
    mode: "enforce",
    reason: n % 4 === 0 ? "denied by defaultRule: signedBy: no signature" : "every requirement passed",
    rules: [{ rule: "signedBy", passed: n % 4 !== 0, reason: n % 4 === 0 ? "no signature" : "signed" }],
    policyDigest: DIGEST(999),
    actor: n % 5 === 0 ? "robot$team+ci" : "alice",
    ...(n % 3 === 0 ? { namespace: n % 2 === 0 ? "prod" : "dev", workload: `Deployment/web-${n}` } : {}),
    ...overrides,
  };
}

describe.each(testDatabases())("console API in anonymous mode (%s)", (database) => {
  let server: TestServer;
  let image: Awaited<ReturnType<typeof pushImage>>;
  let policyDir = "";

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "portcullis-console-"));
    policyDir = dir;
    server = await startTestServer({
      database,
      storage: "memory",
      config: { "policy.pull": await writeAt(dir, PULL_POLICY) },
    });
    image = await pushImage(server.url, "team/app", { tag: "v1", seed: "console" });
    for (let n = 1; n <= 30; n++) await server.platform.audit.append(record(n));
    await server.platform.audit.append(
      record(31, { breakGlass: { annotation: "portcullis.dev/break-glass", value: "INC-42" } }),
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(policyDir, { recursive: true, force: true });
  });

  it("tells the console the version, the sign-in mode and the host, without credentials", async () => {
    const info = await call(server.url, "GET", "/api/v1/system/info");
    expect(info.status).toBe(200);
    expect(info.body).toEqual({
      version: "dev",
      authMode: "anonymous",
      oidc: false,
      registryHost: new URL(server.url).host,
    });
  });

  it("answers /me for the open mode's principal, which may do everything", async () => {
    const me = await call(server.url, "GET", "/api/v1/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: "anonymous", kind: "anonymous", admin: true, grants: [] });
    expect(me.body.systemPermissions).toContain("system.config");
  });

  it("pages the decision log newest first, with every filter in SQL and the total", async () => {
    const all = await call(server.url, "GET", "/api/v1/audit/decisions?page=1&perPage=10");
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(31);
    expect(all.body.items.map((d: { id: number }) => d.id)).toEqual(
      [...all.body.items.map((d: { id: number }) => d.id)].sort((a, b) => b - a),
    );
    expect(all.body.items[0]).toMatchObject({
      breakGlass: { annotation: "portcullis.dev/break-glass", value: "INC-42" },
      rules: [{ id: "signedBy", outcome: "pass", message: "signed" }],
    });
    const page4 = await call(server.url, "GET", "/api/v1/audit/decisions?page=4&perPage=10");
    expect(page4.body.items).toHaveLength(1);

    const count = async (query: string) => {
      const res = await call(server.url, "GET", `/api/v1/audit/decisions?page=1&perPage=200&${query}`);
      expect(res.status, `${query}: ${res.text}`).toBe(200);
      expect(res.body.items).toHaveLength(Math.min(res.body.total, 200));
      return res.body.total as number;
    };
    const expected = (keep: (n: number) => boolean) =>
      Array.from({ length: 31 }, (_, i) => i + 1).filter(keep).length;
    expect(await count("effect=deny")).toBe(expected((n) => n % 4 === 0));
    expect(await count("effect=deny,warn")).toBe(expected((n) => n % 4 === 0));
    expect(await count("gate=admission")).toBe(expected((n) => n % 3 === 0));
    expect(await count("gate=admission&effect=allow")).toBe(expected((n) => n % 3 === 0 && n % 4 !== 0));
    expect(await count(`actor=${encodeURIComponent("robot$team+ci")}`)).toBe(expected((n) => n % 5 === 0));
    expect(await count("namespace=prod")).toBe(expected((n) => n % 6 === 0));
    expect(await count(`digest=${DIGEST(7)}`)).toBe(1);
    expect(await count("image=APP1")).toBe(expected((n) => n % 2 === 1));
    expect(await count("q=no%20signature")).toBe(expected((n) => n % 4 === 0));
    expect(await count("q=web-9")).toBe(1);
    expect(await count("breakGlass=true")).toBe(1);
    expect(await count("since=1h")).toBe(31);
    expect(await count("until=1h")).toBe(0);
    expect(await count("since=2000-01-01&until=2999-01-01")).toBe(31);
    // The unpaged answer stays as it was: the log's entries, oldest first.
    const legacy = await call(server.url, "GET", "/api/v1/audit/decisions?limit=2&effect=deny");
    expect(legacy.body.decisions.map((d: { id: number; effect: string }) => d.effect)).toEqual([
      "deny",
      "deny",
    ]);
    expect(legacy.body.decisions[0].id).toBeLessThan(legacy.body.decisions[1].id);
  });

  it.each([
    ["gate=bogus", /gate must be one or more of/],
    ["effect=allow,maybe", /effect must be one or more of/],
    ["page=0", /page must be/],
    ["page=1&perPage=201", /perPage must be an integer from 1 to 200/],
    ["perPage=10", /perPage needs page/],
    ["page=1&limit=5", /limit is for the unpaged answer/],
    ["since=yesterday", /invalid since/],
    ["digest=nope", /digest must be algorithm:hex/],
    ["colour=red", /colour/],
  ])("refuses %s with 400 INVALID_ARGUMENT", async (query, message) => {
    const res = await call(server.url, "GET", `/api/v1/audit/decisions?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe("INVALID_ARGUMENT");
    expect(res.body.errors[0].message).toMatch(message);
  });

  it("verifies the chain, and names the row an edit broke", async () => {
    const good = await call(server.url, "GET", "/api/v1/audit/verify");
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ state: "done", ok: true, checked: 31, total: 31, brokenAt: null });
    expect(JSON.parse(good.body.head)).toMatchObject({ count: 31 });
    const victim = (await server.platform.audit.list({ digest: DIGEST(12) }))[0]!;
    await sql`update decisions set effect = 'allow' where id = ${victim.id}`.execute(
      server.platform.database.db,
    );
    // A finished walk is reused for a while; refresh=true asks for a new one.
    const cached = await call(server.url, "GET", "/api/v1/audit/verify");
    expect(cached.body.ok).toBe(true);
    const broken = await call(server.url, "GET", "/api/v1/audit/verify?refresh=true");
    expect(broken.body).toMatchObject({
      state: "done",
      ok: false,
      brokenAt: victim.id,
      checked: victim.id - 1,
    });
    expect(broken.body.problem).toMatch(/changed after it was written/);
    await sql`update decisions set effect = 'deny' where id = ${victim.id}`.execute(
      server.platform.database.db,
    );
  });

  it("lists the loaded policies with their requirements and text", async () => {
    const res = await call(server.url, "GET", "/api/v1/policies");
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      name: "pull",
      kind: "registry-pull",
      text: PULL_POLICY,
      requirements: [{ id: "labels" }],
      rules: [{ source: "defaultRule", enforcementMode: "dry-run", requirements: ["labels"] }],
    });
    expect(res.body.items[0].digest).toMatch(/^sha256:/);
    expect(res.body.items[0].requirements[0].description).toEqual(expect.any(String));
  });

  it("evaluates a policy against an image of this registry, recording nothing", async () => {
    const before = (await server.platform.audit.checkpoint())!.count;
    for (const reference of ["team/app:v1", `${new URL(server.url).host}/team/app@${image.digest}`]) {
      const res = await call(server.url, "POST", "/api/v1/policies/pull/evaluate", {
        body: { image: reference },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        policy: "pull",
        digest: image.digest,
        decision: {
          verdict: "fail",
          mode: "dry-run",
          rules: [{ id: "labels", outcome: "fail", message: expect.stringMatching(/source/) }],
        },
      });
    }
    expect((await server.platform.audit.checkpoint())!.count).toBe(before);
  });

  it.each([
    [{ image: "docker.io/library/nginx:1" }, 400, /another registry/],
    [{ image: "Team/App::v1" }, 400, /image/],
    [{ image: "team/app:v1", extra: 1 }, 400, /extra/],
    [{}, 400, /image/],
  ])("refuses evaluating %j", async (body, status, message) => {
    const res = await call(server.url, "POST", "/api/v1/policies/pull/evaluate", { body });
    expect(res.status).toBe(status);
    expect(res.body.errors[0].message).toMatch(message);
  });

  it("answers 404 for a policy that is not loaded, naming those that are", async () => {
    const res = await call(server.url, "POST", "/api/v1/policies/push/evaluate", {
      body: { image: "team/app:v1" },
    });
    expect(res.status).toBe(404);
    expect(res.body.errors[0].message).toMatch(/loaded: pull/);
  });

  it("says when there is no advisory database, and refuses a re-scan without one (409)", async () => {
    const status = await call(server.url, "GET", "/api/v1/advisories");
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      available: false,
      revision: null,
      updatedAt: null,
      ecosystems: [],
      sources: [],
    });
    const rescan = await call(server.url, "POST", "/api/v1/advisories/rescan");
    expect(rescan.status).toBe(409);
    expect(rescan.body.errors[0].message).toMatch(/no advisory database/);
  });
});

async function writeAt(dir: string, text: string): Promise<string> {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

describe.each(testDatabases())("advisory database and re-scan (%s)", (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ database, storage: "memory", config: { "scan.onPush": true } });
  });
  afterAll(async () => server.close());

  it("shows ecosystems and sources, and re-matches every stored SBOM on request", async () => {
    const path = server.platform.config.scan.advisoryDatabase;
    const osv = join(server.root, "GHSA-test-0001.json");
    await writeFile(
      osv,
      JSON.stringify({
        id: "GHSA-test-0001",
        modified: "2026-01-01T00:00:00Z",
        affected: [{ package: { ecosystem: "npm", name: "left-pad" }, versions: ["1.0.0"] }],
      }),
    );
    const advisories = openAdvisoryDatabase(path, { create: true });
    await importOsv(advisories, osv);
    const revision = advisories.revision();
    advisories.close();

    const status = await call(server.url, "GET", "/api/v1/advisories");
    expect(status.status, status.text).toBe(200);
    expect(status.body).toMatchObject({
      available: true,
      revision,
      ecosystems: [{ name: "npm", records: 1 }],
    });

    // A finished scan with a stored SBOM, matched against no revision yet.
    const sbom = Buffer.from(
      JSON.stringify({
        bomFormat: "CycloneDX",
        specVersion: "1.6",
        version: 1,
        components: [{ type: "library", name: "left-pad", version: "1.0.0", purl: "pkg:npm/left-pad@1.0.0" }],
      }),
    );
    const digest = DIGEST(4242);
    await server.platform.scans.request(digest, "team/app", new Date());
    await server.platform.scans.complete(digest, {
      sbom,
      sbomDigest: DIGEST(4243),
      report: assessSbom(readSbom(sbom.toString("utf8"))),
      at: new Date(),
    });
    const rescan = await call(server.url, "POST", "/api/v1/advisories/rescan");
    expect(rescan.status, rescan.text).toBe(202);
    expect(rescan.body).toEqual({ queued: 1 });
    await server.platform.queue.drain();
    const stored = await server.platform.scans.get(digest);
    expect(stored?.advisoryRevision).toBe(revision);
    expect(stored?.report?.findings.map((f) => f.id)).toEqual(["GHSA-test-0001"]);
  });
});
