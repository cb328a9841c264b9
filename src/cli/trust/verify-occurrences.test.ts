import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookServices, type PolicyGate, resolveConfig } from "../../app/index.js";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../server/testing.js";
import { main } from "../main.js";
import { scanApiFromFlag } from "../scan-api-flag.js";
import { captureCli } from "../testing/capture.js";

const io = captureCli();
const ROOT = { name: "root", secret: "root password one" };
const DEV = { name: "dev", secret: "developer password" };
const MAINT = { name: "maint", secret: "maintainer password" };
const NOTE = "projects/team/notes/tests-passed";
const POLICY = [
  "apiVersion: portcullis.dev/v1",
  "kind: Policy",
  "defaultRule:",
  "  require:",
  "    occurrences:",
  `      - note: ${NOTE}`,
  "        kind: ATTESTATION",
  "        author: maint",
  "",
].join("\n");
const basic = (who: { name: string; secret: string }) =>
  `Basic ${Buffer.from(`${who.name}:${who.secret}`).toString("base64")}`;

/**
 * The `occurrences` requirement outside the registry: `verify --policy` and the admission webhook read
 * what was posted to the server (its API through --scan-api, or the webhook's shared database), deny
 * until the occurrence is posted and allow after; with no source they fail closed, saying why.
 */
describe.each(testDatabases())("the occurrences requirement in verify and admission (%s)", (database) => {
  let server: TestServer;
  let dir: string;
  let policyFile: string;
  let image: string;
  const env = { ...process.env };

  const ciVerify = async (...extra: string[]) => {
    io.reset();
    return main(["node", "portcullis", "verify", image, "--policy", policyFile, ...extra]);
  };
  /** The webhook's gate as `admission serve` builds it: --scan-api, or the shared database (--data). */
  const admission = async (source: "api" | "database" | "none") => {
    const services = await createWebhookServices<PolicyGate>({
      policyFile,
      access: {},
      ...(source === "api"
        ? (() => {
            const api = scanApiFromFlag(server.url, {}, (m) => new Error(m));
            return { scanApi: api, occurrenceApi: api };
          })()
        : {}),
      ...(source === "database"
        ? { platform: resolveConfig({ env: {}, flags: { "storage.dataDir": server.dataDir } }) }
        : {}),
      timeoutMs: 10_000,
      serve: (gate) => gate,
    });
    try {
      return await services.policy.current.decide({
        image,
        request: { kind: "admission", namespace: "apps" },
      });
    } finally {
      await services.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pc-verify-occurrences-"));
    policyFile = join(dir, "policy.yaml");
    await writeFile(policyFile, POLICY);
    // The robot-less CI job reads the API as the developer; no docker config of the machine's.
    process.env.DOCKER_CONFIG = join(dir, "no-docker-config");
    process.env.PORTCULLIS_SCAN_API_USERNAME = DEV.name;
    process.env.PORTCULLIS_SCAN_API_PASSWORD = DEV.secret;
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    // Public: the registry reads for evidence need no credentials, only the API's occurrences do.
    await store.createProject({ name: "team", public: true });
    for (const [who, role] of [
      [DEV, "developer"],
      [MAINT, "maintainer"],
    ] as const) {
      await store.createUser({ name: who.name, password: who.secret });
      await store.addMember({ project: "team", kind: "user", name: who.name, role });
    }
    const { digest } = await pushImage(server.url, "team/app", { tag: "1.0", authorization: basic(ROOT) });
    image = `${new URL(server.url).host}/team/app@${digest}`;
  });
  afterAll(async () => {
    await server?.close();
    for (const key of ["DOCKER_CONFIG", "PORTCULLIS_SCAN_API_USERNAME", "PORTCULLIS_SCAN_API_PASSWORD"]) {
      if (env[key] === undefined) delete process.env[key];
      else process.env[key] = env[key];
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("fails closed without an occurrence source, naming it", async () => {
    expect(await ciVerify()).toBe(1);
    expect(io.out).toMatch(/occurrence/i);
    const decision = await admission("none");
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(/occurrence/i);
  });

  it("denies until the maintainer posts the occurrence, then allows, in CI and at admission", async () => {
    expect(await ciVerify("--scan-api", server.url)).toBe(1);
    expect(io.out).toMatch(/no ATTESTATION occurrence of projects\/team\/notes\/tests-passed by maint/);
    const denied = await admission("api");
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toMatch(
      /no ATTESTATION occurrence of projects\/team\/notes\/tests-passed by maint/,
    );
    if (database === "sqlite") expect((await admission("database")).allowed).toBe(false);

    const posted = await fetch(`${server.url}/v1/projects/team/occurrences`, {
      method: "POST",
      headers: { authorization: basic(MAINT), "content-type": "application/json" },
      body: JSON.stringify({
        resourceUri: `https://${image}`,
        noteName: NOTE,
        kind: "ATTESTATION",
        attestation: { serializedPayload: Buffer.from("tests passed").toString("base64"), signatures: [] },
      }),
    });
    expect(posted.status, await posted.clone().text()).toBe(200);

    expect(await ciVerify("--scan-api", server.url), io.out).toBe(0);
    const allowed = await admission("api");
    expect(allowed.allowed, allowed.reason).toBe(true);
    if (database === "sqlite") expect((await admission("database")).allowed).toBe(true);
  });

  it("serves the image's occurrences to a reader and refuses an outsider of a private project", async () => {
    const url = `${server.url}/api/v1/repositories/team/app/manifests/${image.split("@")[1]}/occurrences`;
    const read = await fetch(url, { headers: { authorization: basic(DEV) } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { occurrences: unknown[] }).occurrences).toEqual([
      expect.objectContaining({ noteName: NOTE, kind: "ATTESTATION", author: "maint" }),
    ]);
    const missing = await fetch(url.replace(/sha256:[0-9a-f]+/, `sha256:${"0".repeat(64)}`), {
      headers: { authorization: basic(DEV) },
    });
    expect(missing.status).toBe(404);
  });
});
